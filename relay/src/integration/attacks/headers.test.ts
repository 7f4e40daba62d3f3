/**
 * Attack suite, header-name spoofing: a SEND (raw WebSocket, @stomp/stompjs) or a
 * `POST /api/publish` (user token, API key) carrying `parley-sender` / `-offset` / `-timestamp` /
 * `-epoch` / `-sender-name` spelled with a leading space, tab, NBSP, BOM, zero-width space,
 * look-alike letters, or another case.
 *
 * Decided behaviour: a header name that is not an RFC 7230 token is `frame-invalid` (ERROR and
 * close; HTTP 400); a reserved name in another case is dropped from SEND (RECEIPT) and refused by
 * HTTP (400). The invariant behind every row: three subscribers — a raw frame reader, stompjs and
 * @parley/sdk — never see a sender, offset, timestamp or epoch other than the relay's, and no
 * header that is a spelling of a reserved one.
 */
import type { IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { header } from '../../codec/index.js';
import type { Frame } from '../../codec/index.js';
import type { RawStompClient } from '../../testing/index.js';
import { eventually, stompClient, text } from '../stomp-clients.js';
import type { StompTestClient } from '../stomp-clients.js';
import { expectRefused, http, startTarget, START_TIMEOUT_MS } from './fixture.harness.js';
import type { Target } from './fixture.harness.js';
import { sdkClient } from './sdk.harness.js';
import type { SdkClient, SdkMessage } from './sdk.harness.js';

const API_KEY = 'attack-suite-api-key-5a1b0c';
const ROOM = '/topic/room.spoof';

const FORGED: Record<string, string> = {
  'parley-sender': 'mallory',
  'parley-sender-name': 'Mallory',
  'parley-offset': '987654',
  'parley-timestamp': '1000000000000',
  'parley-epoch': 'forged-epoch',
};
const FORGED_VALUES = new Set(Object.values(FORGED));
/** The only names containing "parley" a MESSAGE may carry, spelled exactly so. */
const RELAY_NAMES = new Set([
  'parley-sender',
  'parley-sender-name',
  'parley-timestamp',
  'parley-offset',
  'parley-epoch',
  'parley-kind',
  'parley-client-id',
  'parley-redelivered',
]);

/** [spelling, the reserved header it imitates, whether the spelling is a token]. */
const SPELLINGS: Array<[string, string, boolean]> = [
  [' parley-sender', 'parley-sender', false],
  ['\tparley-sender', 'parley-sender', false],
  ['\u00a0parley-sender', 'parley-sender', false],
  ['\ufeffparley-sender', 'parley-sender', false],
  ['parley-sender ', 'parley-sender', false],
  ['parley-sender\u00a0', 'parley-sender', false],
  ['parley-sender\u200b', 'parley-sender', false],
  ['parley\u2011sender', 'parley-sender', false],
  ['parley-\u0455ender', 'parley-sender', false],
  ['\uff50arley-sender', 'parley-sender', false],
  ['parley-sender\\c', 'parley-sender', false],
  [' parley-offset', 'parley-offset', false],
  ['\ufeffparley-timestamp', 'parley-timestamp', false],
  ['\u00a0parley-sender-name', 'parley-sender-name', false],
  ['\tparley-epoch', 'parley-epoch', false],
  ['parley-sender', 'parley-sender', true],
  ['parley-offset', 'parley-offset', true],
  ['Parley-Sender', 'parley-sender', true],
  ['PARLEY-SENDER', 'parley-sender', true],
  ['pArLeY-sEnDeR', 'parley-sender', true],
  ['Parley-Offset', 'parley-offset', true],
  ['PARLEY-TIMESTAMP', 'parley-timestamp', true],
  ['Parley-Epoch', 'parley-epoch', true],
  ['Parley-Sender-Name', 'parley-sender-name', true],
];

type Channel = 'raw' | 'stompjs' | 'http-user' | 'http-key';
const CHANNELS: Channel[] = ['raw', 'stompjs', 'http-user', 'http-key'];

/** How a spelling is written in a row name: invisible characters as \uXXXX. */
function shown(name: string): string {
  return JSON.stringify(name).replace(
    /[^\x21-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

describe('attacks: spoofed parley-* header names never reach a subscriber', () => {
  let t: Target;
  let walter: RawStompClient;
  let sam: StompTestClient;
  let samGot: IMessage[];
  let sid: SdkClient;
  const sidGot: SdkMessage[] = [];
  let n = 0;
  const walterMessages = (): Frame[] => walter.frames.filter((f) => f.command === 'MESSAGE');

  beforeAll(async () => {
    t = await startTarget({ env: { PARLEY_API_KEY: API_KEY } });
    walter = await t.connected(t.token('walter'));
    walter.send(`SUBSCRIBE\nid:w\ndestination:${ROOM}\nreceipt:w\n\n\0`);
    await walter.next('RECEIPT');
    sam = await stompClient(t.relay.wsUrl, t.token('sam'));
    samGot = await sam.subscribe(ROOM);
    sid = await sdkClient(t.relay.wsUrl, t.token('sid'));
    sid.room('spoof').on('message', (m) => sidGot.push(m));
    // The SDK subscribes on its own: publish until a message reaches it (a few at most).
    for (let i = 0; sidGot.length === 0; i++) {
      if (i === 50) throw new Error('the SDK subscriber got no message in 50 tries');
      await t.alice.publish(ROOM, `warm-up ${i}`);
      await eventually(() => sidGot.length > 0, 200, 'warm-up').catch(() => undefined);
    }
    await t.alice.publish(ROOM, 'ready');
    await eventually(
      () =>
        walterMessages().some((f) => text(f.body) === 'ready') &&
        samGot.some((m) => m.body === 'ready') &&
        sidGot.some((m) => m.body === 'ready'),
      10_000,
      'every subscriber is ready',
    );
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    walter?.close();
    await sam?.client.deactivate({ force: true });
    await sid?.disconnect();
    await t?.stop();
  });

  /** Sends the spoof over `channel`; asserts what the sender gets. */
  async function spoof(channel: Channel, name: string, value: string, body: string, ok: boolean) {
    if (channel === 'http-user' || channel === 'http-key') {
      const res = await http(t.relay, '/api/publish', {
        token: channel === 'http-key' ? API_KEY : t.token('eve'),
        body: { destination: ROOM, body, headers: { [name]: value } },
      });
      expect(res.status, res.text).toBe(400);
      expect(res.text).not.toContain(value);
      return;
    }
    if (channel === 'raw') {
      const eve = await t.connected(t.token('eve'));
      eve.send(`SEND\ndestination:${ROOM}\n${name}:${value}\nreceipt:spoof\n\n${body}\0`);
      if (ok) {
        expect(header(await eve.next('RECEIPT'), 'receipt-id')).toBe('spoof');
        eve.close();
      } else await expectRefused(eve, 'frame-invalid');
      return;
    }
    const eve = await stompClient(t.relay.wsUrl, t.token('eve'));
    try {
      if (ok) await eve.publish(ROOM, body, { [name]: value });
      else {
        eve.client.publish({ destination: ROOM, body, headers: { [name]: value } });
        await eventually(() => eve.closes.length > 0, 10_000, 'the relay closes the sender');
        expect(eve.errors.map((f) => f.headers['parley-reason'])).toEqual(['frame-invalid']);
      }
    } finally {
      await eve.client.deactivate({ force: true });
    }
  }

  for (const [name, imitates, token] of SPELLINGS) {
    for (const channel of CHANNELS) {
      const viaHttp = channel.startsWith('http');
      const outcome = viaHttp
        ? 'HTTP 400'
        : token
          ? 'RECEIPT, header dropped'
          : 'ERROR frame-invalid, close';
      it(`${channel}: ${shown(name)} (${imitates}) → ${outcome}; subscribers see the relay's stamps`, async () => {
        const round = ++n;
        const since = { walter: walterMessages().length, sam: samGot.length, sid: sidGot.length };
        const started = Date.now();
        const body = `spoof ${round}`;
        await spoof(channel, name, FORGED[imitates]!, body, token);
        // A sentinel after the attack: once all three have it, they have everything before it.
        const sentinel = `sentinel ${round}`;
        await t.alice.publish(ROOM, sentinel);
        await eventually(
          () =>
            walterMessages().some((f) => text(f.body) === sentinel) &&
            samGot.some((m) => m.body === sentinel) &&
            sidGot.some((m) => m.body === sentinel),
          10_000,
          'every subscriber gets the sentinel',
        );
        const rawNew = walterMessages().slice(since.walter);
        const samNew = samGot.slice(since.sam);
        const sidNew = sidGot.slice(since.sid);
        const delivered = !viaHttp && token;
        for (const bodies of [
          rawNew.map((f) => text(f.body)),
          samNew.map((m) => m.body),
          sidNew.map((m) => m.body),
        ]) {
          expect(bodies).toEqual(delivered ? [body, sentinel] : [sentinel]);
        }
        for (const f of rawNew) {
          expectRelayHeaders(f.headers, header(f, 'parley-sender'));
          expect(f.headers.filter(([k]) => k === 'parley-sender')).toHaveLength(1);
          expect(Number(header(f, 'parley-timestamp'))).toBeGreaterThanOrEqual(started - 1000);
        }
        for (const m of samNew)
          expectRelayHeaders(Object.entries(m.headers), m.headers['parley-sender']);
        for (const m of sidNew) {
          expectRelayHeaders(Object.entries(m.headers), m.sender.id);
          expect(m.sender.name).toBe(m.sender.id.toUpperCase());
          expect(m.timestamp.getTime()).toBeGreaterThanOrEqual(started - 1000);
          expect(FORGED_VALUES.has(String(m.offset))).toBe(false);
          expect(m.epoch).not.toBe(FORGED['parley-epoch']);
        }
        // The offsets every subscriber saw are the relay's: one gapless sequence, the same for all.
        const offsets = walterMessages().map((f) => Number(header(f, 'parley-offset')));
        expect(offsets).toEqual(offsets.map((_, i) => offsets[0]! + i));
        expect(samNew.map((m) => Number(m.headers['parley-offset']))).toEqual(
          rawNew.map((f) => Number(header(f, 'parley-offset'))),
        );
        expect(sidNew.map((m) => m.offset)).toEqual(
          rawNew.map((f) => Number(header(f, 'parley-offset'))),
        );
        await t.stillChatting();
      });
    }
  }

  it('a sender field with a user token is ignored: the sender is the token subject', async () => {
    const since = walterMessages().length;
    const res = await http(t.relay, '/api/publish', {
      token: t.token('eve'),
      body: { destination: ROOM, body: 'claims to be mallory', sender: 'mallory', senderName: 'M' },
    });
    expect([200, 400]).toContain(res.status);
    await t.alice.publish(ROOM, 'sentinel sender-field');
    await eventually(
      () => walterMessages().some((f) => text(f.body) === 'sentinel sender-field'),
      10_000,
      'walter gets the sentinel',
    );
    for (const f of walterMessages().slice(since)) {
      expect(['eve', 'alice']).toContain(header(f, 'parley-sender'));
      expect(header(f, 'parley-sender-name')).not.toBe('M');
    }
    await t.stillChatting();
  });
});

/** Sender is one of the two legitimate ones; nothing forged; no spelling of a reserved name. */
function expectRelayHeaders(headers: Array<[string, string]>, sender: string | undefined): void {
  expect(['eve', 'alice']).toContain(sender);
  for (const [k, v] of headers) {
    expect(FORGED_VALUES.has(v), `forged value in ${shown(k)}`).toBe(false);
    if (/p\W*a\W*r\W*l\W*e\W*y/i.test(k.normalize('NFKC'))) {
      expect(RELAY_NAMES.has(k), `header ${shown(k)} imitates a relay header`).toBe(true);
    }
  }
}
