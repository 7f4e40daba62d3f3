import { describe, expect, it } from 'vitest';
import { AddressLimiter } from './address-limiter.js';
import { ConnectionGate } from './connection-gate.js';
import { AddressSet } from './ip.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('AddressLimiter', () => {
  it('caps open connections per address; closing one frees a place', () => {
    const c = clock();
    const l = new AddressLimiter(
      { maxPerAddress: 2, ratePerAddress: 0, burstPerAddress: 1 },
      c.now,
    );
    expect(l.admit('a')).toBeUndefined();
    expect(l.admit('a')).toBeUndefined();
    expect(l.admit('a')).toBe('per-ip-limit');
    expect(l.admit('b')).toBeUndefined();
    l.release('a');
    expect(l.admit('a')).toBeUndefined();
    expect(l.openFor('a')).toBe(2);
  });

  it('limits the rate of new connections with a burst, refilling over time', () => {
    const c = clock();
    const l = new AddressLimiter(
      { maxPerAddress: 0, ratePerAddress: 2, burstPerAddress: 3 },
      c.now,
    );
    for (let i = 0; i < 3; i++) expect(l.admit('a')).toBeUndefined();
    expect(l.admit('a')).toBe('per-ip-rate');
    expect(l.admit('b')).toBeUndefined();
    c.advance(499);
    expect(l.admit('a')).toBe('per-ip-rate');
    c.advance(1);
    expect(l.admit('a')).toBeUndefined();
    expect(l.admit('a')).toBe('per-ip-rate');
  });

  it('refuses over the cap without spending a rate token', () => {
    const c = clock();
    const l = new AddressLimiter(
      { maxPerAddress: 1, ratePerAddress: 1, burstPerAddress: 2 },
      c.now,
    );
    expect(l.admit('a')).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(l.admit('a')).toBe('per-ip-limit');
    l.release('a');
    expect(l.admit('a')).toBeUndefined();
  });

  it('with every limit 0 admits everything', () => {
    const l = new AddressLimiter({ maxPerAddress: 0, ratePerAddress: 0, burstPerAddress: 1 });
    for (let i = 0; i < 10_000; i++) expect(l.admit('a')).toBeUndefined();
  });

  it('forgets idle addresses once their bucket has refilled, never open ones', () => {
    const c = clock();
    const l = new AddressLimiter(
      { maxPerAddress: 5, ratePerAddress: 10, burstPerAddress: 20 },
      c.now,
    );
    l.admit('idle');
    l.release('idle');
    l.admit('busy');
    l.sweep();
    expect(l.size).toBe(2);
    c.advance(2000);
    l.sweep();
    expect(l.size).toBe(1);
    expect(l.openFor('busy')).toBe(1);
    l.release('release-of-unknown-is-harmless');
    expect(l.size).toBe(1);
  });
});

describe('ConnectionGate', () => {
  const limits = { maxPerAddress: 1, ratePerAddress: 0, burstPerAddress: 1 };

  it('counts clients behind a trusted proxy separately, by their forwarded address', () => {
    const gate = new ConnectionGate(limits, new AddressSet(['10.0.0.1']));
    const via = (xff: string) => gate.admit('10.0.0.1', () => ({ forwardedFor: xff, realIp: '' }));
    expect(via('198.51.100.1')).toEqual({ admitted: true, key: '198.51.100.1' });
    expect(via('198.51.100.2')).toEqual({ admitted: true, key: '198.51.100.2' });
    const refused = via('1.2.3.4, 198.51.100.1');
    expect(refused).toMatchObject({
      admitted: false,
      reason: 'per-ip-limit',
      status: '429 Too Many Requests',
    });
    expect(refused.admitted === false && refused.message).toMatch(
      /^per-ip-limit: 198\.51\.100\.1 /,
    );
    gate.release('198.51.100.1');
    expect(via('198.51.100.1').admitted).toBe(true);
  });

  it('ignores forwarding headers from an untrusted peer', () => {
    const gate = new ConnectionGate(limits, new AddressSet([]));
    const from = (xff: string) =>
      gate.admit('0000:0000:0000:0000:0000:ffff:cb00:7109', () => ({
        forwardedFor: xff,
        realIp: '',
      }));
    expect(from('1.1.1.1')).toEqual({ admitted: true, key: '203.0.113.9' });
    expect(from('2.2.2.2')).toMatchObject({ admitted: false, reason: 'per-ip-limit' });
  });

  it('says per-ip-rate with Retry-After 1 when the rate is exceeded', () => {
    const c = clock();
    const gate = new ConnectionGate(
      { maxPerAddress: 0, ratePerAddress: 5, burstPerAddress: 1 },
      new AddressSet([]),
      c.now,
    );
    const h = () => ({ forwardedFor: '', realIp: '' });
    expect(gate.admit('127.0.0.1', h).admitted).toBe(true);
    expect(gate.admit('127.0.0.1', h)).toMatchObject({
      admitted: false,
      reason: 'per-ip-rate',
      retryAfter: 1,
    });
    c.advance(200);
    expect(gate.admit('127.0.0.1', h).admitted).toBe(true);
  });
});
