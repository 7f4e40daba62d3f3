import { describe, expect, it } from 'vitest';
import { ParleyError } from './errors.js';
import type { OutboundMessage } from './message.js';
import { MAX_REFUSALS, Outbox } from './outbox.js';
import type { OutboxSender, SendResult } from './outbox.js';
import type { OutgoingMessage } from './events.js';

const msg = (body: string): OutboundMessage => ({
  body,
  headers: { 'content-type': 'text/plain' },
});

/** A sender that records SENDs and lets the test answer each one. */
function sender() {
  const sent: Array<{ body: string; clientId: string; answer(r: SendResult): void }> = [];
  const s: OutboxSender = {
    send: (_d, m) =>
      new Promise<SendResult>((answer) =>
        sent.push({ body: m.body, clientId: m.headers['parley-client-id'] ?? '', answer }),
      ),
  };
  return { s, sent };
}
const ok = (offset: number, extra: Record<string, string> = {}): SendResult => ({
  ok: true,
  headers: {
    'parley-offset': String(offset),
    'parley-epoch': 'e1',
    'parley-message-id': `m${offset}`,
    ...extra,
  },
});
const flush = () => new Promise((r) => setTimeout(r, 0));

function outbox(limits = { maxMessages: 100, maxBytes: 100_000 }) {
  const events: string[] = [];
  const box = new Outbox(limits, (m: OutgoingMessage) => events.push(`${m.body}:${m.status}`));
  return { box, events };
}

describe('Outbox', () => {
  it('queues while disconnected and flushes in order with client ids, resolving on receipts', async () => {
    const { box, events } = outbox();
    const a = box.add('/topic/room.x', msg('a'));
    const b = box.add('/topic/room.x', msg('b'));
    expect(a.outgoing.status).toBe('pending');
    expect(a.clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.clientId).not.toBe(b.clientId);
    const { s, sent } = sender();
    box._attach(s);
    expect(sent.map((x) => x.body)).toEqual(['a', 'b']);
    expect(sent[0]?.clientId).toBe(a.clientId);
    sent[0]?.answer(ok(7, { 'parley-duplicate': 'true' }));
    await expect(a).resolves.toEqual({
      clientId: a.clientId,
      offset: 7,
      epoch: 'e1',
      messageId: 'm7',
      duplicate: true,
    });
    expect(a.outgoing.status).toBe('sent');
    expect(events).toEqual(['a:pending', 'b:pending', 'a:sent']);
    expect(box.size).toBe(1);
  });

  it('resends with the same client id after a connection lost before the receipt', async () => {
    const { box } = outbox();
    const first = sender();
    box._attach(first.s);
    const p = box.add('/d', msg('x'));
    box._detach();
    first.sent[0]?.answer({
      ok: false,
      refused: false,
      error: new ParleyError('connection-closed', 'x'),
    });
    await flush();
    expect(p.outgoing.status).toBe('pending');
    const second = sender();
    box._attach(second.s);
    expect(second.sent.map((x) => x.clientId)).toEqual([p.clientId]);
    second.sent[0]?.answer(ok(1));
    await expect(p).resolves.toMatchObject({ offset: 1 });
  });

  it('fails at once on a refusal retrying cannot fix, and retry() puts it back', async () => {
    const { box } = outbox();
    const { s, sent } = sender();
    box._attach(s);
    const p = box.add('/d', msg('no'));
    sent[0]?.answer({ ok: false, refused: true, error: new ParleyError('forbidden', 'no grant') });
    await expect(p).rejects.toMatchObject({ reason: 'forbidden' });
    expect(p.outgoing.status).toBe('failed');
    expect(p.outgoing.error?.reason).toBe('forbidden');
    const again = p.outgoing.retry();
    expect(p.outgoing.status).toBe('pending');
    expect(sent[1]?.clientId).toBe(p.clientId);
    sent[1]?.answer(ok(3));
    await expect(again).resolves.toMatchObject({ offset: 3 });
    await expect(p.outgoing.retry()).rejects.toMatchObject({ reason: 'invalid-argument' });
  });

  it('keeps a message refused for a passing reason, up to a limit', async () => {
    const { box } = outbox();
    const p = box.add('/d', msg('busy'));
    for (let i = 1; i <= MAX_REFUSALS; i++) {
      const { s, sent } = sender();
      box._attach(s);
      sent[0]?.answer({
        ok: false,
        refused: true,
        error: new ParleyError('rate-limited', 'slow down'),
      });
      await flush();
      box._detach();
      expect(p.outgoing.status).toBe(i < MAX_REFUSALS ? 'pending' : 'failed');
    }
    await expect(p).rejects.toMatchObject({ reason: 'rate-limited' });
  });

  it('refuses sends over the bounds with outbox-full', async () => {
    const { box } = outbox({ maxMessages: 2, maxBytes: 1000 });
    void box.add('/d', msg('1'));
    void box.add('/d', msg('2'));
    const third = box.add('/d', msg('3'));
    await expect(third).rejects.toMatchObject({ reason: 'outbox-full' });
    expect(third.outgoing.status).toBe('failed');
    const small = outbox({ maxMessages: 10, maxBytes: 100 }).box;
    await expect(small.add('/d', msg('x'.repeat(200)))).rejects.toBeInstanceOf(ParleyError);
  });

  it('fails everything on close and refuses later sends', async () => {
    const { box } = outbox();
    const p = box.add('/d', msg('x'));
    box.close(new ParleyError('disposed', 'gone'));
    await expect(p).rejects.toMatchObject({ reason: 'disposed' });
    await expect(box.add('/d', msg('y'))).rejects.toMatchObject({ reason: 'disposed' });
    expect(box.size).toBe(0);
  });
});
