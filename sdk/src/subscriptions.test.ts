import { describe, expect, it } from 'vitest';
import type { InboundFrame } from './message.js';
import { toChatMessage } from './message.js';
import { SubscriptionRegistry } from './subscriptions.js';
import type { SubscriptionTarget } from './subscriptions.js';
import type { SendResult } from './outbox.js';
import type { ResyncEvent } from './events.js';

type Sub = {
  headers: Record<string, string>;
  deliver(frame: InboundFrame): void;
  receipt?: (r: SendResult) => void;
};

function target(): { t: SubscriptionTarget; subs: Sub[] } {
  const subs: Sub[] = [];
  return {
    subs,
    t: {
      subscribe(_d, handler, headers = {}, onReceipt) {
        subs.push({ headers, deliver: handler, ...(onReceipt && { receipt: onReceipt }) });
        return `sub-${subs.length}`;
      },
      unsubscribe() {},
    },
  };
}

const frame = (offset: number, epoch = 'e1', extra: Record<string, string> = {}): InboundFrame => ({
  headers: {
    'message-id': `${epoch}-${offset}`,
    'parley-offset': String(offset),
    'parley-epoch': epoch,
    'parley-sender': 'bob',
    ...extra,
  },
  body: `m${offset}`,
});

function registry(page: string[] = []) {
  const got: string[] = [];
  const resyncs: ResyncEvent[] = [];
  let caughtUp = 0;
  const reg = new SubscriptionRegistry({
    history: () =>
      Promise.resolve({
        epoch: 'e2',
        messages: page.map((b, i) => toChatMessage('r', { ...frame(i + 1, 'e2'), body: b })),
      }),
    caughtUp: () => caughtUp++,
  });
  reg.add('/topic/room.r', {
    decode: (f) => toChatMessage('r', f),
    message: (m) => got.push(m.body),
    resync: (e) => resyncs.push(e),
    refused: () => {},
  });
  return { reg, got, resyncs, caughtUp: () => caughtUp };
}

