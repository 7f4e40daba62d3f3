import { TickerStrategy } from '@stomp/stompjs';
import { describe, expect, it } from 'vitest';
import { LinkWatchdog, blobWorkersWork, incomingPeriod, tickerStrategy } from './heartbeat.js';

describe('LinkWatchdog', () => {
  it('says dead after two periods and a second of silence', () => {
    const w = new LinkWatchdog(1000, 0);
    expect(w.tick(1000)).toBe(false);
    expect(w.tick(2000)).toBe(false);
    expect(w.tick(3000)).toBe(false);
    expect(w.tick(4000)).toBe(true);
    w.activity(4000);
    expect(w.tick(5000)).toBe(false);
  });

  it('is lenient after its own timer was throttled for a long time', () => {
    const w = new LinkWatchdog(1000, 0);
    // The tab slept for a minute: nothing arrived, but the timer did not run either.
    expect(w.tick(60_000)).toBe(false);
    expect(w.tick(61_000)).toBe(false);
    w.activity(61_500);
    expect(w.tick(62_000)).toBe(false);
    // Still silent well after the grace period: dead.
    expect(w.tick(63_000)).toBe(false);
    expect(w.tick(64_600)).toBe(true);
  });

  it('grants one more period when the page shows again after a quiet spell', () => {
    const w = new LinkWatchdog(1000, 0);
    expect(w.check(10_000)).toBe(false);
    expect(w.tick(10_500)).toBe(false);
    expect(w.tick(11_500)).toBe(false);
    expect(w.tick(12_600)).toBe(true);
  });

  it('never judges without heart-beats', () => {
    const w = new LinkWatchdog(0, 0);
    expect(w.tick(1e9)).toBe(false);
  });
});

describe('heart-beat settings', () => {
  it('takes max(ours, theirs) and 0 when either side is off', () => {
    expect(incomingPeriod(10_000, '5000,5000')).toBe(10_000);
    expect(incomingPeriod(10_000, '20000,0')).toBe(20_000);
    expect(incomingPeriod(10_000, '0,10000')).toBe(0);
    expect(incomingPeriod(0, '10000,10000')).toBe(0);
    expect(incomingPeriod(10_000, undefined)).toBe(0);
  });

  it('uses a Worker only where one can be made from a blob: URL (strict CSP falls back)', () => {
    class OkWorker {
      terminate() {}
    }
    class CspWorker {
      constructor() {
        throw new Error('SecurityError: worker-src blocked');
      }
    }
    const base = {
      Blob: class {},
      URL: { createObjectURL: () => 'blob:x', revokeObjectURL: () => {} },
    };
    expect(blobWorkersWork({ ...base, Worker: OkWorker })).toBe(true);
    expect(blobWorkersWork({ ...base, Worker: CspWorker })).toBe(false);
    expect(blobWorkersWork({})).toBe(false);
    expect(tickerStrategy('auto', { ...base, Worker: OkWorker })).toBe(TickerStrategy.Worker);
    expect(tickerStrategy('auto', { ...base, Worker: CspWorker })).toBe(TickerStrategy.Interval);
    expect(tickerStrategy('interval', { ...base, Worker: OkWorker })).toBe(TickerStrategy.Interval);
  });
});
