/**
 * Shared fixture of the attack suite: a real relay process with a healthy @stomp/stompjs pair
 * (alice → bob on /topic/room.healthy) that every row checks after its attack, raw sockets for
 * the attacker, and the assertions every refusal must meet (reason, close, no leaked internals).
 */
import type { IMessage } from '@stomp/stompjs';
import { expect } from 'vitest';
import { header } from '../../codec/index.js';
import type { Frame } from '../../codec/index.js';
import { connectFrame, rawStomp, signToken, spawnRelay } from '../../testing/index.js';
import type {
  RawStompClient,
  RelayProcess,
  SpawnRelayOptions,
  TestClaims,
} from '../../testing/index.js';
import { eventually, stompClient, text } from '../stomp-clients.js';
import type { StompTestClient } from '../stomp-clients.js';

/** What the healthy pair and most attackers are granted. */
export const ROOMS = { sub: ['/topic/room.*'], pub: ['/topic/room.*'] };

/**
 * Things no ERROR or HTTP error may ever say: internal addresses, URLs, socket errors, stack
 * frames. (The relay's own listening address is loopback in tests, so any `127.0.0.1:` is a leak.)
 */
export const LEAKS =
  /ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|127\.0\.0\.1:|localhost:\d|\bhttps?:\/\/|\.[jt]s:\d+|\bat [\w.<>]+ \(/;

/**
 * Environment every attack relay starts with unless a file says otherwise: per-address limits off
 * (`0`), so the suite's own hundreds of loopback sockets are not what gets refused.
 */
export const GENEROUS_PER_IP: Record<string, string> = {
  PARLEY_MAX_CONNECTIONS_PER_IP: '0',
  PARLEY_CONNECT_RATE_PER_IP: '0',
};

export interface TargetOptions extends SpawnRelayOptions {
  /** Signs the healthy pair's (and `token()`'s) claims; default HS256 with the relay's secret. */
  sign?: (claims: TestClaims, relay: RelayProcess) => string;
  /** Claims added to every token `token()` makes (e.g. `iss`, `aud`). */
  claims?: Record<string, unknown>;
}

/** A relay under attack, with its healthy pair. */
export interface Target {
  relay: RelayProcess;
  alice: StompTestClient;
  bob: StompTestClient;
  /** A valid token for `sub` (granted ROOMS unless `extra.parley` says otherwise). */
  token(sub: string, extra?: Record<string, unknown>): string;
  /** A raw socket (STOMP 1.2 sub-protocol), not yet CONNECTed. */
  raw(headers?: Record<string, string>): Promise<RawStompClient>;
  /** A raw socket that has CONNECTed as `token`'s user. */
  connected(token?: string, headers?: Record<string, string>): Promise<RawStompClient>;
  /** Alice → Bob still works, neither saw an ERROR or a close, /healthz answers. */
  stillChatting(): Promise<void>;
  stop(): Promise<void>;
}

/** For `beforeAll` hooks that start relays: well above startTarget's own 30 s spawn timeout. */
export const START_TIMEOUT_MS = 60_000;

export async function startTarget(options: TargetOptions = {}): Promise<Target> {
  const relay = await spawnRelay({
    // The suite's files start relays in parallel on a shared machine: be patient.
    timeoutMs: 30_000,
    ...options,
    env: { ...GENEROUS_PER_IP, ...options.env },
  });
  const sign = options.sign ?? ((claims, r) => signToken(r.secret, claims));
  const token = (sub: string, extra: Record<string, unknown> = {}): string =>
    sign({ sub, name: sub.toUpperCase(), parley: ROOMS, ...options.claims, ...extra }, relay);
  let alice: StompTestClient | undefined;
  let bob: StompTestClient | undefined;
  try {
    alice = await stompClient(relay.wsUrl, token('alice'));
    bob = await stompClient(relay.wsUrl, token('bob'));
  } catch (err) {
    await alice?.client.deactivate({ force: true });
    await relay.stop();
    throw err;
  }
  const bobGot: IMessage[] = await bob.subscribe('/topic/room.healthy');
  const pair = [alice, bob];
  let round = 0;
  const raw = (headers?: Record<string, string>): Promise<RawStompClient> =>
    rawStomp(relay.wsUrl, headers ? { headers } : {});
  return {
    relay,
    alice,
    bob,
    token,
    raw,
    async connected(tok = token('eve'), headers = {}) {
      const socket = await raw();
      socket.send(connectFrame(tok, headers));
      await socket.next('CONNECTED');
      return socket;
    },
    async stillChatting() {
      const body = `round ${++round}`;
      pair[0]!.client.publish({ destination: '/topic/room.healthy', body });
      await eventually(() => bobGot.some((m) => m.body === body), 8000, `bob gets "${body}"`);
      for (const c of pair) {
        expect(c.errors.map((f) => f.headers.message)).toEqual([]);
        expect(c.closes).toEqual([]);
        expect(c.client.connected).toBe(true);
      }
      expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);
    },
    async stop() {
      await Promise.all(pair.map((c) => c.client.deactivate({ force: true })));
      await relay.stop();
    },
  };
}

