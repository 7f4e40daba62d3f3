/**
 * Bad input, table-driven, against one relay process: every row sends raw bytes over a real
 * WebSocket and must get an ERROR frame with `message` and `parley-reason` (and `receipt-id`
 * when the bad frame asked for a receipt), then a close — while a healthy @stomp/stompjs pair
 * on the same relay keeps chatting, checked after every row.
 */
import type { IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { header } from '../codec/index.js';
import type { Frame } from '../codec/index.js';
import { connectFrame, rawStomp, signToken, spawnRelay } from '../testing/index.js';
import type { RawStompClient, RelayProcess } from '../testing/index.js';
import { eventually, sleep, stompClient, text } from './stomp-clients.js';
import type { StompTestClient } from './stomp-clients.js';

const ROOMS = { sub: ['/topic/room.*'], pub: ['/topic/room.*'] };
const MAX_FRAME = 65_536;
const MAX_SUBSCRIPTIONS = 4;
const SEND_RATE = 50;

const enc = new TextEncoder();

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Deterministic pseudo-random bytes (mulberry32), so a failing row can be replayed. */
function garbage(seed: number, length: number): Uint8Array {
  let a = seed;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

function concat(...parts: Array<string | Uint8Array>): Uint8Array {
  const bytes = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : p));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

interface Row {
  name: string;
  /**
   * The WebSocket messages to send, in order. Sent after a valid CONNECT (and its CONNECTED)
   * unless `connect` is false.
   */
  send: () => Array<string | Uint8Array>;
  /** Default true: CONNECT as eve first. */
  connect?: boolean;
  /** Token for the CONNECT (default: eve, granted only /topic/room.*). */
  token?: () => string;
  /** Extra CONNECT headers, e.g. `accept-version: 1.0`. */
  connectHeaders?: Record<string, string>;
  /** Pause after the first message and check the relay is still waiting (no ERROR yet). */
  waitsAfterFirst?: boolean;
  reason: string;
  message: RegExp;
  /** The `receipt` header of the bad frame: the ERROR must echo it as `receipt-id`. */
  receipt?: string;
}

describe('relay: bad input gets ERROR with a reason and a close, and the others keep chatting', () => {
  let relay: RelayProcess;
  let alice: StompTestClient;
  let bob: StompTestClient;
  let bobGot: IMessage[];
  let round = 0;

  beforeAll(async () => {
    relay = await spawnRelay({
      env: {
        PARLEY_MAX_FRAME_SIZE: String(MAX_FRAME),
        PARLEY_MAX_SEND_RATE: String(SEND_RATE),
        PARLEY_SEND_BURST: String(SEND_RATE),
        PARLEY_MAX_SUBSCRIPTIONS: String(MAX_SUBSCRIPTIONS),
        PARLEY_CONNECT_TIMEOUT_MS: '5000',
      },
    });
    alice = await stompClient(relay.wsUrl, token('alice'));
    bob = await stompClient(relay.wsUrl, token('bob'));
    bobGot = await bob.subscribe('/topic/room.healthy');
  });
  afterAll(async () => {
    await alice?.client.deactivate({ force: true });
    await bob?.client.deactivate({ force: true });
    await relay?.stop();
  });

  function token(sub: string, extra: Record<string, unknown> = {}): string {
    return signToken(relay.secret, { sub, name: sub.toUpperCase(), parley: ROOMS, ...extra });
  }

  /** Alice → Bob still works, and neither has seen an ERROR or a close. */
  async function stillChatting(): Promise<void> {
    const body = `round ${++round}`;
    alice.client.publish({ destination: '/topic/room.healthy', body });
    await eventually(() => bobGot.some((m) => m.body === body), 5000, `bob gets "${body}"`);
    for (const c of [alice, bob]) {
      expect(c.errors).toEqual([]);
      expect(c.closes).toEqual([]);
      expect(c.client.connected).toBe(true);
    }
    expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);
  }

  async function connected(
    tok = token('eve'),
    headers: Record<string, string> = {},
  ): Promise<RawStompClient> {
    const raw = await rawStomp(relay.wsUrl);
    raw.send(connectFrame(tok, headers));
    await raw.next('CONNECTED');
    return raw;
  }

  const SEND = 'SEND\ndestination:/topic/room.1\n';
  const TEN_MB = 10 * 1024 * 1024;
  const tenMegabyteFrame = (): Uint8Array =>
    concat(`${SEND}\n`, new Uint8Array(TEN_MB).fill(0x78), new Uint8Array(1));

  const rows: Row[] = [
    // --- framing ---
    {
      name: 'bad escape in a header',
      send: () => [`${SEND}x-note:a\\tb\n\nx\0`],
      reason: 'frame-invalid',
      message: /invalid escape sequence "\\\\t"/,
    },
    {
      name: 'body runs into the next frame without its NUL (content-length mismatch)',
      send: () => [`${SEND}content-length:5\n\nhelloSEND\n${SEND.slice(5)}\nnext\0`],
      reason: 'frame-invalid',
      message: /not followed by NUL after content-length 5/,
    },
    {
      name: 'content-length too long: the relay waits, then the bytes do not end in NUL',
      send: () => [`${SEND}content-length:100\n\nshort\0`, 'x'.repeat(200)],
      waitsAfterFirst: true,
      reason: 'frame-invalid',
      message: /not followed by NUL after content-length 100/,
    },
    {
      name: 'content-length too short',
      send: () => [`${SEND}content-length:2\n\nhello\0`],
      reason: 'frame-invalid',
      message: /not followed by NUL after content-length 2/,
    },
    {
      name: 'non-numeric content-length',
      send: () => [`${SEND}content-length:abc\n\nabc\0`],
      reason: 'frame-invalid',
      message: /invalid content-length "abc"/,
    },
    {
      name: 'negative content-length',
      send: () => [`${SEND}content-length:-1\n\n\0`],
      reason: 'frame-invalid',
      message: /invalid content-length "-1"/,
    },
    {
      // Up to twice the frame limit (+16 KiB) one WebSocket message reaches the parser; a larger
      // one is closed by the WebSocket layer (see the test after these rows).
      name: 'frame of 1.5 times the limit in one WebSocket message',
      send: () => [
        concat(`${SEND}\n`, new Uint8Array(MAX_FRAME * 1.5).fill(0x78), new Uint8Array(1)),
      ],
      reason: 'frame-too-large',
      message: new RegExp(`maximum frame size of ${MAX_FRAME} bytes`),
    },
    {
      name: '10 MB frame split into 64 KB WebSocket messages',
      send: () => chunks(tenMegabyteFrame(), 64 * 1024),
      reason: 'frame-too-large',
      message: new RegExp(`maximum frame size of ${MAX_FRAME} bytes`),
    },
    {
      name: '10 MB content-length announced up front',
      send: () => [`${SEND}content-length:${TEN_MB}\n\nxyz`],
      reason: 'frame-too-large',
      message: new RegExp(`content-length ${TEN_MB} exceeds the maximum frame size`),
    },
    {
      name: 'content-length beyond any integer',
      send: () => [`${SEND}content-length:${'9'.repeat(40)}\n\nx\0`],
      reason: 'frame-too-large',
      message: /exceeds the maximum frame size/,
    },
    {
      name: '10 000 headers',
      send: () => [
        `${SEND}${Array.from({ length: 10_000 }, (_, i) => `h${i}:v`).join('\n')}\n\nx\0`,
      ],
      reason: 'frame-too-large',
      message: /more than the maximum of 64 headers/,
    },
    {
      name: 'a header line of 100 KB',
      send: () => [`${SEND}x-big:${'a'.repeat(100_000)}\n\nx\0`],
      reason: 'frame-too-large',
      message: /exceeds the maximum line length of 8192 bytes/,
    },
    {
      name: 'header without a colon',
      send: () => [`${SEND}no-colon-here\n\nx\0`],
      reason: 'frame-invalid',
      message: /has no ':'/,
    },
    {
      name: 'headers that are not UTF-8',
      send: () => [concat(SEND, 'x-bytes:', new Uint8Array([0xc3, 0x28, 0xff]), '\n\nx\0')],
      reason: 'frame-invalid',
      message: /not valid UTF-8/,
    },
    {
      name: 'binary garbage with a NUL',
      send: () => [concat(new Uint8Array([0xff]), garbage(42, 300), new Uint8Array(1))],
      reason: 'frame-invalid',
      message: /invalid command/,
    },
    {
      name: 'a command followed by binary garbage headers',
      send: () => [concat('SEND\n', garbage(7, 300), '\n\n', new Uint8Array(1))],
      reason: 'frame-invalid',
      message: /frame headers are not valid UTF-8/,
    },
    // --- commands and their headers ---
    {
      name: 'unknown command',
      send: () => ['FROB\n\n\0'],
      reason: 'unknown-command',
      message: /unknown command FROB/,
    },
    {
      name: 'lower-case command',
      send: () => ['send\ndestination:/topic/room.1\n\nx\0'],
      reason: 'frame-invalid',
      message: /invalid command "send\\n/,
    },
    {
      name: 'SEND without destination',
      send: () => ['SEND\nreceipt:r-nodest\n\nx\0'],
      receipt: 'r-nodest',
      reason: 'protocol-error',
      message: /SEND needs a destination header/,
    },
    {
      name: 'SUBSCRIBE without id',
      send: () => ['SUBSCRIBE\ndestination:/topic/room.1\nreceipt:r-noid\n\n\0'],
      receipt: 'r-noid',
      reason: 'protocol-error',
      message: /SUBSCRIBE needs an id header/,
    },
    {
      name: 'duplicate subscription id',
      send: () => [
        'SUBSCRIBE\nid:same\ndestination:/topic/room.1\n\n\0',
        'SUBSCRIBE\nid:same\ndestination:/topic/room.2\nreceipt:r-dup\n\n\0',
      ],
      receipt: 'r-dup',
      reason: 'protocol-error',
      message: /subscription id "same" is already in use/,
    },
    {
      name: 'too many subscriptions',
      send: () => [
        Array.from(
          { length: MAX_SUBSCRIPTIONS + 1 },
          (_, i) =>
            `SUBSCRIBE\nid:${i}\ndestination:/topic/room.${i}\n${i === MAX_SUBSCRIPTIONS ? 'receipt:r-many\n' : ''}\n\0`,
        ).join(''),
      ],
      receipt: 'r-many',
      reason: 'limit-exceeded',
      message: new RegExp(`at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`),
    },
    {
      name: 'unknown ack mode',
      send: () => ['SUBSCRIBE\nid:0\ndestination:/topic/room.1\nack:sometimes\n\n\0'],
      reason: 'protocol-error',
      message: /ack must be auto, client or client-individual, not "sometimes"/,
    },
    {
      name: 'ACK of an unknown id',
      send: () => ['ACK\nid:no-such-ack\nreceipt:r-ack\n\n\0'],
      receipt: 'r-ack',
      reason: 'protocol-error',
      message: /ACK id "no-such-ack" matches no unacknowledged message/,
    },
    {
      name: 'NACK without an id',
      send: () => ['NACK\n\n\0'],
      reason: 'protocol-error',
      message: /NACK needs an id header/,
    },
    {
      name: 'COMMIT of an unknown transaction',
      send: () => ['COMMIT\ntransaction:nope\n\n\0'],
      reason: 'protocol-error',
      message: /COMMIT names transaction "nope", which is not open/,
    },
    {
      name: 'SEND in an unknown transaction',
      send: () => [`${SEND}transaction:ghost\n\nx\0`],
      reason: 'protocol-error',
      message: /names transaction "ghost", which is not open/,
    },
    {
      name: 'too many open transactions',
      send: () => [Array.from({ length: 17 }, (_, i) => `BEGIN\ntransaction:t${i}\n\n\0`).join('')],
      reason: 'limit-exceeded',
      message: /at most 16 open transactions per connection/,
    },
    {
      name: 'more than 1024 frames in one WebSocket message',
      send: () => ['UNSUBSCRIBE\nid:nothing\n\n\0'.repeat(1100)],
      reason: 'limit-exceeded',
      message: /more than 1024 frames waiting to be processed/,
    },
    {
      name: 'STOMP 1.0: an ERROR quoting client input with a CR keeps its reason and message',
      connectHeaders: { 'accept-version': '1.0' },
      send: () => [
        'SUBSCRIBE\nid:x\ry\ndestination:/topic/room.1\n\n\0',
        'SUBSCRIBE\nid:x\ry\ndestination:/topic/room.2\nreceipt:r-cr\n\n\0',
      ],
      receipt: 'r-cr',
      reason: 'protocol-error',
      message: /subscription id .* is already in use/,
    },
    {
      name: 'flood past the SEND rate limit (200 SENDs at once)',
      send: () => [Array.from({ length: 200 }, (_, i) => `${SEND}\n${i}\0`).join('')],
      reason: 'rate-limited',
      message: new RegExp(`more than ${SEND_RATE} SENDs per second`),
    },
    // --- destinations and the ACL ---
    {
      name: 'SEND /pub/../topic/secret',
      send: () => ['SEND\ndestination:/pub/../topic/secret\n\nx\0'],
      reason: 'destination-invalid',
      message: /has a "\." or "\.\." segment/,
    },
    {
      name: 'SEND /app/secret with only /topic/room.* granted',
      send: () => ['SEND\ndestination:/app/secret\nreceipt:r-app\n\nx\0'],
      receipt: 'r-app',
      reason: 'forbidden',
      message: /not allowed to send to \/topic\/secret/,
    },
    {
      name: 'SUBSCRIBE /app/secret with only /topic/room.* granted',
      send: () => ['SUBSCRIBE\nid:0\ndestination:/app/secret\n\n\0'],
      reason: 'forbidden',
      message: /not allowed to subscribe to \/topic\/secret/,
    },
    {
      name: 'SUBSCRIBE /topic/room.1/../../secret',
      send: () => ['SUBSCRIBE\nid:0\ndestination:/topic/room.1/../../secret\n\n\0'],
      reason: 'destination-invalid',
      message: /has a "\." or "\.\." segment/,
    },
    {
      name: 'SUBSCRIBE /topic/room./x (a * does not cross "/")',
      send: () => ['SUBSCRIBE\nid:0\ndestination:/topic/room./x\n\n\0'],
      reason: 'forbidden',
      message: /not allowed to subscribe to \/topic\/room\.\/x/,
    },
    {
      name: 'alice SUBSCRIBEs to /user/bob/queue/x',
      token: () => token('alice', { parley: { sub: ['/**'], pub: ['/**'] } }),
      send: () => ['SUBSCRIBE\nid:0\ndestination:/user/bob/queue/x\n\n\0'],
      reason: 'forbidden',
      message: /not allowed to subscribe to \/user\/bob\/queue\/x/,
    },
    {
      name: 'SEND to another user without a DM grant',
      send: () => ['SEND\ndestination:/user/bob/queue/dm\n\nx\0'],
      reason: 'forbidden',
      message: /not allowed to send to \/user\/bob\/queue\/dm/,
    },
    {
      name: 'destination with a control character',
      send: () => ['SEND\ndestination:/topic/room.\x01x\n\nx\0'],
      reason: 'destination-invalid',
      message: /contains control characters/,
    },
    {
      name: 'destination with an escaped newline',
      send: () => ['SUBSCRIBE\nid:0\ndestination:/topic/room.a\\nb\n\n\0'],
      reason: 'destination-invalid',
      message: /contains control characters/,
    },
    {
      name: 'destination with DEL',
      send: () => ['SEND\ndestination:/topic/room.\x7f\n\nx\0'],
      reason: 'destination-invalid',
      message: /contains control characters/,
    },
    {
      name: '300-character destination',
      send: () => [`SEND\ndestination:/topic/room.${'a'.repeat(288)}\n\nx\0`],
      reason: 'destination-invalid',
      message: /is longer than 255 characters/,
    },
    {
      name: 'empty segment in a destination',
      send: () => ['SEND\ndestination:/topic//room.1\n\nx\0'],
      reason: 'destination-invalid',
      message: /has an empty segment/,
    },
    {
      name: 'destination of no known kind (/etc/passwd)',
      send: () => ['SEND\ndestination:/etc/passwd\n\nx\0'],
      reason: 'destination-invalid',
      message: /"\/etc\/passwd" is of no known kind/,
    },
    // --- CONNECT and authentication ---
    {
      name: 'expired token at CONNECT',
      connect: false,
      send: () => [
        connectFrame(token('eve', { exp: Math.floor(Date.now() / 1000) - 60 })),
        `${SEND}\nafter\0`,
      ],
      reason: 'token-expired',
      message: /token expired/,
    },
    {
      name: 'token with alg: none',
      connect: false,
      send: () => [
        connectFrame(
          `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({
            sub: 'eve',
            parley: { sub: ['/**'], pub: ['/**'] },
            exp: Math.floor(Date.now() / 1000) + 3600,
          })}.`,
        ),
      ],
      reason: 'token-invalid',
      message: /invalid token/,
    },
    {
      name: 'token signed with HS384 (algorithm not configured)',
      connect: false,
      send: () => [
        connectFrame(
          signToken(relay.secret, { sub: 'eve', parley: ROOMS }, { algorithm: 'HS384' }),
        ),
      ],
      reason: 'token-invalid',
      message: /invalid token/,
    },
    {
      name: 'token signed with another secret',
      connect: false,
      send: () => [connectFrame(signToken('another-secret-0123456789abcdef', { sub: 'eve' }))],
      reason: 'token-invalid',
      message: /invalid signature/,
    },
    {
      name: 'missing token',
      connect: false,
      send: () => [connectFrame(undefined)],
      reason: 'auth-required',
      message: /no token/,
    },
    {
      name: 'frames before CONNECT',
      connect: false,
      send: () => [`${SEND}receipt:r-early\n\nx\0`],
      receipt: 'r-early',
      reason: 'protocol-error',
      message: /expected CONNECT, got SEND/,
    },
    {
      name: 'CONNECT twice',
      send: () => [connectFrame(token('eve'))],
      reason: 'protocol-error',
      message: /already connected/,
    },
    {
      name: 'more than 32 frames pipelined before CONNECTED',
      connect: false,
      send: () => [connectFrame(token('eve')) + `${SEND}\nx\0`.repeat(40)],
      reason: 'protocol-error',
      message: /too many frames before CONNECTED/,
    },
    {
      name: 'no common STOMP version',
      connect: false,
      send: () => [connectFrame(token('eve'), { 'accept-version': '2.0,3.1' })],
      reason: 'version-unsupported',
      message: /no common STOMP version/,
    },
    {
      name: 'bad heart-beat header in CONNECT',
      connect: false,
      send: () => [connectFrame(token('eve'), { 'heart-beat': 'often' })],
      reason: 'protocol-error',
      message: /heart-beat header must be "cx,cy"/,
    },
  ];

  for (const row of rows) {
    it(`${row.name} → ERROR ${row.reason}, close`, async () => {
      const raw =
        row.connect === false
          ? await rawStomp(relay.wsUrl)
          : await connected(row.token?.() ?? token('eve'), row.connectHeaders);
      const [first, ...rest] = row.send();
      raw.send(first!);
      if (row.waitsAfterFirst) {
        await alice.publish('/topic/room.sync', 'a round trip while the relay waits');
        await sleep(100);
        expect(raw.frames.map((f) => f.command)).not.toContain('ERROR');
      }
      for (const data of rest) raw.send(data);
      const err = await raw.next('ERROR', 15_000);
      expectError(err, row);
      expect((await raw.closed).code).toBe(4000);
      // Nothing is delivered to a bad client after its ERROR.
      expect(raw.frames.slice(raw.frames.indexOf(err) + 1)).toEqual([]);
      await stillChatting();
    });
  }

  function expectError(err: Frame, row: Row): void {
    expect(header(err, 'parley-reason')).toBe(row.reason);
    const message = header(err, 'message');
    expect(message).toBeTruthy();
    expect(message).toMatch(row.message);
    expect(text(err.body)).toBe(message);
    expect(header(err, 'receipt-id')).toBe(row.receipt);
  }

  it('forged parley-* headers are not an error: subscribers see the real sender only', async () => {
    const watcher = await connected(token('walter'));
    watcher.send('SUBSCRIBE\nid:w\ndestination:/topic/room.forge\nreceipt:s\n\n\0');
    await watcher.next('RECEIPT');
    const eve = await connected(token('eve'));
    const forged: Array<[string, string]> = [
      ['parley-sender', 'mallory'],
      ['parley-sender-name', 'Mallory'],
      ['parley-offset', '999999'],
      ['parley-epoch', 'forged-epoch'],
      ['parley-timestamp', '0'],
      ['parley-redelivered', 'true'],
      ['message-id', 'forged-id'],
      ['subscription', 'forged-sub'],
    ];
    eve.send(
      `SEND\ndestination:/topic/room.forge\n${forged.map(([k, v]) => `${k}:${v}`).join('\n')}\nx-ok:kept\nreceipt:f\n\nfrom eve\0`,
    );
    expect(header(await eve.next('RECEIPT'), 'receipt-id')).toBe('f');
    const m = await watcher.next('MESSAGE');
    expect(text(m.body)).toBe('from eve');
    expect(header(m, 'parley-sender')).toBe('eve');
    expect(header(m, 'parley-sender-name')).toBe('EVE');
    expect(header(m, 'x-ok')).toBe('kept');
    expect(header(m, 'subscription')).toBe('w');
    // No forged value anywhere, not even as a repeated header.
    const values = m.headers.map(([, v]) => v);
    for (const [, v] of forged) expect(values).not.toContain(v);
    expect(m.headers.filter(([k]) => k === 'parley-sender')).toHaveLength(1);
    expect(eve.frames.map((f) => f.command)).not.toContain('ERROR');
    expect(watcher.frames.map((f) => f.command)).not.toContain('ERROR');
    eve.close();
    watcher.close();
    await stillChatting();
  });

  const refusedInTransaction: Array<[string, () => string[], string]> = [
    [
      'a forbidden SEND',
      () => ['SEND\ndestination:/topic/secret\ntransaction:t\n\nbad\0'],
      'forbidden',
    ],
    [
      'a SEND to a malformed destination',
      () => ['SEND\ndestination:/topic/room.tx/../x\ntransaction:t\n\nbad\0'],
      'destination-invalid',
    ],
    [
      'more SENDs than the rate limit allows',
      () => [`SEND\ndestination:/topic/room.tx\ntransaction:t\n\nmore\0`.repeat(SEND_RATE + 10)],
      'rate-limited',
    ],
  ];
  for (const [what, frames, reason] of refusedInTransaction) {
    it(`a transaction holding ${what} is refused as a whole: nothing of it is delivered`, async () => {
      const watcher = await connected(token('walter'));
      watcher.send('SUBSCRIBE\nid:w\ndestination:/topic/room.tx\nreceipt:s\n\n\0');
      await watcher.next('RECEIPT');
      const eve = await connected(token('eve'));
      eve.send('BEGIN\ntransaction:t\n\n\0');
      eve.send('SEND\ndestination:/topic/room.tx\ntransaction:t\n\nfirst\0');
      for (const f of frames()) eve.send(f);
      eve.send('SEND\ndestination:/topic/room.tx\ntransaction:t\n\nlast\0');
      eve.send('COMMIT\ntransaction:t\nreceipt:commit\n\n\0');
      const err = await eve.next('ERROR');
      expect(header(err, 'parley-reason')).toBe(reason);
      await eve.closed;
      const receipts = eve.frames.filter((f) => f.command === 'RECEIPT');
      expect(receipts.map((f) => header(f, 'receipt-id'))).not.toContain('commit');
      // Anything eve's transaction delivered was written to the watcher before eve's ERROR;
      // a round trip on the watcher's own socket makes sure it has been read.
      watcher.send('SEND\ndestination:/topic/room.sync\nreceipt:sync\n\n\0');
      await watcher.next('RECEIPT');
      const delivered = watcher.frames
        .filter((f) => f.command === 'MESSAGE')
        .map((f) => text(f.body));
      expect(delivered, 'messages of a failed transaction').toEqual([]);
      watcher.close();
      await stillChatting();
    });
  }

  it('absurd heart-beat periods are refused or clamped, never overflow a relay timer', async () => {
    const raw = await rawStomp(relay.wsUrl);
    try {
      raw.send(connectFrame(token('eve'), { 'heart-beat': '2147483648,99999999999999999999' }));
      await eventually(() => raw.frames.length > 0, 5000, 'CONNECTED or ERROR');
      await stillChatting();
      await sleep(200);
      // Node says so when a timer overflows (and then fires it every millisecond).
      expect(relay.output()).not.toMatch(/TimeoutOverflowWarning/);
      const reply = raw.frames[0]!;
      if (reply.command === 'ERROR') {
        expect(header(reply, 'parley-reason')).toBe('protocol-error');
      } else {
        expect(reply.command).toBe('CONNECTED');
        const periods = (header(reply, 'heart-beat') ?? '0,0').split(',').map(Number);
        // setTimeout/setInterval turn anything above 2^31-1 ms into 1 ms.
        for (const ms of periods) expect(ms).toBeLessThanOrEqual(2 ** 31 - 1);
      }
    } finally {
      raw.close();
    }
  });

  it('a 10 MB WebSocket message is closed by the WebSocket layer, and the others keep chatting', async () => {
    const raw = await connected();
    raw.send(tenMegabyteFrame());
    // Past twice the frame limit (+16 KiB) uWS drops the connection without reading the message.
    expect((await raw.closed).code).toBe(1006);
    expect(raw.frames.map((f) => f.command)).toEqual(['CONNECTED']);
    await stillChatting();
  });

  it('many bad clients at once leave the healthy pair untouched', async () => {
    // Rows that need no CONNECT of their own, bar the 10 MB ones and the STOMP 1.0 one.
    const bad = rows.filter(
      (r) => r.connect !== false && !r.name.includes('10 MB') && !r.connectHeaders,
    );
    await Promise.all(
      bad.map(async (row) => {
        const raw = await connected(row.token?.() ?? token('eve'), row.connectHeaders);
        for (const data of row.send()) raw.send(data);
        expectError(await raw.next('ERROR', 15_000), row);
        await raw.closed;
      }),
    );
    await stillChatting();
  });
});
