/**
 * Sender spoofing through header-name spelling, against a real relay: `parley-sender` (and
 * friends) written with a leading space, tab, NBSP or BOM, a trailing space, another case, or
 * twice, sent over a raw WebSocket, over @stomp/stompjs 7 and through `POST /api/publish`. A
 * subscriber using @stomp/stompjs and one using this SDK must see only the relay's sender,
 * offset and timestamp.
 */
import { Client } from '@stomp/stompjs';
import type { IMessage } from '@stomp/stompjs';
import { connectFrame, rawStomp, signToken, spawnRelay } from '@parley/relay/testing';
import type { RelayProcess } from '@parley/relay/testing';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from './index.js';
import type { ChatMessage, ParleyClient } from './index.js';

const API_KEY = 'sender-stamps-api-key-0123456789';
const ROOM_ID = 'stamps';
const ROOM = `/topic/room.${ROOM_ID}`;
const GRANTS = { sub: ['/topic/room.*'], pub: ['/topic/room.*'] };

/** Header lines as a client writes them: [name, value], in order (repeats allowed). */
const SPELLINGS: Array<[string, Array<[string, string]>]> = [
  ['leading space', [[' parley-sender', 'mallory']]],
  ['leading tab', [['\tparley-sender', 'mallory']]],
  ['leading NBSP', [['\u00a0parley-sender', 'mallory']]],
  ['leading BOM', [['\ufeffparley-sender', 'mallory']]],
  ['trailing space', [['parley-sender ', 'mallory']]],
  ['upper case', [['PARLEY-SENDER', 'mallory']]],
  [
    'mixed case, offset and timestamp',
    [
      ['Parley-Sender', 'mallory'],
      ['Parley-Offset', '987654'],
      ['Parley-Timestamp', '1000000000000'],
    ],
  ],
  [
    'parley-sender twice',
    [
      ['parley-sender', 'mallory'],
      ['parley-sender', 'mallory'],
    ],
  ],
];

let relay: RelayProcess;
const closers: Array<() => unknown> = [];
const token = (sub: string) => signToken(relay.secret, { sub, name: sub, parley: GRANTS });

function stomp(sub: string): Promise<Client> {
  const client = new Client({
    webSocketFactory: () => new WebSocket(relay.wsUrl, ['v12.stomp']),
    connectHeaders: { Authorization: `Bearer ${token(sub)}` },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    debug: () => undefined,
  });
  closers.push(() => client.deactivate({ force: true }));
  return new Promise((resolve, reject) => {
    client.onConnect = () => resolve(client);
    client.onStompError = (f) => reject(new Error(f.headers.message));
    client.activate();
  });
}