/**
 * Sent right after an attack frame: if the relay accepted the attack it answers this with a
 * RECEIPT and closes normally, so a row fails at once instead of waiting out the ERROR timeout.
 * A refused attack never gets here (nothing is processed after an ERROR).
 */
export const ACCEPTED_PROBE = 'DISCONNECT\nreceipt:accepted\n\n\0';

/**
 * Starts several targets in parallel. If one fails to start, the others are stopped before the
 * error is thrown (a half-started `beforeAll` would otherwise leave relay processes behind).
 */
export async function startTargets<T extends TargetOptions[]>(
  ...options: T
): Promise<{ [K in keyof T]: Target }> {
  const settled = await Promise.allSettled(options.map((o) => startTarget(o)));
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw failed.reason;
  }
  return settled.map((r) => (r as PromiseFulfilledResult<Target>).value) as {
    [K in keyof T]: Target;
  };
}

export interface RefusalExpectation {
  /** The `message` must match this. */
  message?: RegExp;
  /** Strings the ERROR must not contain (expected issuer, audience, secrets…). */
  secrets?: string[];
  /** WebSocket close code (default 4000). */
  code?: number;
  timeoutMs?: number;
}

/**
 * The socket gets an ERROR with `reason`, a non-empty `message` (also the body) that leaks
 * nothing internal, then a close, and nothing after the ERROR.
 */
export async function expectRefused(
  socket: RawStompClient,
  reason: string,
  expected: RefusalExpectation = {},
): Promise<Frame> {
  const err = await socket.next('ERROR', expected.timeoutMs ?? 15_000);
  expect(header(err, 'parley-reason')).toBe(reason);
  const message = header(err, 'message') ?? '';
  expect(message).not.toBe('');
  expect(text(err.body)).toBe(message);
  expectNoLeak(message, expected.secrets);
  if (expected.message) expect(message).toMatch(expected.message);
  expect((await socket.closed).code).toBe(expected.code ?? 4000);
  expect(socket.frames.slice(socket.frames.indexOf(err) + 1)).toEqual([]);
  return err;
}

/** `text` names no internal address, URL, stack frame or any of `secrets`. */
export function expectNoLeak(text: string, secrets: string[] = []): void {
  expect(text).not.toMatch(LEAKS);
  for (const s of secrets.filter(Boolean)) expect(text).not.toContain(s);
}

/** The socket gets CONNECTED for `user`; then it is closed. */
export async function expectConnected(socket: RawStompClient, user: string): Promise<void> {
  const frame = await socket.next('CONNECTED');
  expect(header(frame, 'user-name')).toBe(user);
  expect(socket.frames.map((f) => f.command)).not.toContain('ERROR');
  socket.close();
}

/** A CONNECT frame with exactly these header lines (repeats and odd casing kept). */
export function rawConnect(lines: Array<[string, string]>): string {
  const all: Array<[string, string]> = [['accept-version', '1.2'], ['host', 'localhost'], ...lines];
  return `CONNECT\n${all.map(([k, v]) => `${k}:${v}`).join('\n')}\n\n\0`;
}

/** An HTTP call to the relay: status and parsed JSON (or text) body. */
export async function http(
  relay: RelayProcess,
  path: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; text: string }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${relay.httpUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body !== undefined && {
      body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    }),
  });
  const body = await res.text();
  let parsed: unknown = body;
  try {
    parsed = JSON.parse(body);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, text: body };
}

/** Reads one counter or gauge sample from `/metrics` (summing every label set that matches). */
export async function metric(relay: RelayProcess, name: string, label?: RegExp): Promise<number> {
  const body = await (await fetch(`${relay.httpUrl}/metrics`)).text();
  let sum = 0;
  for (const line of body.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([\w:]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (label && !label.test(m[2] ?? '')) continue;
    sum += Number(m[3]);
  }
  return sum;
}
