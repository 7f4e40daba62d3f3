/**
 * Traffic for the soak (relay/bench/soak.ts): chat clients (@stomp/stompjs) that talk in rooms
 * and churn, and a hostile loop that throws the attack suite's categories at the relay at random.
 * Everything is on loopback and bounded: a fixed number of chat clients, at most
 * `MAX_HOSTILE_SOCKETS` hostile sockets open, and both stop when `running()` turns false.
 */
import { connect } from 'node:net';
import { Client } from '@stomp/stompjs';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';

export interface SoakTarget {
  wsUrl: string;
  httpUrl: string;
  port: number;
  secret: string;
  apiKey: string;
}

export interface TrafficStats {
  sent: number;
  received: number;
  reconnects: number;
  /** ERROR frames chat clients got outside a churn (should stay 0). */
  chatErrors: number;
  attacks: Map<string, number>;
  /** Hostile attempts whose outcome was not the refusal the attack suite expects. */
  surprises: Map<string, number>;
}

const ROOMS = { sub: ['/topic/room.*'], pub: ['/topic/room.*'] };
const MAX_HOSTILE_SOCKETS = 200;

export function newStats(): TrafficStats {
  return {
    sent: 0,
    received: 0,
    reconnects: 0,
    chatErrors: 0,
    attacks: new Map(),
    surprises: new Map(),
  };
}

