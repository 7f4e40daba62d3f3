import type { AddressSet, Ip } from './ip.js';
import { parseIp } from './ip.js';

/** The forwarding headers of a request, read only when the peer is a trusted proxy. */
export interface ForwardingHeaders {
  /** Every `X-Forwarded-For` line, in order ('' when absent). */
  forwardedFor: string;
  /** `X-Real-IP` ('' when absent). */
  realIp: string;
}

/**
 * The client's address. The TCP peer is the client unless it is a trusted proxy; then the
 * `X-Forwarded-For` list is walked from the right (the hop the trusted proxy saw) past every
 * trusted address, and the first untrusted one is the client. A client can write anything at the
 * left of that list, but not past the proxies: only the rightmost untrusted hop is believed.
 * Without `X-Forwarded-For`, a trusted proxy's `X-Real-IP` names the client. An unreadable hop
 * stops the walk at the last trusted address (the limits then apply to that proxy).
 *
 * @param peer the TCP peer as uWS writes it (`getRemoteAddressAsText`)
 * @param headers read lazily: only when the peer is trusted
 */
export function clientAddress(
  peer: string,
  headers: () => ForwardingHeaders,
  trusted: AddressSet,
): Ip | undefined {
  const direct = parseIp(peer);
  if (!direct || trusted.size === 0 || !trusted.has(direct)) return direct;
  const { forwardedFor, realIp } = headers();
  const hops = forwardedFor
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  if (hops.length === 0) return (realIp.trim() !== '' && parseIp(realIp)) || direct;
  let last = direct;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parseIp(hops[i]!);
    if (!hop) return last;
    if (!trusted.has(hop)) return hop;
    last = hop;
  }
  return last;
}
