/** Test support for Session tests: a fake transport, a harness and frame helpers. */
import { pino } from 'pino';
import { expect, vi } from 'vitest';
import { DEFAULT_PREFIX_MAP } from '../auth/acl.js';
import type { Principal } from '../auth/principal.js';
import { MemoryBroker } from '../broker/memory-broker.js';
import type { Frame } from '../codec/index.js';
import { StompParser, header, serialize } from '../codec/index.js';
import type { Limits } from '../config.js';
import { StompError } from '../reasons.js';
import { Hub } from './hub.js';
import { Session } from './session.js';
import type { SessionContext } from './session.js';
import type { Transport } from './transport.js';

export const LIMITS: Limits = {
  maxFrameSize: 4096,
  maxHeaders: 32,
  maxHeaderLineLength: 1024,
  connectTimeoutMs: 1000,
  heartbeatMs: 1000,
  maxSubscriptions: 2,
  maxDestinationLength: 255,
  maxSendRate: 0,
  sendBurst: 1,
  maxUnacked: 3,
  maxQueueBacklog: 100,
  maxBufferedBytes: 1024 * 1024,
  maxTransactions: 2,
  maxReplay: 50,
};

export const ROOM = '/topic/room.42';
export const ALICE: Principal = {
  userId: 'alice',
  name: 'Alice',
  grants: {
    sub: [ROOM, '/topic/lobby.*', '/sub/chat/**'],
    pub: [ROOM, '/sub/chat/**', '/user/*/queue/dm'],
  },
};
export const BOB: Principal = {
  userId: 'bob',
  grants: { sub: [ROOM], pub: [ROOM, '/user/*/queue/dm'] },
};
/** Tokens the stub verifier knows. */
export const TOKENS: Record<string, () => Principal> = {
  good: () => ALICE,
  'good-bob': () => BOB,
  'good-expiring': () => ({ ...ALICE, expiresAt: Date.now() + 5000 }),
  'good-worker': () => ({
    userId: 'worker',
    grants: { sub: ['/queue/**', ROOM], pub: ['/queue/**', ROOM] },
  }),
  'good-multiline-name': () => ({ ...ALICE, userId: 'eve', name: 'Eve\nAdmin' }),
};

/** Records what the session writes, parsed back into frames, and its close calls. */
export class FakeTransport implements Transport {
  readonly writes: Array<{ data: Uint8Array | string; binary: boolean }> = [];
  readonly frames: Frame[] = [];
  readonly closes: Array<[number, string]> = [];
  heartbeats = 0;
  readonly parser = new StompParser(
    { onFrame: (f) => this.frames.push(f), onHeartbeat: () => void this.heartbeats++ },
    { maxFrameSize: 1 << 20 },
  );

  send(data: Uint8Array | string, binary: boolean): boolean {
    this.writes.push({ data, binary });
    this.parser.push(data);
    return true;
  }

  close(code: number, reason: string): void {
    this.closes.push([code, reason]);
  }

  /** What the fake pretends is stuck in the socket's send buffer. */
  buffered = 0;

  bufferedAmount(): number {
    return this.buffered;
  }

  /** Everything written, as text. */
  text(): string {
    const dec = new TextDecoder();
    return this.writes
      .map((w) => (typeof w.data === 'string' ? w.data : dec.decode(w.data)))
      .join('');
  }

  commands(): string[] {
    return this.frames.map((f) => f.command);
  }

  /** The single frame of that command (fails when there are none or several). */
  only(command: string): Frame {
    const found = this.frames.filter((f) => f.command === command);
    expect(
      found.map((f) => f.command),
      `frames: ${this.commands().join(',')}`,
    ).toEqual([command]);
    return found[0]!;
  }
}

export interface Harness {
  broker: MemoryBroker;
  hub: Hub;
  ctx: SessionContext;
  ended: Session[];
  open(id?: string): { session: Session; transport: FakeTransport };
}

/** Sessions opened by harnesses, closed after each test by {@link closeAll}. */
export const sessions: Session[] = [];

export function closeAll(): void {
  for (const s of sessions.splice(0)) s.onTransportClosed();
}

export function harness(overrides: Partial<SessionContext> = {}): Harness {
  const broker = new MemoryBroker();
  const hub = new Hub(broker, { maxQueueBacklog: (overrides.limits ?? LIMITS).maxQueueBacklog });
  const ended: Session[] = [];
  const ctx: SessionContext = {
    verify: (token) => {
      const p = TOKENS[token];
      return p
        ? Promise.resolve(p())
        : Promise.reject(new StompError('token-invalid', 'invalid token: invalid signature'));
    },
    broker,
    hub,
    limits: LIMITS,
    dev: false,
    prefixMap: DEFAULT_PREFIX_MAP,
    serverName: 'parley-test/0',
    log: pino({ level: 'silent' }),
    onEnd: (s) => ended.push(s),
    ...overrides,
  };
  let n = 0;
  return {
    broker,
    hub,
    ctx,
    ended,
    open(id = `s-${++n}`) {
      const transport = new FakeTransport();
      const session = new Session(id, transport, ctx);
      sessions.push(session);
      return { session, transport };
    },
  };
}

/** A client frame; headers are escaped unless `escapes` is false (CONNECT never is). */
export function frame(
  command: string,
  headers: Record<string, string> | Array<[string, string]>,
  body: string | Uint8Array = '',
  escapes = true,
): Uint8Array {
  return serialize(
    {
      command,
      headers: Array.isArray(headers) ? headers : Object.entries(headers),
      body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
    },
    { escapes },
  );
}

export function connect(
  token: string | undefined,
  extra: Record<string, string> = {},
  command = 'CONNECT',
): Uint8Array {
  return frame(command, {
    'accept-version': '1.2',
    host: 'localhost',
    ...(token !== undefined && { Authorization: `Bearer ${token}` }),
    ...extra,
  });
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Lets every pending promise callback run (setImmediate is never faked here). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Opens a session and completes CONNECT with `token`. */
export async function connected(
  h: Harness,
  token = 'good',
  extra: Record<string, string> = {},
): Promise<{ session: Session; transport: FakeTransport }> {
  const s = h.open();
  s.session.onData(connect(token, extra));
  await settle();
  expect(s.transport.commands()).toEqual(['CONNECTED']);
  return s;
}

export function errorOf(t: FakeTransport): { reason?: string; message?: string; frame: Frame } {
  const f = t.only('ERROR');
  return { reason: header(f, 'parley-reason'), message: header(f, 'message'), frame: f };
}

/** Fake timers and clock; setImmediate stays real so {@link settle} works. */
export const FAKE_TIMERS: Parameters<typeof vi.useFakeTimers>[0] = {
  toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
};

/** A frame's body as text. */
export const body = (f: Frame): string => new TextDecoder().decode(f.body);

/** The MESSAGE frames a session wrote. */
export const messages = (t: FakeTransport): Frame[] =>
  t.frames.filter((f) => f.command === 'MESSAGE');
