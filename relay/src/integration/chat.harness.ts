/** Read-position requests and a DM conversation between alice (two tabs) and bob, for tests. */
import type { IFrame, IMessage } from '@stomp/stompjs';
import { expect } from 'vitest';
import type { ReadsJson } from '../reads/read-service.js';
import { signToken } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';
import { eventually, sleep, stompClient } from './stomp-clients.js';
import type { StompTestClient } from './stomp-clients.js';

export const DM_GRANTS = { sub: ['/topic/room.*'], pub: ['/topic/room.*', '/user/*/queue/dm.*'] };

export interface Conversation {
  tab1: StompTestClient;
  tab2: StompTestClient;
  bob: StompTestClient;
  /** What each tab and bob received on their copy, and bob's notices. */
  tab1Inbox: IMessage[];
  tab2Inbox: IMessage[];
  bobInbox: IMessage[];
  notices: IMessage[];
  close(): Promise<void>;
}

/** alice's tabs on `relays[0]` and `relays[1]` (may be the same relay), bob on `relays[1]`. */
export async function openConversation(
  relays: [RelayProcess, RelayProcess],
): Promise<Conversation> {
  const token = (sub: string, relay: RelayProcess): string =>
    signToken(relay.secret, {
      sub,
      name: sub === 'alice' ? 'Alice' : undefined,
      parley: DM_GRANTS,
    });
  const tab1 = await stompClient(relays[0].wsUrl, token('alice', relays[0]));
  const tab2 = await stompClient(relays[1].wsUrl, token('alice', relays[1]));
  const bob = await stompClient(relays[1].wsUrl, token('bob', relays[1]));
  return {
    tab1,
    tab2,
    bob,
    tab1Inbox: await tab1.subscribe('/user/queue/dm.bob'),
    tab2Inbox: await tab2.subscribe('/user/queue/dm.bob'),
    bobInbox: await bob.subscribe('/user/queue/dm.alice'),
    notices: await bob.subscribe('/user/queue/parley-dm'),
    async close() {
      for (const c of [tab1, tab2, bob]) await c.disconnect().catch(() => undefined);
    },
  };
}

/** Sends a DM from tab1 to bob with a client id and resolves with the RECEIPT. */
export function sendDm(c: StompTestClient, body: string, clientId: string): Promise<IFrame> {
  return c.receipt((receipt) =>
    c.client.publish({
      destination: '/user/bob/queue/dm.alice',
      body,
      headers: { receipt, 'parley-client-id': clientId },
    }),
  );
}

/** Reads the history of one's own copy over STOMP. */
export async function copyHistory(
  c: StompTestClient,
  copy: string,
  inbox: IMessage[],
): Promise<
  Array<{ body: string; offset: number; timestamp: number; headers: Record<string, string> }>
> {
  const id = `h-${Math.random().toString(36).slice(2)}`;
  await c.publish('/parley/history', '', {
    'parley-target': copy,
    'reply-to': '/user/queue/history',
    'parley-request-id': id,
  });
  await eventually(() => inbox.some((m) => m.headers['parley-request-id'] === id));
  const reply = inbox.find((m) => m.headers['parley-request-id'] === id)!;
  return (JSON.parse(reply.body) as { messages: [] }).messages;
}

/** Checks the conversation after one DM "hi": once everywhere, same stamps, right receipt. */
export async function expectDeliveredOnce(conv: Conversation, receipt: IFrame): Promise<void> {
  await eventually(
    () => conv.tab1Inbox.length >= 1 && conv.tab2Inbox.length >= 1 && conv.bobInbox.length >= 1,
    5000,
    'the DM everywhere',
  );
  await eventually(() => conv.notices.length >= 1, 5000, 'the DM notice');
  await sleep(300); // nothing else may follow
  expect(conv.tab1Inbox).toHaveLength(1);
  expect(conv.tab2Inbox).toHaveLength(1);
  expect(conv.bobInbox).toHaveLength(1);
  expect(conv.notices).toHaveLength(1);
  const [mine, other, theirs] = [conv.tab1Inbox[0]!, conv.tab2Inbox[0]!, conv.bobInbox[0]!];
  for (const m of [mine, other, theirs]) {
    expect(m.body).toBe('hi');
    expect(m.headers['parley-sender']).toBe('alice');
    expect(m.headers['parley-timestamp']).toBe(theirs.headers['parley-timestamp']);
    expect(m.headers['parley-client-id']).toBe(theirs.headers['parley-client-id']);
  }
  expect(receipt.headers['parley-offset']).toBe(mine.headers['parley-offset']);
  expect(receipt.headers['parley-message-id']).toBe(mine.headers['message-id']);
  const notice = JSON.parse(conv.notices[0]!.body) as Record<string, unknown>;
  expect(notice).toMatchObject({
    from: 'alice',
    name: 'Alice',
    destination: '/user/queue/dm.alice',
  });
  expect(conv.notices[0]!.headers['parley-kind']).toBe('dm');
}

/** Asks `/parley/reads` about `target` and resolves with the reply's JSON and headers. */
export async function fetchReads(
  c: StompTestClient,
  inbox: IMessage[],
  target: string,
  requestId: string,
): Promise<{ json: ReadsJson; message: IMessage }> {
  await c.publish('/parley/reads', '', {
    'parley-target': target,
    'reply-to': '/user/queue/reads',
    'parley-request-id': requestId,
  });
  await eventually(() => inbox.some((m) => m.headers['parley-request-id'] === requestId));
  const message = inbox.find((m) => m.headers['parley-request-id'] === requestId)!;
  return { json: JSON.parse(message.body) as ReadsJson, message };
}
