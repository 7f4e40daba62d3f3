/**
 * A token bucket: `rate` tokens a second, at most `burst` saved up. `take()` is false when the
 * bucket is empty. Time comes from the caller so tests need no clock.
 * @internal
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): boolean {
    if (this.rate <= 0) return true;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
