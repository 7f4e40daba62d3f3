import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BrokerMessage } from '../broker/broker.js';
import type { Gap, GapReason } from './gap.js';
import { Sequencer } from './sequencer.js';
import type { GapPage, SequencerLimits } from './sequencer.js';

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

const range = (from: number, to: number, epoch = 'e1'): BrokerMessage[] =>
  Array.from({ length: to - from + 1 }, (_, i) => msg(from + i, epoch));

/** What a subscriber sees: `<offset>`, or `<offset>[gap from-to]` when the message is marked. */
const seen = (m: BrokerMessage): string =>
  m.gap ? `${m.offset}[gap ${m.gap.from}-${m.gap.to}]` : String(m.offset);

interface Harness {
  seq: Sequencer;
  /** Emitted messages, as {@link seen} writes them. */
  out: string[];
  /** Every history read, as [after, before]. */
  reads: Array<[number, number | undefined]>;
  gaps: Array<{ gap: Gap; reason: GapReason }>;
  errors: unknown[];
  /** What history holds now, and its epoch. */
  history: { messages: BrokerMessage[]; epoch: string };
  /** Reads fail while this is > 0 (and decrement it); `Infinity` = until reset. */
  failing: { count: number };
  /** Hold every read until `release()`. */
  gate: { hold: boolean };
  release(): void;
  /** Messages per page (like the hub's page limit). */
  pageSize: { n: number };
}

function setup(
  history: BrokerMessage[] = [],
  epoch = 'e1',
  limits: Partial<SequencerLimits> = {},
): Harness {
  const h = {
    out: [] as string[],
    reads: [] as Array<[number, number | undefined]>,
    gaps: [] as Array<{ gap: Gap; reason: GapReason }>,
    errors: [] as unknown[],
    history: { messages: history, epoch },
    failing: { count: 0 },
    gate: { hold: false },
    pageSize: { n: 1000 },
    pending: [] as Array<() => void>,
  };
  const seq = new Sequencer(
    (after, before) => {
      h.reads.push([after, before]);
      if (h.failing.count > 0) {
        h.failing.count--;
        return Promise.reject(new Error('Redis is unavailable'));
      }
      const messages = h.history.messages
        .filter((m) => m.offset > after && (before === undefined || m.offset < before))
        .slice(0, h.pageSize.n);
      const page: GapPage = { messages, epoch: h.history.epoch };
      if (!h.gate.hold) return Promise.resolve(page);
      return new Promise<GapPage>((r) => h.pending.push(() => r(page)));
    },
    (m) => h.out.push(seen(m)),
    {
      onError: (err) => h.errors.push(err),
      onGap: (gap, reason) => h.gaps.push({ gap, reason }),
    },
    limits,
  );
  return {
    ...h,
    seq,
    release: () => {
      for (const r of h.pending.splice(0)) r();
    },
  };
}

/** Lets every settled promise run its callbacks (works with fake timers too). */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

afterEach(() => {
  vi.useRealTimers();
});

