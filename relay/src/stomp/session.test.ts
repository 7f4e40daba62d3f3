import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { header } from '../codec/index.js';
import {
  ROOM,
  ALICE,
  closeAll,
  harness,
  frame,
  connect,
  concat,
  settle,
  connected,
  errorOf,
  FAKE_TIMERS,
} from './session.harness.js';
afterEach(() => {
  closeAll();
  vi.useRealTimers();
});

describe('Session: CONNECT', () => {
  it('answers CONNECT with CONNECTED', async () => {
    const h = harness();
    const { session, transport } = h.open('sess-1');
    expect(session.state).toBe('awaiting-connect');
    session.onData(connect('good'));
    expect(session.state).toBe('authenticating');
    await settle();
    expect(session.state).toBe('connected');
    expect(session.principal).toEqual(ALICE);
    const f = transport.only('CONNECTED');
    expect(f.headers).toEqual([
      ['version', '1.2'],
      ['heart-beat', '0,0'],
      ['session', 'sess-1'],
      ['server', 'parley-test/0'],
      ['user-name', 'alice'],
    ]);
    expect(f.body).toHaveLength(0);
    expect(transport.closes).toEqual([]);
  });

  it('treats STOMP like CONNECT', async () => {
    const h = harness();
    const { session, transport } = h.open('sess-2');
    session.onData(connect('good', { 'accept-version': '1.1,1.2' }, 'STOMP'));
    await settle();
    expect(transport.only('CONNECTED').headers).toEqual([
      ['version', '1.2'],
      ['heart-beat', '0,0'],
      ['session', 'sess-2'],
      ['server', 'parley-test/0'],
      ['user-name', 'alice'],
    ]);
  });

  it('takes the token from passcode', async () => {
    const h = harness();
    const { session, transport } = h.open();
    session.onData(
      frame('CONNECT', { 'accept-version': '1.2', login: 'alice', passcode: 'good-bob' }),
    );
    await settle();
    expect(header(transport.only('CONNECTED'), 'user-name')).toBe('bob');
  });

  it('negotiates 1.1', async () => {
    const h = harness();
    const { session, transport } = h.open();
    session.onData(connect('good', { 'accept-version': '1.0,1.1' }));
    await settle();
    expect(header(transport.only('CONNECTED'), 'version')).toBe('1.1');
    expect(session.version).toBe('1.1');
  });

  it('refuses a bad token with ERROR token-invalid, then closes', async () => {
    const h = harness();
    const { session, transport } = h.open();
    session.onData(connect('forged'));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('token-invalid');
    expect(e.message).toBe('invalid token: invalid signature');
    expect(header(e.frame, 'content-type')).toBe('text/plain');
    expect(new TextDecoder().decode(e.frame.body)).toBe('invalid token: invalid signature');
    expect(transport.closes).toEqual([[4000, 'token-invalid']]);
    expect(session.state).toBe('closed');
    expect(h.ended).toEqual([session]);
  });

  it('refuses a CONNECT without token with auth-required', async () => {
    const h = harness();
    const { session, transport } = h.open();
    session.onData(connect(undefined, { receipt: 'r-0' }));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('auth-required');
    expect(e.message).toBe('no token: send Authorization: Bearer <jwt> or passcode in CONNECT');
    expect(header(e.frame, 'receipt-id')).toBe('r-0');
    expect(transport.closes).toEqual([[4000, 'auth-required']]);
  });

  it('refuses an unknown version with a version header', async () => {
    const h = harness();
    const { session, transport } = h.open();
    session.onData(connect('good', { 'accept-version': '2.0' }));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('version-unsupported');
    expect(header(e.frame, 'version')).toBe('1.2,1.1,1.0');
    expect(transport.closes).toEqual([[4000, 'version-unsupported']]);
  });

  it('refuses a bad heart-beat header with protocol-error', async () => {
    const h = harness();
    const { session, transport } = h.open();
    session.onData(connect('good', { 'heart-beat': 'x' }));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('protocol-error');
    expect(e.message).toBe('heart-beat header must be "cx,cy", got "x"');
    expect(transport.closes).toEqual([[4000, 'protocol-error']]);
  });

  it('refuses any other frame before CONNECT', () => {
    const h = harness();
    const { session, transport } = h.open();
    session.onData(frame('SEND', { destination: ROOM }, 'hi'));
    const e = errorOf(transport);
    expect(e.reason).toBe('protocol-error');
    expect(e.message).toBe('expected CONNECT, got SEND');
    expect(transport.closes).toEqual([[4000, 'protocol-error']]);
  });

  it('refuses a second CONNECT', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(connect('good'));
    await settle();
    expect(transport.commands()).toEqual(['CONNECTED', 'ERROR']);
    expect(header(transport.frames[1]!, 'parley-reason')).toBe('protocol-error');
    expect(header(transport.frames[1]!, 'message')).toBe('already connected');
  });

  it('processes frames that arrive with CONNECT, in order, after CONNECTED', async () => {
    let release!: (p: Principal) => void;
    const h = harness({ verify: () => new Promise<Principal>((resolve) => (release = resolve)) });
    const { session, transport } = h.open();
    session.onData(
      concat(
        connect('good'),
        frame('SUBSCRIBE', { id: 'sub-0', destination: ROOM, receipt: 'r-sub' }),
        frame('SEND', { destination: ROOM, receipt: 'r-send' }, 'first'),
      ),
    );
    // A second chunk while authentication is still under way.
    session.onData(frame('SEND', { destination: ROOM }, 'second'));
    await settle();
    expect(session.state).toBe('authenticating');
    expect(transport.writes).toEqual([]);
    release(ALICE);
    await settle();
    expect(transport.commands()).toEqual(['CONNECTED', 'RECEIPT', 'MESSAGE', 'RECEIPT', 'MESSAGE']);
    const [, r1, m1, r2, m2] = transport.frames;
    expect(header(r1!, 'receipt-id')).toBe('r-sub');
    expect(new TextDecoder().decode(m1!.body)).toBe('first');
    expect(header(r2!, 'receipt-id')).toBe('r-send');
    expect(new TextDecoder().decode(m2!.body)).toBe('second');
    expect(header(m2!, 'parley-offset')).toBe('2');
  });

  it('accepts 31 frames pipelined behind CONNECT, and refuses 32', async () => {
    const sends = (n: number) =>
      Array.from({ length: n }, () => frame('SEND', { destination: ROOM }, 'x'));
    const h = harness();
    const ok = h.open();
    ok.session.onData(concat(connect('good'), ...sends(31)));
    await settle();
    expect(ok.transport.commands()).toEqual(['CONNECTED']);
    expect(ok.transport.closes).toEqual([]);

    const bad = h.open();
    bad.session.onData(concat(connect('good'), ...sends(32)));
    await settle();
    const e = errorOf(bad.transport);
    expect(e.reason).toBe('protocol-error');
    expect(e.message).toBe('too many frames before CONNECTED');
    expect(bad.transport.closes).toEqual([[4000, 'protocol-error']]);
  });
});

