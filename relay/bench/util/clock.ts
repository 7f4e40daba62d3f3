/**
 * Time helpers shared by the coordinator, the load generator's workers and the servers.
 * `nowUs` reads CLOCK_MONOTONIC, which is the same clock in every thread and process of the
 * machine, so a timestamp written by one process can be subtracted from one read in another.
 */

/** Monotonic time in microseconds (same clock across threads and processes). */
export function nowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Digits of the send timestamp written at the start of every message body. */
export const TS_DIGITS = 15;

/**
 * A message body of `size` bytes (at least 16): `T`, the send time in µs as {@link TS_DIGITS}
 * digits, then padding. Receivers find the timestamp at a known place, without parsing.
 */
export function stampBody(target: Buffer, offset: number, size: number, us: number): void {
  target[offset] = 0x54; // 'T'
  let v = Math.floor(us);
  for (let i = TS_DIGITS; i >= 1; i--) {
    target[offset + i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  target.fill(0x78, offset + TS_DIGITS + 1, offset + size); // 'x'
}

/** Reads the timestamp written by {@link stampBody}; -1 if the bytes are not a stamped body. */
export function readStamp(buf: Buffer, offset: number): number {
  if (buf[offset] !== 0x54) return -1;
  let v = 0;
  for (let i = 1; i <= TS_DIGITS; i++) {
    const d = buf[offset + i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Same as {@link stampBody}, as a string (Socket.IO sends strings). */
export function stampString(size: number, us: number): string {
  const ts = String(Math.floor(us)).padStart(TS_DIGITS, '0');
  return 'T' + ts + 'x'.repeat(size - TS_DIGITS - 1);
}

/** Same as {@link readStamp}, for a string body. */
export function readStampString(s: string): number {
  if (s.charCodeAt(0) !== 0x54) return -1;
  let v = 0;
  for (let i = 1; i <= TS_DIGITS; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
