import { afterEach, describe, expect, it } from 'vitest';
import { header } from '../codec/index.js';
import { ROOM, closeAll, connected, frame, harness, messages, settle } from './session.harness.js';

afterEach(closeAll);

const send = (clientId: string, receipt: string, extra: Record<string, string> = {}) =>
  frame('SEND', { destination: ROOM, 'parley-client-id': clientId, receipt, ...extra }, 'hello');

describe('Session: idempotent SEND (parley-client-id)', () => {
  it('answers a resend from a new connection with the first RECEIPT, delivering once', async () => {
    const h = harness();
    const bob = await connected(h, 'good-bob');
    bob.session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM }));
    await settle();
    const first = await connected(h);
    first.session.onData(send('c-1', 'r-1'));
    await settle();
    const receipt1 = first.transport.only('RECEIPT');
    expect(header(receipt1, 'parley-duplicate')).toBeUndefined();
    first.session.onTransportClosed();

    const second = await connected(h);
    second.session.onData(send('c-1', 'r-2'));
    await settle();
    const receipt2 = second.transport.only('RECEIPT');
    expect(header(receipt2, 'receipt-id')).toBe('r-2');
    for (const name of ['parley-offset', 'parley-epoch', 'parley-message-id']) {
      expect(header(receipt2, name)).toBe(header(receipt1, name));
    }
    expect(header(receipt2, 'parley-duplicate')).toBe('true');
    expect(messages(bob.transport)).toHaveLength(1);
    expect((await h.broker.history(ROOM, { limit: 10 })).messages).toHaveLength(1);
  });

  it('publishes every typing indicator, client id or not', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(send('t-1', 'r-1', { 'parley-kind': 'typing' }));
    session.onData(send('t-1', 'r-2', { 'parley-kind': 'typing' }));
    await settle();
    const receipts = transport.frames.filter((f) => f.command === 'RECEIPT');
    expect(receipts.map((r) => header(r, 'parley-duplicate'))).toEqual([undefined, undefined]);
  });
});