describe('SubscriptionRegistry', () => {
  it('resumes after its cursor and drops a replay overlapping what was seen', () => {
    const { reg, got, caughtUp } = registry();
    const first = target();
    reg._attach(first.t);
    expect(first.subs[0]?.headers).toEqual({});
    first.subs[0]?.receipt?.({ ok: true, headers: {} });
    expect(caughtUp()).toBe(1);
    first.subs[0]?.deliver(frame(1));
    first.subs[0]?.deliver(frame(2));
    reg._detach();
    first.subs[0]?.deliver(frame(3)); // late frame of the old connection: ignored
    const second = target();
    reg._attach(second.t);
    expect(second.subs[0]?.headers).toEqual({ 'parley-since': '2', 'parley-epoch': 'e1' });
    for (const o of [2, 3, 3, 4]) second.subs[0]?.deliver(frame(o));
    second.subs[0]?.deliver(frame(0, 'e1', { 'message-id': 'typing' }));
    second.subs[0]?.receipt?.({ ok: true, headers: { 'parley-recovered': 'true' } });
    expect(got).toEqual(['m1', 'm2', 'm3', 'm4', 'm0']);
    expect(caughtUp()).toBe(2);
  });

  it('resyncs from history on parley-recovered:false and on a parley-gap mark', async () => {
    const { reg, resyncs, caughtUp } = registry(['a', 'b']);
    const first = target();
    reg._attach(first.t);
    first.subs[0]?.deliver(frame(7));
    reg._detach();
    const second = target();
    reg._attach(second.t);
    second.subs[0]?.receipt?.({
      ok: true,
      headers: { 'parley-recovered': 'false', 'parley-epoch': 'e2' },
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(resyncs.map((e) => e.messages.map((m) => m.body))).toEqual([['a', 'b']]);
    expect(caughtUp()).toBe(1);
    expect(reg.cursor('/topic/room.r')).toEqual({ epoch: 'e2', offset: 2 });
    second.subs[0]?.deliver(frame(5, 'e2', { 'parley-gap': '3-4' }));
    await new Promise((r) => setTimeout(r, 0));
    expect(resyncs).toHaveLength(2);
  });
});

describe('SubscriptionRegistry: chat events and header switches', () => {
  function live() {
    const got: string[] = [];
    const events: string[] = [];
    let presence = false;
    let synced = 0;
    const reg = new SubscriptionRegistry({
      history: () => Promise.resolve({ epoch: 'e1', messages: [] }),
      caughtUp: () => undefined,
    });
    const unsubscribed: string[] = [];
    const subs: (Sub & { id: string })[] = [];
    const t: SubscriptionTarget = {
      subscribe(_d, handler, headers = {}, onReceipt) {
        const id = `sub-${subs.length + 1}`;
        subs.push({ id, headers, deliver: handler, ...(onReceipt && { receipt: onReceipt }) });
        return id;
      },
      unsubscribe: (id) => unsubscribed.push(id),
    };
    reg.add('/topic/room.r', {
      decode: (f) => toChatMessage('r', f),
      message: (m) => got.push(m.body),
      resync: () => undefined,
      refused: () => undefined,
      event: (kind, f) => events.push(`${kind}@${f.headers.subscription}`),
      headers: (): Record<string, string> => (presence ? { 'parley-presence': 'true' } : {}),
      synced: () => synced++,
    });
    reg._attach(t);
    return {
      reg,
      subs,
      got,
      events,
      unsubscribed,
      synced: () => synced,
      presence: (on: boolean) => (presence = on),
    };
  }
  const on = (sub: string, f: InboundFrame): InboundFrame => ({
    ...f,
    headers: { ...f.headers, subscription: sub },
  });
  const typing = (sub: string) =>
    on(sub, frame(0, 'e1', { 'parley-kind': 'typing', 'message-id': `t-${sub}` }));

  it('hands other kinds to the event hook, never as messages, and calls synced on the receipt', () => {
    const s = live();
    s.subs[0]?.receipt?.({ ok: true, headers: {} });
    expect(s.synced()).toBe(1);
    s.subs[0]?.deliver(typing('sub-1'));
    s.subs[0]?.deliver(on('sub-1', frame(1, 'e1', { 'parley-kind': 'message' })));
    expect(s.events).toEqual(['typing@sub-1']);
    expect(s.got).toEqual(['m1']);
    expect(s.reg.cursor('/topic/room.r')).toEqual({ epoch: 'e1', offset: 1 });
  });

  it('switches headers on a live subscription: new one first, old one ended on its receipt', () => {
    const s = live();
    s.subs[0]?.receipt?.({ ok: true, headers: {} });
    s.subs[0]?.deliver(on('sub-1', frame(1)));
    s.presence(true);
    s.reg.refresh('/topic/room.r');
    expect(s.subs[1]?.headers).toEqual({
      'parley-since': '1',
      'parley-epoch': 'e1',
      'parley-presence': 'true',
    });
    // Both get everything until the switch: messages de-duplicated, events from the old one.
    s.subs[0]?.deliver(on('sub-1', frame(2)));
    s.subs[1]?.deliver(on('sub-2', frame(2)));
    s.subs[1]?.deliver(
      on('sub-2', frame(0, 'e1', { 'parley-kind': 'presence', 'message-id': 'p' })),
    );
    s.subs[0]?.deliver(typing('sub-1'));
    s.subs[1]?.deliver(typing('sub-2'));
    expect(s.unsubscribed).toEqual([]);
    s.subs[1]?.receipt?.({ ok: true, headers: { 'parley-recovered': 'true' } });
    expect(s.unsubscribed).toEqual(['sub-1']);
    s.subs[0]?.deliver(typing('sub-1')); // in flight before the UNSUBSCRIBE: dropped
    s.subs[1]?.deliver(typing('sub-2'));
    s.subs[1]?.deliver(on('sub-2', frame(3)));
    expect(s.got).toEqual(['m1', 'm2', 'm3']);
    expect(s.events).toEqual(['presence@sub-2', 'typing@sub-1', 'typing@sub-2']);
  });

  it('switches again when the headers change during a switch', () => {
    const s = live();
    s.presence(true);
    s.reg.refresh('/topic/room.r');
    s.presence(false);
    s.reg.refresh('/topic/room.r'); // waits for the first switch
    expect(s.subs).toHaveLength(2);
    s.subs[1]?.receipt?.({ ok: true, headers: {} });
    expect(s.subs).toHaveLength(3);
    expect(s.subs[2]?.headers).toEqual({});
    expect(s.unsubscribed).toEqual(['sub-1']);
    s.reg.refresh('/topic/room.r');
    expect(s.subs).toHaveLength(3); // still switching: one more round after
  });
});
