import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-address.js';
import { AddressSet } from './ip.js';

const proxies = new AddressSet(['10.0.0.0/8', '::1']);
const none = new AddressSet([]);

function client(
  peer: string,
  forwardedFor = '',
  realIp = '',
  trusted = proxies,
): string | undefined {
  return clientAddress(peer, () => ({ forwardedFor, realIp }), trusted)?.text;
}

describe('clientAddress', () => {
  it('is the peer when no proxy is trusted, whatever the headers say', () => {
    expect(client('203.0.113.9', '1.1.1.1', '2.2.2.2', none)).toBe('203.0.113.9');
  });

  it('is the peer when the peer is not a trusted proxy', () => {
    expect(client('203.0.113.9', '1.1.1.1', '2.2.2.2')).toBe('203.0.113.9');
  });

  it('does not read the headers of an untrusted peer', () => {
    let read = false;
    clientAddress(
      '203.0.113.9',
      () => {
        read = true;
        return { forwardedFor: '1.1.1.1', realIp: '' };
      },
      proxies,
    );
    expect(read).toBe(false);
  });

  it('takes the rightmost untrusted hop of X-Forwarded-For', () => {
    expect(client('10.0.0.2', '198.51.100.4')).toBe('198.51.100.4');
    // The client wrote "6.6.6.6" itself; the proxy appended what it saw.
    expect(client('10.0.0.2', '6.6.6.6, 198.51.100.4')).toBe('198.51.100.4');
    // Two proxies: skip the inner trusted hop.
    expect(client('10.0.0.2', '6.6.6.6, 198.51.100.4, 10.0.0.3')).toBe('198.51.100.4');
    // Several header lines are one comma list.
    expect(client('10.0.0.2', '6.6.6.6,198.51.100.4,10.0.0.3')).toBe('198.51.100.4');
  });

  it('matches an IPv4-mapped peer against IPv4 proxies and returns IPv4', () => {
    expect(client('0000:0000:0000:0000:0000:ffff:0a00:0002', '198.51.100.4')).toBe('198.51.100.4');
    expect(client('::1', '::ffff:198.51.100.4')).toBe('198.51.100.4');
    expect(client('::1', '2001:db8::7')).toBe('2001:db8::7');
  });

  it('takes the leftmost hop when every hop is trusted', () => {
    expect(client('10.0.0.2', '10.0.0.9, 10.0.0.3')).toBe('10.0.0.9');
  });

  it('stops at an unreadable hop: the last trusted address is the client', () => {
    expect(client('10.0.0.2', '198.51.100.4, unknown')).toBe('10.0.0.2');
    expect(client('10.0.0.2', '198.51.100.4, garbage, 10.0.0.3')).toBe('10.0.0.3');
  });

  it('uses X-Real-IP from a trusted proxy without X-Forwarded-For', () => {
    expect(client('10.0.0.2', '', '198.51.100.4')).toBe('198.51.100.4');
    expect(client('10.0.0.2', '', 'nonsense')).toBe('10.0.0.2');
    expect(client('10.0.0.2', '198.51.100.4', '6.6.6.6')).toBe('198.51.100.4');
  });

  it('is undefined for a peer that is not an address', () => {
    expect(client('')).toBeUndefined();
  });
});
