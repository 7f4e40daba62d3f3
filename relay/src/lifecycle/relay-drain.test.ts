import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RelayDrain } from './relay-drain.js';
import type { Drainable } from './drain.js';

const silent = pino({ level: 'silent' });

describe('RelayDrain', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(n: number) {
    const live = new Set<Drainable>();
    let open = n;
    const steps: string[] = [];
    for (let i = 0; i < n; i++) {
      const c: Drainable = {
        idle: true,
        shutdown: () => {
          live.delete(c);
          // The socket closes a little after the ERROR.
          setTimeout(() => open--, 5);
        },
      };
      live.add(c);
    }
    const drain = new RelayDrain({
      live: () => live,
      openSockets: () => open,
      log: silent,
      begin: () => steps.push('begin'),
      release: () => {
        steps.push(`release with ${open} open`);
        return Promise.resolve();
      },
    });
    return { live, drain, steps };
  }

  it('refuses with Retry-After only while draining, releases after the sockets close', async () => {
    const { live, drain, steps } = setup(20);
    expect(drain.retryAfter()).toBeUndefined();
    const done = drain.run(1000);
    expect(drain.draining).toBe(true);
    expect(drain.retryAfter()).toBe(1);
    expect(steps).toEqual(['begin']);
    await vi.advanceTimersByTimeAsync(500);
    expect(live.size).toBeGreaterThan(0);
    expect(live.size).toBeLessThan(20);
    await vi.advanceTimersByTimeAsync(600);
    await done;
    expect(live.size).toBe(0);
    expect(steps).toEqual(['begin', 'release with 0 open']);
  });

  it('a second run hurries the first and returns the same promise', async () => {
    const { live, drain } = setup(10);
    const first = drain.run(60_000);
    await vi.advanceTimersByTimeAsync(100);
    const second = drain.run(0);
    expect(live.size).toBe(0);
    expect(second).toBe(first);
    await vi.advanceTimersByTimeAsync(100);
    await first;
  });
});
