/**
 * Attack suite, destination escapes: `..`, percent-encoding, empty segments, case, look-alike
 * Unicode, control characters, length, prefix-map tricks, other users' queues, and history and
 * presence of destinations the token does not grant — over STOMP and HTTP. Eve is granted
 * `/topic/room.*` only. Every STOMP row must end in ERROR (`destination-invalid` or `forbidden`)
 * and a close, every HTTP row in the matching status; then the healthy pair must still chat.
 * The last row feeds the grant matcher a pathological pattern: it must answer, not stall.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { header } from '../../codec/index.js';
import { eventually, text } from '../stomp-clients.js';
import {
  ACCEPTED_PROBE,
  expectNoLeak,
  expectRefused,
  http,
  startTarget,
  START_TIMEOUT_MS,
} from './fixture.harness.js';
import type { Target } from './fixture.harness.js';

const API_KEY = 'attack-suite-api-key-d3571n';
const INVALID = 'destination-invalid';
const FORBIDDEN = 'forbidden';

/** [what, destination as written in the frame (STOMP 1.2 escapes allowed), reason]. */
const DESTINATIONS: Array<[string, string, string]> = [
  ['.. segment', '/topic/room.1/../secret', INVALID],
  ['. segment', '/topic/./room.1', INVALID],
  ['percent-encoded .. (never decoded)', '/topic/%2e%2e/secret', FORBIDDEN],
  ['percent-encoded slash', '/topic/room.1%2f..%2f..%2fqueue/secret', FORBIDDEN],
  ['empty segment //', '/topic//room.1', INVALID],
  ['leading //', '//topic/room.1', INVALID],
  ['trailing /', '/topic/room.1/', INVALID],
  ['no leading /', 'topic/room.1', INVALID],
  ['/Topic/ (case)', '/Topic/room.1', INVALID],
  ['/TOPIC/ROOM.1 (case)', '/TOPIC/ROOM.1', INVALID],
  ['Room (case of the granted name)', '/topic/Room.1', FORBIDDEN],
  ['fullwidth solidus inside', '/topic\uff0froom.1', INVALID],
  ['fullwidth solidus first', '\uff0ftopic/room.1', INVALID],
  ['division slash U+2215', '/topic\u2215room.1', INVALID],
  ['Cyrillic о in topic', '/t\u043epic/room.1', INVALID],
  ['Cyrillic о in the room name', '/topic/r\u043e\u043em.1', FORBIDDEN],
  ['NUL', '/topic/room.1\u0000x', INVALID],
  ['SOH', '/topic/room.1\u0001', INVALID],
  ['tab', '/topic/room.1\t', INVALID],
  ['escaped CR (\\r)', '/topic/room.1\\r', INVALID],
  ['escaped LF (\\n)', '/topic/room.1\\nparley-sender:admin', INVALID],
  ['DEL', '/topic/room.1\u007f', INVALID],
  ['C1 control U+0085 (docs: no control characters)', '/topic/room.1\u0085', INVALID],
  ['256 characters', `/topic/room.${'x'.repeat(244)}`, INVALID],
  ['4 000 characters', `/topic/room.${'x'.repeat(4000)}`, INVALID],
  ['/pub/../user/bob/queue/x', '/pub/../user/bob/queue/x', INVALID],
  ['/app//topic/secret', '/app//topic/secret', INVALID],
  ['/app/../topic/secret', '/app/../topic/secret', INVALID],
  ['/app/secret maps to an ungranted /topic/secret', '/app/secret', FORBIDDEN],
  ['/pub/x maps to an ungranted /sub/x', '/pub/x', FORBIDDEN],
  ['/user/queue/../../bob/queue/x', '/user/queue/../../bob/queue/x', INVALID],
  ['/user//queue/x', '/user//queue/x', INVALID],
  ['/user/eve/../bob/queue/x', '/user/eve/../bob/queue/x', INVALID],
  ['another user queue /user/bob/queue/x', '/user/bob/queue/x', FORBIDDEN],
  ['/queue/secret', '/queue/secret', FORBIDDEN],
  ['/topic/** (wildcard as a destination)', '/topic/**', FORBIDDEN],
  ['comma list', '/topic/room.1,/topic/secret', FORBIDDEN],
  ['/etc/passwd', '/etc/passwd', INVALID],
];

interface Row {
  name: string;
  /** Frames sent after eve's CONNECT. */
  frames: string;
  reason: string;
}

const rows: Row[] = [
  ...DESTINATIONS.flatMap(([what, dest, reason]): Row[] => [
    { name: `SEND ${what}`, frames: `SEND\ndestination:${dest}\n\nx\0`, reason },
    { name: `SUBSCRIBE ${what}`, frames: `SUBSCRIBE\nid:s\ndestination:${dest}\n\n\0`, reason },
  ]),
  {
    name: 'SUBSCRIBE to /parley/history (a request address, not a destination)',
    frames: 'SUBSCRIBE\nid:s\ndestination:/parley/history\n\n\0',
    reason: INVALID,
  },
  {
    name: 'SUBSCRIBE with parley-presence to an ungranted room',
    frames: 'SUBSCRIBE\nid:p\ndestination:/topic/secret\nparley-presence:true\n\n\0',
    reason: FORBIDDEN,
  },
  ...(
    [
      ['an ungranted room', '/topic/secret', FORBIDDEN],
      ['another user queue', '/user/bob/queue/x', FORBIDDEN],
      ['a .. escape', '/topic/room.1/../secret', INVALID],
      ['a prefix-map escape', '/app/../topic/secret', INVALID],
    ] as const
  ).map(([what, target, reason]): Row => ({
    name: `/parley/history of ${what}`,
    frames:
      'SUBSCRIBE\nid:h\ndestination:/user/queue/history\n\n\0' +
      `SEND\ndestination:/parley/history\nparley-target:${target}\nreply-to:/user/queue/history\n\n\0`,
    reason,
  })),
  {
    name: '/parley/history replying into another user queue',
    frames:
      'SEND\ndestination:/parley/history\nparley-target:/topic/room.1\nreply-to:/user/bob/queue/history\n\n\0',
    reason: 'protocol-error',
  },
];

