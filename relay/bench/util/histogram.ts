/**
 * A log-linear latency histogram in microseconds (about 0.8 % relative precision above 256 µs,
 * exact below), stored in a plain Uint32Array so workers can transfer and the coordinator can
 * add them up.
 */

const LINEAR = 256;
const SUB = 128;
export const HISTOGRAM_SIZE = LINEAR + 40 * SUB;

export function newHistogram(): Uint32Array {
  return new Uint32Array(HISTOGRAM_SIZE);
}

function bucketOf(us: number): number {
  if (us < LINEAR) return us < 0 ? 0 : Math.floor(us);
  const e = Math.floor(Math.log2(us)); // ≥ 8
  const m = Math.floor(us / 2 ** (e - 7)); // 128..255
  const b = LINEAR + (e - 8) * SUB + (m - SUB);
  return b >= HISTOGRAM_SIZE ? HISTOGRAM_SIZE - 1 : b;
}

/** Lower bound of a bucket, in µs. */
function valueOf(bucket: number): number {
  if (bucket < LINEAR) return bucket;
  const e = Math.floor((bucket - LINEAR) / SUB) + 8;
  const m = ((bucket - LINEAR) % SUB) + SUB;
  return m * 2 ** (e - 7);
}

export function record(h: Uint32Array, us: number): void {
  h[bucketOf(us)]!++;
}

export function addInto(target: Uint32Array, source: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i]! += source[i]!;
}

export function count(h: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < h.length; i++) n += h[i]!;
  return n;
}

/** The q-quantile (0..1) in milliseconds, or NaN for an empty histogram. */
export function quantileMs(h: Uint32Array, q: number): number {
  const total = count(h);
  if (total === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    seen += h[i]!;
    if (seen >= rank) {
      // middle of the bucket
      const lo = valueOf(i);
      const hi = i + 1 < h.length ? valueOf(i + 1) : lo;
      return (lo + hi) / 2 / 1000;
    }
  }
  return NaN;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export function summarize(h: Uint32Array): LatencySummary {
  return {
    count: count(h),
    p50: quantileMs(h, 0.5),
    p99: quantileMs(h, 0.99),
    p999: quantileMs(h, 0.999),
    max: quantileMs(h, 1),
  };
}
