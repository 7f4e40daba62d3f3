/**
 * Idempotent SEND through a real relay: a client whose connection drops before it reads the
 * RECEIPT resends with the same parley-client-id and gets the first RECEIPT back, while the
 * message is delivered and stored once — on one relay, and across two relays sharing Redis.
 */
import { Client } from '@stomp/stompjs';
import type { IFrame, IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { redisAvailable, signToken, spawnRelay, startRedis } from '../testing/index.js';
import type { RedisServer, RelayProcess } from '../testing/index.js';
import { eventually, sleep, stompClient, within } from './stomp-clients.js';

const ROOM = '/topic/room.idem';
const GRANTS = { sub: ['/topic/room.*'], pub: ['/topic/room.*'] };

/**
 * Connects alice, stops reading her socket, sends the SEND with a client id and a receipt, waits
 * until `delivered()` says the relay published it, then drops the socket unread.
 */
async function sendThenDrop(relay: RelayProcess, clientId: string, delivered: () => boolean) {
  let socket: WebSocket | undefined;
  const receipts: IFrame[] = [];
  const client = new Client({
    brokerURL: relay.wsUrl,
    webSocketFactory: () => (socket = new WebSocket(relay.wsUrl, ['v12.stomp'])),
    connectHeaders: { Authorization: `Bearer ${token(relay, 'alice')}` },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    debug: () => undefined,
  });
  await within(
    new Promise<void>((resolve) => {
      client.onConnect = () => resolve();
      client.activate();
    }),
    5000,
    'CONNECTED',
  );
  client.watchForReceipt('r-first', (f) => receipts.push(f));
  // Whatever the relay answers from now on is never read (ws would still hand buffered frames
  // to stompjs when the socket closes, so the handler goes too).
  socket!.pause();
  socket!.onmessage = () => undefined;
  client.publish({
    destination: ROOM,
    body: 'hello once',
    headers: { 'parley-client-id': clientId, receipt: 'r-first' },
  });
  await eventually(delivered, 5000, 'the first SEND delivered');
  socket!.terminate();
  await client.deactivate();
  expect(receipts).toHaveLength(0);
}

function token(relay: RelayProcess, sub: string): string {
  return signToken(relay.secret, { sub, parley: GRANTS });
}

/** Resends from a fresh connection and returns the RECEIPT. */
async function resend(relay: RelayProcess, clientId: string): Promise<IFrame> {
  const alice = await stompClient(relay.wsUrl, token(relay, 'alice'));
  try {
    return await alice.receipt((r) =>
      alice.client.publish({
        destination: ROOM,
        body: 'hello once',
        headers: { 'parley-client-id': clientId, receipt: r },
      }),
    );
  } finally {
    await alice.disconnect();
  }
}

async function historyCount(relay: RelayProcess): Promise<number> {
  const res = await fetch(
    `${relay.httpUrl}/api/history?destination=${encodeURIComponent(ROOM)}&limit=50`,
    { headers: { authorization: `Bearer ${token(relay, 'bob')}` } },
  );
  expect(res.status).toBe(200);
  const page = (await res.json()) as { messages: unknown[] };
  return page.messages.length;
}

async function checkOnce(sendRelay: RelayProcess, resendRelay: RelayProcess): Promise<void> {
  const bob = await stompClient(resendRelay.wsUrl, token(resendRelay, 'bob'));
  const inbox: IMessage[] = await bob.subscribe(ROOM);
  const clientId = `c-${Math.random().toString(36).slice(2)}`;
  await sendThenDrop(sendRelay, clientId, () => inbox.length >= 1);
  const receipt = await resend(resendRelay, clientId);
  expect(receipt.headers['parley-duplicate']).toBe('true');
  expect(receipt.headers['parley-offset']).toBe(inbox[0]!.headers['parley-offset']);
  expect(receipt.headers['parley-message-id']).toBeDefined();
  await sleep(300);
  expect(inbox).toHaveLength(1);
  expect(await historyCount(sendRelay)).toBe(1);
  // A new client id is a new message.
  const other = await resend(resendRelay, `${clientId}-2`);
  expect(other.headers['parley-duplicate']).toBeUndefined();
  expect(Number(other.headers['parley-offset'])).toBe(Number(receipt.headers['parley-offset']) + 1);
  await bob.disconnect();
}

describe('idempotent SEND: a resend after a lost RECEIPT', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await spawnRelay();
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('is delivered and stored once; the second RECEIPT has the first offset and parley-duplicate', async () => {
    await checkOnce(relay, relay);
  });
});

describe.runIf(redisAvailable())('idempotent SEND across two relays sharing Redis', () => {
  let redis: RedisServer;
  let one: RelayProcess;
  let two: RelayProcess;
  beforeAll(async () => {
    redis = await startRedis();
    const env = { PARLEY_REDIS_URL: redis.url };
    [one, two] = await Promise.all([spawnRelay({ env }), spawnRelay({ env })]);
  });
  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    await redis?.stop();
  });

  it('answers the resend on the other relay with the first stamp, delivering once', async () => {
    await checkOnce(one, two);
  });
});