/** Sends a SEND through `channel`; resolves once the relay answered (RECEIPT, ERROR or HTTP). */
async function attempt(channel: string, headers: Array<[string, string]>, body: string) {
  if (channel === 'raw') {
    const c = await rawStomp(relay.wsUrl);
    closers.push(() => c.close());
    c.send(connectFrame(token('mallory')));
    await c.next('CONNECTED');
    const lines = headers.map(([k, v]) => `${k}:${v}\n`).join('');
    c.send(`SEND\ndestination:${ROOM}\n${lines}receipt:r\n\n${body}\0`);
    await Promise.race([c.next('RECEIPT'), c.next('ERROR')]);
    return;
  }
  if (channel === 'stompjs') {
    const c = await stomp('mallory');
    const answered = new Promise<void>((resolve) => {
      c.watchForReceipt('r', () => resolve());
      c.onStompError = () => resolve();
    });
    // stompjs sends header names as given (an object: a repeated name is sent once).
    c.publish({
      destination: ROOM,
      body,
      headers: { ...Object.fromEntries(headers), receipt: 'r' },
    });
    await answered;
    return;
  }
  // HTTP, with the API key speaking as mallory; JSON written by hand to keep repeated keys.
  const fields = headers.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
  const res = await fetch(`${relay.httpUrl}/api/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: `{"destination":${JSON.stringify(ROOM)},"body":${JSON.stringify(body)},"sender":"mallory","headers":{${fields}}}`,
  });
  expect(res.status, `${channel} ${body}`).toBe(400);
  expect(((await res.json()) as { message?: string; error?: string }) ?? {}).toBeTruthy();
}

beforeAll(async () => {
  relay = await spawnRelay({ env: { PARLEY_API_KEY: API_KEY } });
});

afterAll(async () => {
  await Promise.allSettled(closers.map((close) => close()));
  await relay?.stop();
});

describe('sender stamps against a real relay', () => {
  it('no spelling over raw WebSocket, stompjs or HTTP shows a forged sender, offset or time', async () => {
    const watcher = await stomp('watcher');
    const stompInbox: IMessage[] = [];
    await new Promise<void>((resolve) => {
      watcher.watchForReceipt('sub', () => resolve());
      // Messages only: the SDK clients' read marks after their sends come as read events.
      const messages = (m: IMessage) => m.headers['parley-kind'] === undefined;
      watcher.subscribe(ROOM, (m) => messages(m) && stompInbox.push(m), { receipt: 'sub' });
    });
    const sdk: ParleyClient = createClient({
      url: relay.wsUrl,
      token: token('reader'),
      webSocketFactory: (url, protocols) => new WebSocket(url, protocols),
    });
    closers.push(() => sdk.disconnect());
    await sdk.connect();
    const sdkInbox: ChatMessage[] = [];
    sdk.room(ROOM_ID).on('message', (m) => sdkInbox.push(m));
    // The SDK's subscription is live once its own message comes back.
    const ready = createClient({
      url: relay.wsUrl,
      token: token('marker'),
      webSocketFactory: (url, protocols) => new WebSocket(url, protocols),
    });
    closers.push(() => ready.disconnect());
    await ready.connect();
    const until = async (body: string) => {
      for (let i = 0; i < 500; i++) {
        if (sdkInbox.some((m) => m.body === body) && stompInbox.some((m) => m.body === body))
          return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`"${body}" did not reach both subscribers`);
    };
    await ready.room(ROOM_ID).send('ready');
    await until('ready');

    const started = Date.now();
    for (const channel of ['raw', 'stompjs', 'http']) {
      for (const [name, headers] of SPELLINGS)
        await attempt(channel, headers, `${channel}: ${name}`);
    }
    await ready.room(ROOM_ID).send('done');
    await until('done');

    // Token spellings over STOMP were delivered with the reserved look-alikes dropped; the others
    // were refused. Every message carries the relay's stamps only.
    const delivered = stompInbox.map((m) => m.body).filter((b) => b !== 'ready' && b !== 'done');
    expect(delivered.sort()).toEqual(
      [
        'raw: upper case',
        'raw: mixed case, offset and timestamp',
        'raw: parley-sender twice',
        'stompjs: upper case',
        'stompjs: mixed case, offset and timestamp',
        'stompjs: parley-sender twice',
      ].sort(),
    );
    for (const m of stompInbox) {
      const expected = m.body === 'ready' || m.body === 'done' ? 'marker' : 'mallory';
      expect(m.headers['parley-sender'], m.body).toBe(expected);
      expect(Number(m.headers['parley-offset'])).toBeLessThan(1000);
      expect(Number(m.headers['parley-timestamp'])).toBeGreaterThanOrEqual(started - 60_000);
      for (const k of Object.keys(m.headers)) {
        if (k.trim().toLowerCase().startsWith('parley-')) expect(k).toBe(k.trim().toLowerCase());
      }
    }
    expect(sdkInbox.map((m) => m.body).sort()).toEqual(stompInbox.map((m) => m.body).sort());
    for (const m of sdkInbox) {
      const byStomp = stompInbox.find((s) => s.body === m.body)!;
      expect(m.sender.id).toBe(byStomp.headers['parley-sender']);
      expect(m.offset).toBe(Number(byStomp.headers['parley-offset']));
      expect(m.timestamp.getTime()).toBe(Number(byStomp.headers['parley-timestamp']));
      expect(Object.keys(m.headers).filter((k) => /parley-sender$/i.test(k.trim()))).toEqual([
        'parley-sender',
      ]);
    }
  });
});
