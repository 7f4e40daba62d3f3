import { BlockList, isIP } from 'node:net';

/** An IP address in canonical text: IPv4 dotted, IPv6 compressed lower-case. */
export interface Ip {
  text: string;
  family: 'ipv4' | 'ipv6';
}

/**
 * Parses an address as peers, proxies and uWS write it (`1.2.3.4`, `[::1]`, uWS's full-length
 * `0000:…:ffff:7f00:0001`, `1.2.3.4:5678` and `[2001:db8::1]:443` with a port, a `%zone`).
 * An IPv4-mapped IPv6 address becomes the IPv4 address, so one client has one key whichever
 * socket family it arrived on. Returns undefined for anything that is not an address.
 */
export function parseIp(raw: string): Ip | undefined {
  let s = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(s);
  if (bracketed) s = bracketed[1]!;
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}$/.test(s)) s = s.slice(0, s.lastIndexOf(':'));
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const version = isIP(s);
  if (version === 4) return { text: s, family: 'ipv4' };
  if (version !== 6) return undefined;
  // The WHATWG URL serializer is the canonical IPv6 form (RFC 5952): compressed, lower case.
  const text = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return { text: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: 'ipv4' };
  }
  return { text, family: 'ipv6' };
}

/** The eight 16-bit groups of a canonical IPv6 address. */
function groups6(text: string): number[] {
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros =
    tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
}

/**
 * The key per-address limits count under: the IPv4 address itself, or the /64 network of an
 * IPv6 address (one host usually holds a whole /64, so counting single IPv6 addresses would let
 * it open connections without limit).
 */
export function addressKey(ip: Ip): string {
  if (ip.family === 'ipv4') return ip.text;
  const g = groups6(ip.text).slice(0, 4);
  return `${g.map((n) => n.toString(16)).join(':')}::/64`;
}

/** Loopback: 127.0.0.0/8 and ::1 (an IPv4-mapped loopback is already IPv4 after {@link parseIp}). */
export function isLoopback(ip: Ip): boolean {
  return ip.family === 'ipv4' ? ip.text.startsWith('127.') : ip.text === '::1';
}

/** Whether a listen host binds loopback only (`127.x.x.x`, `::1`, `localhost`). */
export function isLoopbackHost(host: string): boolean {
  if (host.trim().toLowerCase() === 'localhost') return true;
  const ip = parseIp(host);
  return ip !== undefined && isLoopback(ip);
}

/** A set of addresses and networks (IPv4 and IPv6 CIDRs), e.g. the trusted proxies. */
export class AddressSet {
  private readonly list = new BlockList();
  /** Number of entries. */
  readonly size: number;

  /**
   * @param entries addresses (`10.0.0.5`, `::1`) or networks (`10.0.0.0/8`, `fd00::/8`,
   *   `::ffff:10.0.0.0/104`). Throws an Error naming the first entry that is neither.
   */
  constructor(entries: readonly string[]) {
    for (const entry of entries) this.add(entry);
    this.size = entries.length;
  }

  private add(entry: string): void {
    const [addr = '', prefix, extra] = entry.trim().split('/');
    const raw = addr.replace(/^\[|\]$/g, '');
    const version = isIP(raw);
    const ip = version === 0 ? undefined : parseIp(raw);
    if (!ip || extra !== undefined) throw new Error(`"${entry}" is not an IP address or CIDR`);
    if (prefix === undefined) {
      this.list.addAddress(ip.text, ip.family);
      return;
    }
    if (!/^\d{1,3}$/.test(prefix)) throw new Error(`"${entry}" has a bad prefix length`);
    let bits = Number(prefix);
    // An IPv4-mapped IPv6 network (::ffff:a.b.c.d/96+n) is the IPv4 network a.b.c.d/n.
    if (version === 6 && ip.family === 'ipv4') bits -= 96;
    const max = ip.family === 'ipv4' ? 32 : 128;
    if (bits < 0 || bits > max) throw new Error(`"${entry}" has a bad prefix length`);
    this.list.addSubnet(ip.text, bits, ip.family);
  }

  /** Whether `ip` is one of the addresses or inside one of the networks. */
  has(ip: Ip): boolean {
    return this.size > 0 && this.list.check(ip.text, ip.family);
  }
}
