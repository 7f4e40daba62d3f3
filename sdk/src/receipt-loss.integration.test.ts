/**
 * The connection dies after a SEND reached the relay and before its RECEIPT reached the client.
 * The outbox sends it again with the same `parley-client-id` after reconnecting; the relay must
 * recognise the repeat (RECEIPT with `parley-duplicate:true`) and neither store nor deliver it
 * twice. Needs the relay's de-duplication of client ids.
 */
import { signToken, spawnRelay } from '@parley/relay/testing';
import type { RelayProcess } from '@parley/relay/testing';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from './client.js';
import { GRANTS, roomView, testClient, until } from './test/real-relay.js';
import type { WebSocketLike } from './types.js';

const clients: ParleyClient[] = [];
let relay: RelayProcess;

beforeAll(async () => {
  relay = await spawnRelay();
});
afterAll(async () => {
  for (const c of clients) c.dispose();
  await relay?.stop();
});

/**
 * A `ws` factory whose sockets, once armed, drop the connection as soon as the relay answers
 * the next SEND carrying `marker`: the relay has taken the message, the client never sees the
 * RECEIPT.
 */
function cuttingFactory(marker: string) {
  let cut = 0;
  const factory = (url: string, protocols: string[]): WebSocketLike => {
    const ws = new WebSocket(url, protocols);
    let armed = false;
    const proxy = new Proxy(ws, {
      get(target, p) {
        if (p === 'send') {
          return (data: string | ArrayBuffer) => {
            if (
              cut === 0 &&
              typeof data === 'string' &&
              data.startsWith('SEND') &&
              data.includes(marker)
            ) {
              armed = true;
            }
            target.send(data);
          };
        }
        const v: unknown = Reflect.get(target, p, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
      set(target, p, value: unknown) {
        if (p === 'onmessage' && typeof value === 'function') {
          const handler = value as (e: { data: unknown }) => void;
          target.onmessage = (e) => {
            if (armed && String(e.data).startsWith('RECEIPT')) {
              armed = false;
              cut++;
              target.terminate();
              return;
            }
            handler(e as { data: unknown });
          };
          return true;
        }
        return Reflect.set(target, p, value, target);
      },
    });
    return proxy as unknown as WebSocketLike;
  };
  return { factory, cuts: () => cut };
}

describe('receipt lost with the connection', () => {
  it('resends with the same client id; the relay stores and delivers it once', async () => {
    const token = (sub: string) => () => signToken(relay.secret, { sub, parley: GRANTS });
    const cutting = cuttingFactory('cut-me');
    const alice = testClient(
      { url: relay.wsUrl, token: token('alice'), webSocketFactory: cutting.factory },
      clients,
    );
    const bob = testClient({ url: relay.wsUrl, token: token('bob') }, clients);
    // Bob counts raw MESSAGE frames too: the SDK's own de-dup must not hide a relay duplicate.
    const raw: string[] = [];
    bob.room('cut').on('message', (m) => raw.push(m.body));
    const bobView = roomView(bob.room('cut'));
    await Promise.all([alice.connect(), bob.connect()]);
    await until(() => bob.caughtUp, 'bob subscribed');

    const sent = alice.room('cut').send('cut-me');
    const receipt = await sent;
    expect(cutting.cuts()).toBe(1);
    expect(receipt.clientId).toBe(sent.clientId);
    await alice.room('cut').send('after');
    await until(() => bobView.bodies().includes('after'), 'bob sees the next message');

    const res = await fetch(`${relay.httpUrl}/api/history?destination=/topic/room.cut`, {
      headers: { Authorization: `Bearer ${token('bob')()}` },
    });
    const page = (await res.json()) as { messages: Array<{ headers: Record<string, string> }> };
    const stored = page.messages.filter((m) => m.headers['parley-client-id'] === sent.clientId);
    expect(bobView.deliveries.get('cut-me')).toBe(1);
    expect(stored, 'stored once in history').toHaveLength(1);
    expect(receipt.duplicate, 'the relay said the resend was a duplicate').toBe(true);
  });
});
