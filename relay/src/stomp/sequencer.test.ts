import { describe, expect, it } from 'vitest';
import type { BrokerMessage } from '../broker/broker.js';
import { Sequencer } from './sequencer.js';

const msg = (offset: number, epoch = 'e1'): BrokerMessage => ({
  destination: '/topic/t',
  body: new Uint8Array(),
  headers: [],
  sender: 'a',
  id: `${epoch}-${offset}`,
  offset,
  epoch,
  timestamp: 0,
});

function setup(history: BrokerMessage[] = [], epoch = 'e1') {
  const out: number[] = [];
  const reads: Array<[number, number | undefined]> = [];
  let release: () => void = () => undefined;
  const gate = { hold: false };
  const state = { epoch };
  type Page = { messages: BrokerMessage[]; epoch: string };
  const seq = new Sequencer(
    (after, before) => {
      reads.push([after, before]);
      const messages = history.filter(
        (m) => m.offset > after && (before === undefined || m.offset < before),
      );
      const page: Page = { messages, epoch: state.epoch };
      if (!gate.hold) return Promise.resolve(page);
      return new Promise<Page>((r) => (release = () => r(page)));
    },
    (m) => out.push(m.offset),
  );
  return { seq, out, reads, gate, state, release: () => release() };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Sequencer', () => {
  it('passes an in-order stream through and drops duplicates', () => {
    const { seq, out, reads } = setup();
    for (const o of [5, 6, 6, 7, 5, 8]) seq.push(msg(o));
    expect(out).toEqual([5, 6, 7, 8]);
    expect(reads).toEqual([]);
  });

  it('fills a gap from history before emitting what came after it', async () => {
    const { seq, out, reads, gate, release } = setup([3, 4, 5, 6].map((o) => msg(o)));
    seq.push(msg(2));
    gate.hold = true;
    seq.push(msg(6));
    seq.push(msg(7));
    seq.push(msg(0)); // ephemeral: never held
    expect(out).toEqual([2, 0]);
    release();
    await flush();
    expect(reads).toEqual([[2, 6]]);
    expect(out).toEqual([2, 0, 3, 4, 5, 6, 7]);
  });

  it('accepts a gap that history no longer has, once', async () => {
    const { seq, out, reads } = setup([msg(9)]);
    seq.push(msg(2));
    seq.push(msg(9));
    await flush();
    expect(out).toEqual([2, 9]);
    expect(reads).toEqual([[2, 9]]);
    seq.push(msg(10));
    expect(out).toEqual([2, 9, 10]);
  });

  it('restarts the count on a new epoch', () => {
    const { seq, out, reads } = setup();
    seq.push(msg(7, 'e1'));
    seq.push(msg(1, 'e2'));
    seq.push(msg(2, 'e2'));
    expect(out).toEqual([7, 1, 2]);
    expect(reads).toEqual([]);
  });

  it('reads the start of a new epoch from history when its first live message is not offset 1', async () => {
    const { seq, out, reads } = setup(
      [1, 2, 3].map((o) => msg(o, 'e2')),
      'e2',
    );
    seq.push(msg(7, 'e1'));
    seq.push(msg(3, 'e2'));
    await flush();
    expect(reads).toEqual([[0, 3]]);
    expect(out).toEqual([7, 1, 2, 3]);
  });

  it('resync after history started over replays the new epoch from its start', async () => {
    const { seq, out, reads, state } = setup(
      [1, 2].map((o) => msg(o, 'e2')),
      'e1',
    );
    seq.push(msg(9, 'e1'));
    state.epoch = 'e2';
    seq.resync();
    await flush();
    await flush();
    expect(reads).toEqual([
      [9, undefined],
      [0, undefined],
    ]);
    expect(out).toEqual([9, 1, 2]);
    seq.push(msg(3, 'e2'));
    expect(out).toEqual([9, 1, 2, 3]);
  });

  it('resync emits what was published while the feed was down', async () => {
    const { seq, out, reads } = setup([4, 5].map((o) => msg(o)));
    seq.push(msg(3));
    seq.resync();
    await flush();
    expect(reads).toEqual([[3, undefined]]);
    expect(out).toEqual([3, 4, 5]);
    seq.push(msg(5));
    seq.push(msg(6));
    expect(out).toEqual([3, 4, 5, 6]);
  });
});