describe('Session: STOMP 1.0 clients', () => {
  /** A 1.0 CONNECT: no accept-version. */
  const connect10 = (token: string) => `CONNECT\nlogin:alice\npasscode:${token}\n\n\0`;

  it('gets version 1.0 without accept-version', async () => {
    const h = harness();
    const { session, transport } = h.open();
    session.onData(connect10('good'));
    await settle();
    expect(header(transport.only('CONNECTED'), 'version')).toBe('1.0');
    expect(session.version).toBe('1.0');
  });

  it('has its headers taken and delivered literally, while 1.2 clients get them escaped', async () => {
    const h = harness();
    const old = h.open();
    old.transport.parser.escapes = false;
    old.session.onData(connect10('good'));
    await settle();
    const modern = await connected(h, 'good-bob');

    old.session.onData('SUBSCRIBE\nid:0\ndestination:/topic/room.42\nreceipt:a:b\n\n\0');
    modern.session.onData(frame('SUBSCRIBE', { id: 'm', destination: ROOM }));
    await settle();
    expect(old.transport.text()).toContain('RECEIPT\nreceipt-id:a:b\n\n\0');

    old.session.onData('SEND\ndestination:/topic/room.42\nx-path:C:\\dir\\n\n\nhi\0');
    await settle();
    const text = old.transport.text();
    expect(text).toContain('\nx-path:C:\\dir\\n\n');
    const m = old.transport.frames.find((f) => f.command === 'MESSAGE')!;
    expect(header(m, 'x-path')).toBe('C:\\dir\\n');
    expect(header(m, 'subscription')).toBe('0');

    const mm = modern.transport.only('MESSAGE');
    expect(header(mm, 'x-path')).toBe('C:\\dir\\n');
    expect(modern.transport.text()).toContain('\nx-path:C\\c\\\\dir\\\\n\n');
  });

  it('has frames pipelined behind its CONNECT read literally too', async () => {
    const h = harness();
    const old = h.open();
    old.transport.parser.escapes = false;
    old.session.onData(
      connect10('good') +
        'SUBSCRIBE\nid:0\ndestination:/topic/room.42\n\n\0' +
        'SEND\ndestination:/topic/room.42\nx-path:C:\\dir\nreceipt:r\\1\n\nhi\0',
    );
    await settle();
    expect(old.transport.commands()).toEqual(['CONNECTED', 'MESSAGE', 'RECEIPT']);
    expect(header(old.transport.frames[1]!, 'x-path')).toBe('C:\\dir');
    expect(header(old.transport.frames[2]!, 'receipt-id')).toBe('r\\1');
  });

  it('gets ERROR frames unescaped', async () => {
    const h = harness();
    const old = h.open();
    old.transport.parser.escapes = false;
    old.session.onData(connect10('good'));
    await settle();
    old.session.onData('SUBSCRIBE\nid:0\ndestination:/topic/a:b\n\n\0');
    await settle();
    expect(old.transport.text()).toContain('\nmessage:not allowed to subscribe to /topic/a:b\n');
    expect(old.transport.closes).toEqual([[4000, 'forbidden']]);
  });

  it('still gets a message whose headers cannot be written unescaped, without those headers', async () => {
    const h = harness();
    const old = h.open();
    old.transport.parser.escapes = false;
    old.session.onData(connect10('good-bob'));
    await settle();
    old.session.onData('SUBSCRIBE\nid:0\ndestination:/topic/room.42\n\n\0');
    const modern = await connected(h);
    modern.session.onData(frame('SUBSCRIBE', { id: 'm', destination: ROOM }));
    await settle();

    modern.session.onData(
      frame(
        'SEND',
        [
          ['destination', ROOM],
          ['receipt', 'r1'],
          ['x-multi', 'line1\nline2'],
          ['x-ok', 'fine'],
        ],
        'body',
      ),
    );
    await settle();
    // The sender is not punished for what a 1.0 subscriber cannot read…
    expect(modern.transport.commands()).toEqual(['CONNECTED', 'MESSAGE', 'RECEIPT']);
    expect(header(modern.transport.frames[1]!, 'x-multi')).toBe('line1\nline2');
    expect(modern.transport.closes).toEqual([]);
    // …and the 1.0 subscriber gets the message without the header it cannot carry.
    const m = old.transport.only('MESSAGE');
    expect(header(m, 'x-multi')).toBeUndefined();
    expect(header(m, 'x-ok')).toBe('fine');
    expect(header(m, 'parley-sender')).toBe('alice');
    expect(new TextDecoder().decode(m.body)).toBe('body');
    expect(old.transport.closes).toEqual([]);
  });
  it('gets a display name with a line break flattened, where 1.2 clients get it escaped', async () => {
    const h = harness();
    const old = h.open();
    old.transport.parser.escapes = false;
    old.session.onData(connect10('good-bob'));
    await settle();
    old.session.onData('SUBSCRIBE\nid:0\ndestination:/topic/room.42\n\n\0');
    const modern = await connected(h, 'good-multiline-name');
    modern.session.onData(frame('SUBSCRIBE', { id: 'm', destination: ROOM }));
    modern.session.onData(frame('SEND', { destination: ROOM }, 'hi'));
    await settle();
    expect(header(old.transport.only('MESSAGE'), 'parley-sender-name')).toBe('Eve Admin');
    expect(header(modern.transport.only('MESSAGE'), 'parley-sender-name')).toBe('Eve\nAdmin');
    expect(old.transport.closes).toEqual([]);
    expect(modern.transport.closes).toEqual([]);
  });
});

