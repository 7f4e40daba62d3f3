import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DrainScheduler, dueCount, reconnectHintMs } from './drain.js';
import type { Drainable } from './drain.js';

/** A fake connection that leaves `live` when shut down and records when and with what hint. */
class FakeConnection implements Drainable {
  idle = true;
  endedAt?: number;
  hint?: number;
  constructor(private readonly live: Set<FakeConnection>) {
    live.add(this);
  }
  shutdown(reconnectAfterMs?: number): void {
    this.endedAt = Date.now();
    this.hint = reconnectAfterMs;
    this.live.delete(this);
  }
}

function connections(n: number): { live: Set<FakeConnection>; all: FakeConnection[] } {
  const live = new Set<FakeConnection>();
  const all = Array.from({ length: n }, () => new FakeConnection(live));
  return { live, all };
}

describe('dueCount', () => {
  it('is a straight line from 0 to the total over the window', () => {
    expect(dueCount(300, 0, 3000)).toBe(0);
    expect(dueCount(300, 1000, 3000)).toBe(100);
    expect(dueCount(300, 1500, 3000)).toBe(150);
    expect(dueCount(300, 2999, 3000)).toBe(300);
    expect(dueCount(300, 3000, 3000)).toBe(300);
    expect(dueCount(300, 5, 0)).toBe(300);
  });
});

describe('reconnectHintMs', () => {
  it('is absent for an all-at-once drain and bounded otherwise', () => {
    expect(reconnectHintMs(0)).toBeUndefined();
    expect(reconnectHintMs(500)).toBe(500);
    expect(reconnectHintMs(10_000)).toBe(2000);
  });
});

describe('DrainScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('ends everything at once with a window of 0, without a hint', async () => {
    const { live, all } = connections(50);
    const drain = new DrainScheduler(() => live, { windowMs: 0 });
    await drain.start();
    expect(live.size).toBe(0);
    expect(drain.ended).toBe(50);
    expect(all.every((c) => c.endedAt === 1_000_000 && c.hint === undefined)).toBe(true);
  });

  it('spreads the ends evenly over the window, a third in each third', async () => {
    const { live, all } = connections(300);
    const drain = new DrainScheduler(() => live, { windowMs: 3000, tickMs: 50 });
    let done = false;
    void drain.start().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(300 - live.size).toBe(100);
    await vi.advanceTimersByTimeAsync(1000);
    expect(300 - live.size).toBe(200);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(live.size).toBe(0);
    expect(done).toBe(true);
    const thirds = [0, 0, 0];
    for (const c of all) thirds[Math.min(2, Math.floor((c.endedAt! - 1_000_000 - 1) / 1000))]!++;
    expect(thirds).toEqual([100, 100, 100]);
    // No tick ends more than its share (300 over 60 ticks: 5 each).
    const perTick = new Map<number, number>();
    for (const c of all) perTick.set(c.endedAt!, (perTick.get(c.endedAt!) ?? 0) + 1);
    expect(Math.max(...perTick.values())).toBe(5);
    expect(all.every((c) => c.hint === 2000)).toBe(true);
  });

  it('waits for a busy connection to finish what is in flight, up to flushWaitMs', async () => {
    const { live, all } = connections(2);
    const busy = all[0]!;
    const stuck = all[1]!;
    busy.idle = false;
    stuck.idle = false;
    const drain = new DrainScheduler(() => live, { windowMs: 0, tickMs: 10, flushWaitMs: 500 });
    const finished = drain.start();
    expect(live.size).toBe(2);
    await vi.advanceTimersByTimeAsync(100);
    busy.idle = true;
    await vi.advanceTimersByTimeAsync(10);
    expect(busy.endedAt).toBe(1_000_110);
    expect(stuck.endedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(500);
    expect(stuck.endedAt).toBeDefined();
    expect(stuck.endedAt! - 1_000_000).toBeGreaterThanOrEqual(500);
    await finished;
  });

  it('ends connections that appear during the drain, and everything once the window is over', async () => {
    const { live } = connections(10);
    const drain = new DrainScheduler(() => live, { windowMs: 1000, tickMs: 50 });
    const finished = drain.start();
    await vi.advanceTimersByTimeAsync(500);
    const late = new FakeConnection(live);
    await vi.advanceTimersByTimeAsync(550);
    expect(late.endedAt).toBeDefined();
    await finished;
    expect(drain.ended).toBe(11);
  });

  it('hurry() ends the rest at the next moment (a second signal)', async () => {
    const { live, all } = connections(100);
    const drain = new DrainScheduler(() => live, { windowMs: 10_000, tickMs: 50 });
    const finished = drain.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(live.size).toBe(90);
    drain.hurry();
    expect(live.size).toBe(0);
    await finished;
    expect(all.filter((c) => c.endedAt === 1_001_000)).toHaveLength(90);
  });

  it('never counts a connection twice when it lingers after shutdown', async () => {
    const lingering: Drainable & { calls: number } = {
      idle: true,
      calls: 0,
      shutdown() {
        this.calls++;
      },
    };
    const drain = new DrainScheduler(() => [lingering], { windowMs: 0 });
    await drain.start();
    expect(lingering.calls).toBe(1);
    expect(drain.ended).toBe(1);
  });

  it('resolves at once with nothing to drain', async () => {
    await new DrainScheduler(() => [], { windowMs: 10_000 }).start();
  });
});

describe('DrainScheduler after a stall', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('catches up at twice the even rate, not in one burst, and still finishes', async () => {
    const { live, all } = connections(200);
    const drain = new DrainScheduler(() => live, { windowMs: 2000, tickMs: 50 });
    const finished = drain.start();
    await vi.advanceTimersByTimeAsync(500);
    expect(200 - live.size).toBe(50);
    // The event loop stalls for 600 ms: the clock moves, no tick runs.
    vi.setSystemTime(Date.now() + 600);
    await vi.advanceTimersByTimeAsync(50);
    // 60 more are overdue; one tick ends at most 2 × 5.
    expect(200 - live.size).toBe(60);
    await vi.advanceTimersByTimeAsync(3000);
    await finished;
    const perTick = new Map<number, number>();
    for (const c of all) perTick.set(c.endedAt!, (perTick.get(c.endedAt!) ?? 0) + 1);
    expect(Math.max(...perTick.values())).toBeLessThanOrEqual(10);
  });

  it('ends everything left at 1.5 × the window', async () => {
    const { live } = connections(100);
    const drain = new DrainScheduler(() => live, { windowMs: 1000, tickMs: 50 });
    const finished = drain.start();
    vi.setSystemTime(Date.now() + 1500);
    await vi.advanceTimersByTimeAsync(50);
    expect(live.size).toBe(0);
    await finished;
  });
});
