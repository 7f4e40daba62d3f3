import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { stopOnSignals } from './signals.js';

const silent = pino({ level: 'silent' });

describe('stopOnSignals', () => {
  it('drains over the window on the first signal and ends at once on the second', async () => {
    const calls: number[] = [];
    let finish = (): void => undefined;
    const finished = new Promise<void>((r) => (finish = r));
    const relay = {
      sessions: 3,
      drain(windowMs: number) {
        calls.push(windowMs);
        return finished;
      },
    };
    const signals = new EventEmitter();
    let stopped = false;
    const done = stopOnSignals(relay, 10_000, silent, signals).then(() => (stopped = true));
    signals.emit('SIGTERM');
    expect(calls).toEqual([10_000]);
    signals.emit('SIGINT');
    expect(calls).toEqual([10_000, 0]);
    await Promise.resolve();
    expect(stopped).toBe(false);
    finish();
    await done;
    expect(stopped).toBe(true);
  });

  it('resolves even when the drain fails (the process still exits)', async () => {
    const signals = new EventEmitter();
    const relay = { sessions: 0, drain: () => Promise.reject(new Error('broker close failed')) };
    const done = stopOnSignals(relay, 0, silent, signals);
    signals.emit('SIGINT');
    await expect(done).resolves.toBeUndefined();
  });
});