describe('Session: SUBSCRIBE and SEND', () => {
  it('delivers a MESSAGE stamped with the verified sender, passing user headers', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 'sub-0', destination: ROOM }));
    const before = Date.now();
    const body = '{"text":"안녕하세요"}';
    session.onData(
      frame(
        'SEND',
        [
          ['destination', ROOM],
          ['content-type', 'application/json'],
          ['x-trace', 'line1:a\\b'],
          ['x-trace', 'second copy is dropped'],
          ['parley-sender', 'mallory'],
          ['parley-sender-name', 'Mallory'],
          ['parley-offset', '999'],
          ['parley-timestamp', '1'],
          ['parley-epoch', 'forged'],
          ['message-id', 'forged-id'],
          ['subscription', 'forged-sub'],
          ['content-length', String(new TextEncoder().encode(body).length)],
        ],
        body,
      ),
    );
    await settle();
    const after = Date.now();
    const m = transport.only('MESSAGE');
    const bodyBytes = new TextEncoder().encode(body);
    expect(bodyBytes.length).toBe(26);
    expect(m.body).toEqual(bodyBytes);
    const get = (name: string) => header(m, name);
    expect(m.headers.map(([k]) => k)).toEqual([
      'destination',
      'message-id',
      'subscription',
      'parley-sender',
      'parley-sender-name',
      'parley-timestamp',
      'parley-offset',
      'parley-epoch',
      'content-length',
      // The sender's headers come after every header the relay stamps.
      'content-type',
      'x-trace',
    ]);
    expect(get('destination')).toBe(ROOM);
    expect(get('subscription')).toBe('sub-0');
    expect(get('message-id')).toMatch(/^[0-9a-f]{12}-1$/);
    expect(get('content-type')).toBe('application/json');
    expect(get('x-trace')).toBe('line1:a\\b');
    expect(get('parley-sender')).toBe('alice');
    expect(get('parley-sender-name')).toBe('Alice');
    expect(get('parley-offset')).toBe('1');
    expect(get('parley-epoch')).toMatch(/^[0-9a-f]{12}$/);
    expect(get('message-id')).toBe(`${get('parley-epoch')}-1`);
    const ts = Number(get('parley-timestamp'));
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(after);
    expect(get('content-length')).toBe('26');
    expect(transport.closes).toEqual([]);
  });

  it('numbers messages per destination and leaves out parley-sender-name without a name', async () => {
    const h = harness();
    const { session, transport } = await connected(h, 'good-bob');
    session.onData(frame('SUBSCRIBE', { id: '1', destination: ROOM }));
    session.onData(frame('SEND', { destination: ROOM }, 'a'));
    session.onData(frame('SEND', { destination: ROOM }, ''));
    await settle();
    const [m1, m2] = transport.frames.slice(1);
    expect(header(m1!, 'parley-offset')).toBe('1');
    expect(header(m2!, 'parley-offset')).toBe('2');
    expect(header(m1!, 'parley-sender')).toBe('bob');
    expect(header(m1!, 'parley-sender-name')).toBeUndefined();
    expect(header(m2!, 'content-length')).toBe('0');
    expect(m2!.body).toHaveLength(0);
  });

  it('sends the MESSAGE in a binary WebSocket message when the SEND came in one', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: '1', destination: ROOM }));
    session.onData(frame('SEND', { destination: ROOM }, new Uint8Array([0, 1, 2, 255])), true);
    await settle();
    expect(transport.writes.map((w) => w.binary)).toEqual([false, true]);
    expect(transport.only('MESSAGE').body).toEqual(new Uint8Array([0, 1, 2, 255]));
  });

  it('fans out to two sessions on one hub, each with its own subscription id', async () => {
    const h = harness();
    const a = await connected(h, 'good');
    const b = await connected(h, 'good-bob');
    a.session.onData(frame('SUBSCRIBE', { id: 'a-sub', destination: ROOM }));
    b.session.onData(frame('SUBSCRIBE', { id: 'b-sub', destination: ROOM }));
    await settle();
    expect(h.hub.size).toBe(1);
    b.session.onData(frame('SEND', { destination: ROOM, receipt: 'sent' }, 'from bob'));
    await settle();
    const ma = a.transport.only('MESSAGE');
    const mb = b.transport.only('MESSAGE');
    expect(header(ma, 'subscription')).toBe('a-sub');
    expect(header(mb, 'subscription')).toBe('b-sub');
    for (const m of [ma, mb]) {
      expect(header(m, 'parley-sender')).toBe('bob');
      expect(new TextDecoder().decode(m.body)).toBe('from bob');
    }
    expect(header(ma, 'message-id')).toBe(header(mb, 'message-id'));
    expect(header(b.transport.only('RECEIPT'), 'receipt-id')).toBe('sent');
    expect(a.transport.commands()).toEqual(['CONNECTED', 'MESSAGE']);
  });

  it('maps Spring prefixes: SEND /pub/… reaches SUBSCRIBE /sub/…', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: '0', destination: '/sub/chat/room/1' }));
    session.onData(frame('SEND', { destination: '/pub/chat/room/1' }, 'spring'));
    await settle();
    const m = transport.only('MESSAGE');
    expect(header(m, 'destination')).toBe('/sub/chat/room/1');
    expect(new TextDecoder().decode(m.body)).toBe('spring');
  });

  it('delivers /user/<id>/queue/… to that user’s /user/queue/… subscription', async () => {
    const h = harness();
    const a = await connected(h, 'good');
    const b = await connected(h, 'good-bob');
    a.session.onData(frame('SUBSCRIBE', { id: 'dm', destination: '/user/queue/dm' }));
    await settle();
    b.session.onData(frame('SEND', { destination: '/user/alice/queue/dm' }, 'psst'));
    await settle();
    const m = a.transport.only('MESSAGE');
    expect(header(m, 'destination')).toBe('/user/queue/dm');
    expect(header(m, 'parley-sender')).toBe('bob');
    expect(b.transport.commands()).toEqual(['CONNECTED']);
  });

  it('refuses a destination the token does not grant, with the destination in the message', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: '0', destination: '/topic/secret', receipt: 'r9' }));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('forbidden');
    expect(e.message).toBe('not allowed to subscribe to /topic/secret');
    expect(header(e.frame, 'receipt-id')).toBe('r9');
    expect(transport.closes).toEqual([[4000, 'forbidden']]);
    expect(h.hub.size).toBe(0);
  });

  it('refuses SEND to a destination granted for sub only', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SEND', { destination: '/topic/lobby.1' }, 'x'));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('forbidden');
    expect(e.message).toBe('not allowed to send to /topic/lobby.1');
  });

  it('refuses another user’s queue', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: '0', destination: '/user/bob/queue/dm' }));
    await settle();
    expect(errorOf(transport).message).toBe('not allowed to subscribe to /user/bob/queue/dm');
  });

  it('refuses a malformed destination with destination-invalid', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SEND', { destination: '/topic/../secret' }, 'x'));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('destination-invalid');
    expect(e.message).toBe('destination "/topic/../secret" has a "." or ".." segment');
  });

  it('refuses SEND without destination', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SEND', {}, 'x'));
    await settle();
    expect(errorOf(transport).message).toBe('SEND needs a destination header');
  });

  it('stops delivery after UNSUBSCRIBE', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM }));
    session.onData(frame('SEND', { destination: ROOM }, 'one'));
    session.onData(frame('UNSUBSCRIBE', { id: 's', receipt: 'u' }));
    session.onData(frame('SEND', { destination: ROOM, receipt: 'after' }, 'two'));
    await settle();
    expect(transport.commands()).toEqual(['CONNECTED', 'MESSAGE', 'RECEIPT', 'RECEIPT']);
    expect(header(transport.frames[2]!, 'receipt-id')).toBe('u');
    expect(header(transport.frames[3]!, 'receipt-id')).toBe('after');
    expect(h.hub.size).toBe(0);
    // The id is free again.
    session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM, receipt: 'again' }));
    await settle();
    expect(header(transport.frames[4]!, 'receipt-id')).toBe('again');
    expect(h.hub.size).toBe(1);
  });

  it('answers UNSUBSCRIBE of an unknown id with its receipt', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('UNSUBSCRIBE', { id: 'nope', receipt: 'u0' }));
    await settle();
    expect(header(transport.only('RECEIPT'), 'receipt-id')).toBe('u0');
    expect(transport.closes).toEqual([]);
  });

  it('sends receipts for SUBSCRIBE, SEND, UNSUBSCRIBE and DISCONNECT, then closes normally', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(
      concat(
        frame('SUBSCRIBE', { id: '0', destination: ROOM, receipt: 'r1' }),
        frame('SEND', { destination: ROOM, receipt: 'r2' }, 'x'),
        frame('UNSUBSCRIBE', { id: '0', receipt: 'r3' }),
        frame('DISCONNECT', { receipt: 'r4' }),
      ),
    );
    await settle();
    const receipts = transport.frames.filter((f) => f.command === 'RECEIPT');
    expect(receipts.map((f) => f.headers)).toEqual([
      [['receipt-id', 'r1']],
      [
        ['receipt-id', 'r2'],
        ['parley-offset', '1'],
        ['parley-epoch', expect.any(String)],
        ['parley-message-id', expect.any(String)],
      ],
      [['receipt-id', 'r3']],
      [['receipt-id', 'r4']],
    ]);
    expect(transport.commands()).toEqual([
      'CONNECTED',
      'RECEIPT',
      'MESSAGE',
      'RECEIPT',
      'RECEIPT',
      'RECEIPT',
    ]);
    expect(transport.closes).toEqual([[1000, 'disconnect']]);
    expect(session.state).toBe('closed');
  });

  it('escapes receipt ids for 1.2 clients', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('UNSUBSCRIBE', { id: 'x', receipt: 'a:b\\c' }));
    await settle();
    expect(transport.text()).toContain('RECEIPT\nreceipt-id:a\\cb\\\\c\n\n\0');
  });

  it('refuses a subscription beyond the limit with limit-exceeded', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: '1', destination: ROOM }));
    session.onData(frame('SUBSCRIBE', { id: '2', destination: '/topic/lobby.1' }));
    session.onData(frame('SUBSCRIBE', { id: '3', destination: '/topic/lobby.2', receipt: 'r3' }));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('limit-exceeded');
    expect(e.message).toBe('at most 2 subscriptions per connection');
    expect(header(e.frame, 'receipt-id')).toBe('r3');
    expect(transport.closes).toEqual([[4000, 'limit-exceeded']]);
    expect(h.hub.size).toBe(0);
  });

  it('refuses a duplicate subscription id with protocol-error', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 'dup', destination: ROOM }));
    session.onData(frame('SUBSCRIBE', { id: 'dup', destination: '/topic/lobby.1' }));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('protocol-error');
    expect(e.message).toBe('subscription id "dup" is already in use');
  });

  it('refuses SUBSCRIBE without id', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { destination: ROOM }));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('protocol-error');
    expect(e.message).toBe('SUBSCRIBE needs an id header');
  });

  it('refuses unknown commands, and ACK/NACK of nothing pending', async () => {
    const h = harness();
    const cases: Array<[string, string, string]> = [
      ['ACK', 'protocol-error', 'ACK id "1" matches no unacknowledged message'],
      ['NACK', 'protocol-error', 'NACK id "1" matches no unacknowledged message'],
      ['BEGIN', 'protocol-error', 'BEGIN needs a transaction header'],
      ['MESSAGE', 'unknown-command', 'unknown command MESSAGE'],
    ];
    for (const [command, reason, message] of cases) {
      const { session, transport } = await connected(h);
      session.onData(frame(command, { id: '1' }));
      await settle();
      const e = errorOf(transport);
      expect(e.reason, command).toBe(reason);
      expect(e.message, command).toBe(message);
    }
  });
  it('turns codec errors into frame-invalid and frame-too-large', async () => {
    const h = harness();
    const bad = await connected(h);
    bad.session.onData('send\n\n\0');
    expect(errorOf(bad.transport).reason).toBe('frame-invalid');
    expect(bad.transport.closes).toEqual([[4000, 'frame-invalid']]);

    const big = await connected(h);
    big.session.onData(frame('SEND', { destination: ROOM }, 'x'.repeat(5000)));
    const e = errorOf(big.transport);
    expect(e.reason).toBe('frame-too-large');
    expect(e.message).toBe('content-length 5000 exceeds the maximum frame size of 4096 bytes');
    expect(big.transport.closes).toEqual([[4000, 'frame-too-large']]);
  });
});

