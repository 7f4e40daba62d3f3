import { describe, expect, it } from 'vitest';
import { AddressSet, addressKey, isLoopback, isLoopbackHost, parseIp } from './ip.js';

describe('parseIp', () => {
  it.each<[string, string | undefined, string?]>([
    ['127.0.0.1', '127.0.0.1', 'ipv4'],
    [' 10.1.2.3 ', '10.1.2.3', 'ipv4'],
    ['10.1.2.3:5678', '10.1.2.3', 'ipv4'],
    ['::1', '::1', 'ipv6'],
    ['[::1]', '::1', 'ipv6'],
    ['[2001:db8::1]:443', '2001:db8::1', 'ipv6'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1', 'ipv6'],
    ['fe80::1%eth0', 'fe80::1', 'ipv6'],
    // uWS on a dual-stack socket reports IPv4 peers as full-length IPv4-mapped IPv6.
    ['0000:0000:0000:0000:0000:ffff:7f00:0001', '127.0.0.1', 'ipv4'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1', 'ipv6'],
    ['::ffff:192.168.1.20', '192.168.1.20', 'ipv4'],
    ['::FFFF:c0a8:0114', '192.168.1.20', 'ipv4'],
    ['', undefined],
    ['unknown', undefined],
    ['1.2.3', undefined],
    ['256.1.1.1', undefined],
    ['1.2.3.4.5', undefined],
    ['_hidden', undefined],
    ['::g', undefined],
  ])('%j → %j', (raw, text, family) => {
    const ip = parseIp(raw);
    expect(ip?.text).toBe(text);
    if (family) expect(ip?.family).toBe(family);
  });
});

describe('addressKey', () => {
  it('is the IPv4 address, or the /64 of an IPv6 address', () => {
    expect(addressKey(parseIp('203.0.113.7')!)).toBe('203.0.113.7');
    expect(addressKey(parseIp('::ffff:203.0.113.7')!)).toBe('203.0.113.7');
    expect(addressKey(parseIp('2001:db8:1:2:aaaa::1')!)).toBe('2001:db8:1:2::/64');
    expect(addressKey(parseIp('2001:db8:1:2:bbbb::9')!)).toBe('2001:db8:1:2::/64');
    expect(addressKey(parseIp('2001:db8::1')!)).toBe('2001:db8:0:0::/64');
    expect(addressKey(parseIp('::1')!)).toBe('0:0:0:0::/64');
  });
});

describe('loopback', () => {
  it('knows loopback addresses and hosts', () => {
    expect(isLoopback(parseIp('127.0.0.1')!)).toBe(true);
    expect(isLoopback(parseIp('127.9.9.9')!)).toBe(true);
    expect(isLoopback(parseIp('0000:0000:0000:0000:0000:ffff:7f00:0001')!)).toBe(true);
    expect(isLoopback(parseIp('::1')!)).toBe(true);
    expect(isLoopback(parseIp('10.0.0.1')!)).toBe(false);
    expect(isLoopback(parseIp('::2')!)).toBe(false);
    for (const h of ['127.0.0.1', '::1', '[::1]', 'localhost', 'LOCALHOST'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'example.com'])
      expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe('AddressSet', () => {
  const set = new AddressSet([
    '10.0.0.0/8',
    '192.168.1.5',
    'fd00::/8',
    '::1',
    '::ffff:172.16.0.0/108',
  ]);

  it.each<[string, boolean]>([
    ['10.200.1.1', true],
    ['11.0.0.1', false],
    ['192.168.1.5', true],
    ['192.168.1.6', false],
    ['0000:0000:0000:0000:0000:ffff:0a00:0001', true],
    ['::ffff:192.168.1.5', true],
    ['fd12:3456::1', true],
    ['fe80::1', false],
    ['::1', true],
    ['172.16.5.5', true],
    ['172.32.0.1', false],
  ])('%s → %s', (addr, inside) => {
    expect(set.has(parseIp(addr)!)).toBe(inside);
  });

  it('is empty with no entries', () => {
    expect(new AddressSet([]).has(parseIp('127.0.0.1')!)).toBe(false);
  });

  it.each(['10.0.0.0/33', 'fd00::/129', 'nope', '10.0.0.0/8/1', '10.0.0.0/x', '::ffff:1.2.3.4/95'])(
    'refuses %j',
    (entry) => {
      expect(() => new AddressSet([entry])).toThrow(entry);
    },
  );
});