const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A random documentation/benchmark address (198.18.0.0/15) for X-Forwarded-For. */
function randomAddress(): string {
  return `198.${18 + Math.floor(Math.random() * 2)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
}

function token(t: SoakTarget, sub: string, extra: Record<string, unknown> = {}): string {
  const claims = { sub, name: sub, parley: ROOMS, exp: Math.floor(Date.now() / 1000) + 3600 };
  return jwt.sign({ ...claims, ...extra }, t.secret, { algorithm: 'HS256' });
}

/** One chat client: connects (from its own forwarded address), subscribes to its room, talks. */
function chatClient(t: SoakTarget, id: number, room: string, stats: TrafficStats): () => void {
  const address = `10.77.${id >> 8}.${(id & 255) + 1}`;
  let closing = false;
  const client = new Client({
    webSocketFactory: () =>
      new WebSocket(t.wsUrl, ['v12.stomp'], { headers: { 'x-forwarded-for': address } }),
    connectHeaders: { Authorization: `Bearer ${token(t, `user${id}`)}` },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    debug: () => undefined,
  });
  client.onConnect = () => {
    client.subscribe(room, () => void stats.received++);
  };
  client.onStompError = () => {
    if (!closing) stats.chatErrors++;
  };
  client.activate();
  const talk = setInterval(() => {
    if (!client.connected) return;
    client.publish({ destination: room, body: `hello from ${id} at ${Date.now()}` });
    stats.sent++;
  }, 1000);
  return () => {
    closing = true;
    clearInterval(talk);
    void client.deactivate({ force: true });
  };
}

/** `clients` chat clients over `rooms` rooms, two of them replaced every 5 s, until `running()` is false. */
export async function chat(
  t: SoakTarget,
  opts: { clients: number; rooms: number; running: () => boolean },
  stats: TrafficStats,
): Promise<void> {
  let next = 0;
  const roomOf = (i: number): string => `/topic/room.${i % opts.rooms}`;
  const live: Array<() => void> = [];
  for (; next < opts.clients; next++) live.push(chatClient(t, next, roomOf(next), stats));
  while (opts.running()) {
    await sleep(5000);
    for (let k = 0; k < 2 && opts.running(); k++) {
      const at = Math.floor(Math.random() * live.length);
      live[at]!();
      live[at] = chatClient(t, next, roomOf(next), stats);
      next = (next + 1) % 60_000;
      stats.reconnects++;
    }
  }
  for (const stop of live) stop();
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** One hostile socket: sends `frames`, expects an ERROR with `reason` (or a refused upgrade). */
function hostileSocket(
  t: SoakTarget,
  kind: string,
  frames: string[],
  reason: string | undefined,
  stats: TrafficStats,
  open: { n: number },
): Promise<void> {
  return new Promise((resolve) => {
    open.n++;
    const ws = new WebSocket(t.wsUrl, ['v12.stomp'], {
      headers: { 'x-forwarded-for': randomAddress() },
    });
    let got = '';
    const done = (outcome: string): void => {
      if (reason !== undefined && !outcome.includes(`parley-reason:${reason}`)) {
        bump(stats.surprises, kind);
      }
      open.n--;
      clearTimeout(timer);
      ws.terminate();
      resolve();
    };
    // A stalled socket waits out the relay's connect timeout; nothing waits longer than 20 s.
    const timer = setTimeout(() => done(got || 'no answer'), 20_000);
    ws.on('open', () => frames.forEach((f) => ws.send(f)));
    ws.on('message', (data: Buffer) => {
      got += data.toString('latin1');
      const error = got.indexOf('ERROR\n');
      if (error >= 0 && got.indexOf('\0', error) > 0) done(got);
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      done(`parley-reason:${String(res.headers['parley-reason'])}`);
    });
    ws.on('close', () => done(got || 'closed'));
    ws.on('error', () => undefined);
  });
}

async function slowloris(t: SoakTarget): Promise<void> {
  const s = connect(t.port, '127.0.0.1');
  s.on('error', () => undefined);
  s.write('POST /api/publish HTTP/1.1\r\nHost: relay\r\nContent-Length: 5000\r\n\r\n{"dest');
  await sleep(5000);
  s.destroy();
}

async function badHttp(t: SoakTarget, stats: TrafficStats, kind: string): Promise<void> {
  const headers = {
    authorization: `Bearer ${token(t, 'eve')}`,
    'content-type': 'application/json',
  };
  const res =
    kind === 'http-spoof'
      ? await fetch(`${t.httpUrl}/api/publish`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            destination: '/topic/room.0',
            body: 'x',
            headers: {
              [pick([' parley-sender', 'Parley-Sender', '\ufeffparley-offset'])]: 'mallory',
            },
          }),
        })
      : await fetch(
          `${t.httpUrl}/api/history?destination=${pick(['/topic/secret', '/topic/room.1/../secret'])}`,
          {
            headers,
          },
        );
  await res.arrayBuffer();
  if (res.status !== 400 && res.status !== 403) bump(stats.surprises, kind);
}

/** The attack categories of relay/src/integration/attacks, as [kind, frames, expected reason]. */
function socketAttack(t: SoakTarget): [string, string[], string | undefined] {
  const connect = (tok: string): string =>
    `CONNECT\naccept-version:1.2\nAuthorization:Bearer ${tok}\n\n\0`;
  const eve = connect(token(t, 'eve'));
  const attacks: Array<() => [string, string[], string | undefined]> = [
    () => [
      'alg-none',
      [connect(`${b64({ alg: pick(['none', 'None', 'NONE']) })}.${b64({ sub: 'admin' })}.`)],
      'token-invalid',
    ],
    () => [
      'hs512',
      [connect(jwt.sign({ sub: 'eve' }, t.secret, { algorithm: 'HS512' }))],
      'token-invalid',
    ],
    () => [
      'expired',
      [connect(token(t, 'eve', { exp: Math.floor(Date.now() / 1000) - 60 }))],
      'token-expired',
    ],
    () => ['bad-sub', [connect(token(t, 'eve\u0007'))], 'token-invalid'],
    () => [
      'header-spoof',
      [
        eve,
        `SEND\ndestination:/topic/room.0\n${pick([' parley-sender', '\tparley-sender', '\u00a0parley-sender'])}:mallory\n\nx\0`,
      ],
      'frame-invalid',
    ],
    () => [
      'dest-escape',
      [
        eve,
        `SEND\ndestination:${pick(['/topic/room.1/../secret', '/pub/../user/bob/queue/x', '/topic//x'])}\n\nx\0`,
      ],
      'destination-invalid',
    ],
    () => [
      'forbidden',
      [eve, `SUBSCRIBE\nid:1\ndestination:${pick(['/topic/secret', '/user/bob/queue/x'])}\n\n\0`],
      'forbidden',
    ],
    () => [
      'preconnect-flood',
      Array.from({ length: 40 }, () => '\n'.repeat(1024)),
      'frame-too-large',
    ],
    () => [
      'huge-content-length',
      ['CONNECT\naccept-version:1.2\ncontent-length:999999999\n\nx'],
      'frame-too-large',
    ],
    () => ['stalled', ['CONNECT\naccept-version:1.2\nAuthor'], 'connect-timeout'],
  ];
  return pick(attacks)();
}

/** Random attacks, about `perSecond` a second, until `running()` is false. */
export async function hostile(
  t: SoakTarget,
  opts: { perSecond: number; running: () => boolean },
  stats: TrafficStats,
): Promise<void> {
  const open = { n: 0 };
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  while (opts.running()) {
    await sleep(1000 / opts.perSecond);
    const roll = Math.random();
    if (roll < 0.05) {
      bump(stats.attacks, 'slowloris');
      track(slowloris(t));
    } else if (roll < 0.15) {
      const kind = pick(['http-spoof', 'http-ungranted']);
      bump(stats.attacks, kind);
      track(badHttp(t, stats, kind).catch(() => bump(stats.surprises, kind)));
    } else if (open.n < MAX_HOSTILE_SOCKETS) {
      const [kind, frames, reason] = socketAttack(t);
      bump(stats.attacks, kind);
      track(hostileSocket(t, kind, frames, reason, stats, open));
    }
  }
  await Promise.all(pending);
}