describe('Session: timers', () => {
  beforeEach(() => {
    vi.useFakeTimers(FAKE_TIMERS);
  });

  it('ends a session that sends no CONNECT in time', () => {
    const h = harness();
    const { session, transport } = h.open();
    vi.advanceTimersByTime(999);
    expect(transport.writes).toEqual([]);
    vi.advanceTimersByTime(1);
    const e = errorOf(transport);
    expect(e.reason).toBe('connect-timeout');
    expect(e.message).toBe('no CONNECT within 1000 ms');
    expect(transport.closes).toEqual([[4000, 'connect-timeout']]);
    expect(session.state).toBe('closed');
  });

  it('ends a session whose authentication does not finish in time', async () => {
    const h = harness({ verify: () => new Promise<Principal>(() => undefined) });
    const { session, transport } = h.open();
    session.onData(connect('good'));
    await settle();
    vi.advanceTimersByTime(1000);
    expect(errorOf(transport).reason).toBe('connect-timeout');
  });

  it('does not time out once connected', async () => {
    const h = harness();
    const { transport } = await connected(h);
    vi.advanceTimersByTime(60_000);
    expect(transport.commands()).toEqual(['CONNECTED']);
    expect(transport.closes).toEqual([]);
  });

  it('sends heart-beats when idle and accepts the client’s', async () => {
    const h = harness();
    const { session, transport } = await connected(h, 'good', { 'heart-beat': '1000,1000' });
    expect(header(transport.only('CONNECTED'), 'heart-beat')).toBe('1000,1000');
    vi.advanceTimersByTime(999);
    expect(transport.heartbeats).toBe(0);
    vi.advanceTimersByTime(1);
    expect(transport.heartbeats).toBe(1);
    expect(transport.writes.at(-1)).toEqual({ data: '\n', binary: false });
    for (let i = 0; i < 10; i++) {
      session.onData('\n');
      vi.advanceTimersByTime(1000);
    }
    expect(transport.heartbeats).toBe(11);
    expect(transport.closes).toEqual([]);
    expect(session.state).toBe('connected');
  });

  it('skips its heart-beat when it has just sent something else', async () => {
    const h = harness();
    const { session, transport } = await connected(h, 'good', { 'heart-beat': '0,1000' });
    expect(header(transport.only('CONNECTED'), 'heart-beat')).toBe('1000,0');
    session.onData(frame('SUBSCRIBE', { id: '0', destination: ROOM }));
    await settle();
    vi.advanceTimersByTime(500);
    session.onData(frame('SEND', { destination: ROOM }, 'x'));
    await settle();
    vi.advanceTimersByTime(500);
    expect(transport.heartbeats).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(transport.heartbeats).toBe(1);
  });

  it('fails with heartbeat-timeout after the client is silent for more than 2×1000+1000 ms', async () => {
    const h = harness();
    const { session, transport } = await connected(h, 'good', { 'heart-beat': '1000,1000' });
    vi.advanceTimersByTime(3000);
    expect(transport.commands()).toEqual(['CONNECTED']);
    expect(session.state).toBe('connected');
    vi.advanceTimersByTime(1000);
    const e = errorOf(transport);
    expect(e.reason).toBe('heartbeat-timeout');
    expect(e.message).toBe('no heart-beat from client for 3000 ms');
    expect(transport.closes).toEqual([[4000, 'heartbeat-timeout']]);
  });

  it('does not expect heart-beats when the client offers none', async () => {
    const h = harness();
    const { transport } = await connected(h, 'good', { 'heart-beat': '0,0' });
    expect(header(transport.only('CONNECTED'), 'heart-beat')).toBe('0,0');
    vi.advanceTimersByTime(60_000);
    expect(transport.writes).toHaveLength(1);
    expect(transport.closes).toEqual([]);
  });

  it('ends the connection when the token expires', async () => {
    const h = harness();
    const { session, transport } = await connected(h, 'good-expiring');
    expect(session.principal?.expiresAt).toBe(Date.now() + 5000);
    vi.advanceTimersByTime(4999);
    expect(transport.commands()).toEqual(['CONNECTED']);
    vi.advanceTimersByTime(1);
    const e = errorOf(transport);
    expect(e.reason).toBe('token-expired');
    expect(e.message).toBe('token expired: reconnect with a fresh token');
    expect(transport.closes).toEqual([[4000, 'token-expired']]);
  });

  it('clears its timers when the session ends', async () => {
    const h = harness();
    const { session } = await connected(h, 'good-expiring', { 'heart-beat': '1000,1000' });
    expect(vi.getTimerCount()).toBe(2);
    session.shutdown();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('Session: ending', () => {
  it('removes its hub subscriptions when the transport closes', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: '1', destination: ROOM }));
    session.onData(frame('SUBSCRIBE', { id: '2', destination: '/topic/lobby.1' }));
    await settle();
    expect(h.hub.size).toBe(2);
    session.onTransportClosed();
    await settle();
    expect(h.hub.size).toBe(0);
    expect(session.state).toBe('closed');
    expect(transport.closes).toEqual([]);
    expect(transport.commands()).toEqual(['CONNECTED']);
    expect(h.ended).toEqual([session]);
    session.onTransportClosed();
    expect(h.ended).toEqual([session]);
  });

  it('keeps the hub entry while another session still subscribes', async () => {
    const h = harness();
    const a = await connected(h);
    const b = await connected(h, 'good-bob');
    a.session.onData(frame('SUBSCRIBE', { id: '1', destination: ROOM }));
    b.session.onData(frame('SUBSCRIBE', { id: '1', destination: ROOM }));
    await settle();
    a.session.onTransportClosed();
    await settle();
    expect(h.hub.size).toBe(1);
    b.session.onData(frame('SEND', { destination: ROOM }, 'still here'));
    await settle();
    expect(b.transport.commands()).toEqual(['CONNECTED', 'MESSAGE']);
    expect(a.transport.commands()).toEqual(['CONNECTED']);
  });

  it('shutdown() sends ERROR server-shutdown and closes with 1001', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: '1', destination: ROOM }));
    await settle();
    session.shutdown();
    const e = errorOf(transport);
    expect(e.reason).toBe('server-shutdown');
    expect(e.message).toBe('relay is shutting down');
    expect(transport.closes).toEqual([[1001, 'server-shutdown']]);
    await settle();
    expect(h.hub.size).toBe(0);
    expect(h.ended).toEqual([session]);
  });

  it('writes nothing more after it has closed', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    const other = await connected(h, 'good-bob');
    session.onData(frame('SUBSCRIBE', { id: '1', destination: ROOM }));
    await settle();
    session.shutdown();
    const written = transport.writes.length;
    session.onData(frame('SEND', { destination: ROOM, receipt: 'late' }, 'x'));
    session.shutdown();
    session.onTransportClosed();
    other.session.onData(frame('SEND', { destination: ROOM }, 'to nobody'));
    await settle();
    expect(transport.writes).toHaveLength(written);
    expect(transport.closes).toEqual([[1001, 'server-shutdown']]);
    expect(h.ended).toEqual([session]);
  });

  it('writes nothing when authentication finishes after the transport closed', async () => {
    let release!: (p: Principal) => void;
    const h = harness({ verify: () => new Promise<Principal>((resolve) => (release = resolve)) });
    const { session, transport } = h.open();
    session.onData(concat(connect('good'), frame('SUBSCRIBE', { id: '1', destination: ROOM })));
    session.onTransportClosed();
    release(ALICE);
    await settle();
    expect(transport.writes).toEqual([]);
    expect(session.state).toBe('closed');
    expect(h.hub.size).toBe(0);
  });

  it('writes nothing more after a timer-driven close', async () => {
    vi.useFakeTimers(FAKE_TIMERS);
    const h = harness();
    const { session, transport } = await connected(h, 'good-expiring', {
      'heart-beat': '1000,1000',
    });
    for (let i = 0; i < 5; i++) {
      session.onData('\n');
      vi.advanceTimersByTime(1000);
    }
    expect(errorOf(transport).reason).toBe('token-expired');
    const written = transport.writes.length;
    vi.advanceTimersByTime(60_000);
    expect(transport.writes).toHaveLength(written);
    expect(transport.closes).toHaveLength(1);
  });
});