describe('Sequencer', () => {
  it('passes an in-order stream through and drops duplicates', () => {
    const { seq, out, reads } = setup();
    for (const o of [5, 6, 6, 7, 5, 8]) seq.push(msg(o));
    expect(out).toEqual(['5', '6', '7', '8']);
    expect(reads).toEqual([]);
  });

  it('fills a gap from history before emitting what came after it', async () => {
    const { seq, out, reads, gate, release } = setup([3, 4, 5, 6].map((o) => msg(o)));
    seq.push(msg(2));
    gate.hold = true;
    seq.push(msg(6));
    seq.push(msg(7));
    seq.push(msg(0)); // ephemeral: never held
    expect(out).toEqual(['2', '0']);
    release();
    await flush();
    expect(reads).toEqual([[2, 6]]);
    expect(out).toEqual(['2', '0', '3', '4', '5', '6', '7']);
  });

  it('marks a gap that history no longer has on the message after it, once', async () => {
    const { seq, out, reads, gaps } = setup([msg(9)]);
    seq.push(msg(2));
    seq.push(msg(9));
    await flush();
    expect(out).toEqual(['2', '9[gap 3-8]']);
    expect(reads).toEqual([[2, 9]]);
    expect(gaps).toEqual([{ gap: { epoch: 'e1', from: 3, to: 8 }, reason: 'not-in-history' }]);
    seq.push(msg(10));
    expect(out).toEqual(['2', '9[gap 3-8]', '10']);
  });

  it('marks the first message history still has when the start of the gap was trimmed', async () => {
    const { seq, out } = setup(range(6, 9));
    seq.push(msg(2));
    seq.push(msg(10));
    await flush();
    expect(out).toEqual(['2', '6[gap 3-5]', '7', '8', '9', '10']);
  });

  it('restarts the count on a new epoch', () => {
    const { seq, out, reads } = setup();
    seq.push(msg(7, 'e1'));
    seq.push(msg(1, 'e2'));
    seq.push(msg(2, 'e2'));
    expect(out).toEqual(['7', '1', '2']);
    expect(reads).toEqual([]);
  });

  it('reads the start of a new epoch from history when its first live message is not offset 1', async () => {
    const { seq, out, reads } = setup(range(1, 3, 'e2'), 'e2');
    seq.push(msg(7, 'e1'));
    seq.push(msg(3, 'e2'));
    await flush();
    expect(reads).toEqual([[0, 3]]);
    expect(out).toEqual(['7', '1', '2', '3']);
  });

  it('reads a large gap page by page', async () => {
    const { seq, out, reads, pageSize } = setup(range(1, 12));
    pageSize.n = 5; // 2..6, then 7..11
    seq.push(msg(1));
    seq.push(msg(12));
    await flush();
    expect(reads).toEqual([
      [1, 12],
      [6, 12],
    ]);
    expect(out).toEqual(range(1, 12).map((m) => String(m.offset)));
  });

  it('gives up on a gap larger than one fill reads, and says so', async () => {
    const { seq, out, gaps, pageSize } = setup(range(1, 20), 'e1', { maxFill: 4 });
    pageSize.n = 2;
    seq.push(msg(1));
    seq.push(msg(20));
    await flush();
    expect(out).toEqual(['1', '2', '3', '4', '5', '20[gap 6-19]']);
    expect(gaps.map((g) => g.reason)).toEqual(['fill-limit']);
  });

  it('resync after history started over replays the new epoch from its start', async () => {
    const { seq, out, reads, history } = setup(range(1, 2, 'e2'), 'e1');
    seq.push(msg(9, 'e1'));
    history.epoch = 'e2';
    seq.resync();
    await flush();
    expect(reads).toEqual([
      [9, undefined],
      [0, undefined],
      [2, undefined],
    ]);
    expect(out).toEqual(['9', '1', '2']);
    seq.push(msg(3, 'e2'));
    expect(out).toEqual(['9', '1', '2', '3']);
  });

  it('resync emits what was published while the feed was down', async () => {
    const { seq, out, reads } = setup([4, 5].map((o) => msg(o)));
    seq.push(msg(3));
    seq.resync();
    await flush();
    expect(reads).toEqual([
      [3, undefined],
      [5, undefined],
    ]);
    expect(out).toEqual(['3', '4', '5']);
    seq.push(msg(5));
    seq.push(msg(6));
    expect(out).toEqual(['3', '4', '5', '6']);
  });

  describe('when history cannot be read (issue 9: the Redis restart race)', () => {
    it('a failed read at the start of a new epoch holds the live messages, retries, then delivers everything once, in order', async () => {
      vi.useFakeTimers();
      // The subscriber connection is back, the command connection is not: the first live
      // message of the new epoch is offset 8, and reading 1..7 fails.
      const h = setup(range(1, 10, 'e2'), 'e2');
      h.seq.push(msg(41, 'e1'));
      h.failing.count = Infinity;
      h.seq.push(msg(8, 'e2'));
      await flush();
      h.seq.push(msg(9, 'e2'));
      h.seq.push(msg(0, 'e2')); // ephemeral: still passes
      expect(h.out).toEqual(['41', '0']); // not released over the gap
      expect(h.seq.holding).toBe(2);
      expect(h.errors).toHaveLength(1);

      // Retries back off: 100, 200, 400 ms… and keep holding while they fail.
      await vi.advanceTimersByTimeAsync(100);
      await vi.advanceTimersByTimeAsync(200);
      await vi.advanceTimersByTimeAsync(400);
      expect(h.reads).toEqual([
        [0, 8],
        [0, 8],
        [0, 8],
        [0, 8],
      ]);
      expect(h.out).toEqual(['41', '0']);
      expect(h.errors).toHaveLength(1); // reported once per fill, not per retry

      // The command connection is back: the next retry succeeds.
      h.failing.count = 0;
      await vi.advanceTimersByTimeAsync(800);
      expect(h.out).toEqual(['41', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      expect(h.gaps).toEqual([]);
      expect(h.seq.holding).toBe(0);

      // Live again: in order, no duplicate, no more reads or timers.
      h.seq.push(msg(9, 'e2'));
      h.seq.push(msg(10, 'e2'));
      expect(h.out.slice(-1)).toEqual(['10']);
      expect(h.out.filter((o) => o === '9')).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('resync retries at once instead of waiting for the backoff, and then reads to the end', async () => {
      vi.useFakeTimers();
      const h = setup(range(1, 12, 'e2'), 'e2');
      h.seq.push(msg(41, 'e1'));
      h.failing.count = 3;
      h.seq.push(msg(8, 'e2'));
      await vi.advanceTimersByTimeAsync(100 + 200);
      expect(h.reads).toHaveLength(3);
      expect(h.out).toEqual(['41']);
      // The broker reports it is back (next retry would be in 400 ms).
      h.seq.resync();
      await flush();
      expect(h.out).toEqual(['41', ...range(1, 12).map((m) => String(m.offset))]);
      expect(h.reads.slice(3)).toEqual([
        [0, 8],
        [8, undefined],
        [12, undefined],
      ]);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('a read that fails during a resync is retried too', async () => {
      vi.useFakeTimers();
      const h = setup([4, 5].map((o) => msg(o)));
      h.seq.push(msg(3));
      h.failing.count = 2;
      h.seq.resync();
      await vi.advanceTimersByTimeAsync(100 + 200);
      expect(h.out).toEqual(['3', '4', '5']);
    });

    it('past the hold time, delivers what it held in order, the first marked with the gap', async () => {
      vi.useFakeTimers();
      const h = setup(range(1, 9, 'e2'), 'e2', { maxHoldMs: 5000 });
      h.seq.push(msg(41, 'e1'));
      h.failing.count = Infinity;
      h.seq.push(msg(8, 'e2'));
      h.seq.push(msg(9, 'e2'));
      await vi.advanceTimersByTimeAsync(4999);
      expect(h.out).toEqual(['41']);
      await vi.advanceTimersByTimeAsync(1);
      expect(h.out).toEqual(['41', '8[gap 1-7]', '9']);
      expect(h.gaps).toEqual([{ gap: { epoch: 'e2', from: 1, to: 7 }, reason: 'hold-timeout' }]);
      expect(vi.getTimerCount()).toBe(0);
      // Nothing is delivered twice when history comes back.
      h.failing.count = 0;
      h.seq.resync();
      await flush();
      expect(h.out).toEqual(['41', '8[gap 1-7]', '9']);
    });

    it('past the hold limit, delivers what it held in order, the first marked with the gap', async () => {
      vi.useFakeTimers();
      const h = setup([], 'e2', { maxHeld: 3 });
      h.seq.push(msg(41, 'e1'));
      h.failing.count = Infinity;
      for (const o of [8, 9, 10]) h.seq.push(msg(o, 'e2'));
      expect(h.out).toEqual(['41']);
      h.seq.push(msg(11, 'e2'));
      expect(h.out).toEqual(['41', '8[gap 1-7]', '9', '10', '11']);
      expect(h.gaps.map((g) => g.reason)).toEqual(['hold-limit']);
      h.seq.push(msg(12, 'e2'));
      expect(h.out.at(-1)).toBe('12');
      expect(vi.getTimerCount()).toBe(0);
    });

    it('an epoch whose history is gone: held messages of it go out with the gap marked', async () => {
      vi.useFakeTimers();
      // Held e2 messages after a gap, and by the time history answers it is at e3.
      const h = setup(range(1, 2, 'e3'), 'e3');
      h.seq.push(msg(41, 'e1'));
      h.failing.count = 1;
      h.seq.push(msg(8, 'e2'));
      h.seq.push(msg(1, 'e3'));
      h.seq.push(msg(2, 'e3'));
      await vi.advanceTimersByTimeAsync(100);
      expect(h.out).toEqual(['41', '8[gap 1-7]', '1', '2']);
      expect(h.gaps).toEqual([{ gap: { epoch: 'e2', from: 1, to: 7 }, reason: 'not-in-history' }]);
    });

    it('close stops the retries', async () => {
      vi.useFakeTimers();
      const h = setup([], 'e2');
      h.seq.push(msg(41, 'e1'));
      h.failing.count = Infinity;
      h.seq.push(msg(8, 'e2'));
      await flush();
      h.seq.close();
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