/** [what, path, user token or API key, expected status]. */
const HTTP_ROWS: Array<[string, string, 'eve' | 'key' | 'none', number]> = [
  ['history of an ungranted room', '/api/history?destination=/topic/secret', 'eve', 403],
  ['history of another user queue', '/api/history?destination=/user/bob/queue/x', 'eve', 403],
  ['history with ..', '/api/history?destination=/topic/room.1/../secret', 'eve', 400],
  [
    'history with %2e%2e decoded once',
    '/api/history?destination=/topic/room.1/%2e%2e/secret',
    'eve',
    400,
  ],
  ['history with NUL', '/api/history?destination=/topic/room.1%00', 'eve', 400],
  [
    'history with a fullwidth solidus',
    '/api/history?destination=/topic%EF%BC%8Fsecret',
    'eve',
    400,
  ],
  ['history without a token', '/api/history?destination=/topic/room.1', 'none', 401],
  ['control: history of a granted room', '/api/history?destination=/topic/room.1', 'eve', 200],
  ['presence of an ungranted room', '/api/presence?destination=/topic/secret', 'eve', 403],
  ['presence with ..', '/api/presence?destination=/topic/room.1/../secret', 'eve', 400],
  ['presence without a token', '/api/presence?destination=/topic/room.1', 'none', 401],
  ['online of users the token has no grant for', '/api/online?users=bob,alice', 'eve', 403],
  [
    'online naming an ungranted room',
    '/api/online?users=bob&destination=/topic/secret',
    'eve',
    403,
  ],
  [
    'control: online of a granted room',
    '/api/online?users=bob&destination=/topic/room.1',
    'eve',
    200,
  ],
  ['online without a token', '/api/online?users=bob', 'none', 401],
  ['control: online with the API key', '/api/online?users=bob', 'key', 200],
];

describe('attacks: destination escapes and ungranted reads are refused; the others keep chatting', () => {
  let t: Target;

  beforeAll(async () => {
    t = await startTarget({ env: { PARLEY_API_KEY: API_KEY } });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.stop();
  });

  for (const row of rows) {
    it(`${row.name} → ERROR ${row.reason}, close`, async () => {
      const eve = await t.connected(t.token('eve'));
      eve.send(row.frames + ACCEPTED_PROBE);
      await expectRefused(eve, row.reason);
      await t.stillChatting();
    });
  }

  for (const [what, path, who, status] of HTTP_ROWS) {
    it(`GET ${what} → HTTP ${status}`, async () => {
      const token = who === 'key' ? API_KEY : who === 'eve' ? t.token('eve') : undefined;
      const res = await http(t.relay, path, token === undefined ? {} : { token });
      expect(res.status, res.text).toBe(status);
      expectNoLeak(res.text, [API_KEY]);
      await t.stillChatting();
    });
  }

  it('SEND /user/queue/x reaches only the sender own queue, never another user', async () => {
    const bert = await t.connected(t.token('bert'));
    bert.send('SUBSCRIBE\nid:b\ndestination:/user/queue/x\nreceipt:b\n\n\0');
    await bert.next('RECEIPT');
    const eve = await t.connected(t.token('eve'));
    eve.send('SUBSCRIBE\nid:e\ndestination:/user/queue/x\nreceipt:e\n\n\0');
    await eve.next('RECEIPT');
    // Every spelling that might land in bert's queue: none may.
    eve.send('SEND\ndestination:/user/queue/x\nuser:bert\nlogin:bert\n\nspoof-1\0');
    eve.send('SEND\ndestination:/user/queue/x\nreceipt:sent\n\nspoof-2\0');
    await eve.next('RECEIPT');
    const dana = await t.connected(t.token('dana', { parley: { pub: ['/user/*/queue/x'] } }));
    dana.send('SEND\ndestination:/user/bert/queue/x\nreceipt:dm\n\nsentinel\0');
    await dana.next('RECEIPT');
    await eventually(
      () => bert.frames.some((f) => f.command === 'MESSAGE'),
      5000,
      'bert gets the sentinel',
    );
    const bertGot = bert.frames.filter((f) => f.command === 'MESSAGE');
    expect(bertGot.map((f) => text(f.body))).toEqual(['sentinel']);
    expect(header(bertGot[0]!, 'parley-sender')).toBe('dana');
    await eventually(
      () => eve.frames.filter((f) => f.command === 'MESSAGE').length === 2,
      5000,
      'eve gets her own two messages',
    );
    for (const s of [bert, eve, dana]) s.close();
    await t.stillChatting();
  });

  it('a pathological grant pattern answers at once (no backtracking stall) → ERROR forbidden', async () => {
    const star = `/topic/${'*a'.repeat(20)}*b`;
    const token = t.token('eve', { parley: { sub: [star], pub: [star] } });
    const eve = await t.connected(token);
    eve.send(`SUBSCRIBE\nid:r\ndestination:/topic/${'a'.repeat(240)}\n\n\0`);
    await expectRefused(eve, FORBIDDEN);
    const res = await http(t.relay, `/api/history?destination=/topic/${'a'.repeat(240)}`, {
      token,
    });
    expect(res.status).toBe(403);
    await t.stillChatting();
  });
});
