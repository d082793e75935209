export interface RateLimit {
  /** Tokens added per second. */
  perSecond: number;
  /** Most tokens a bucket holds: how many commands may arrive at once. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 20, burst: 40 };

/**
 * A token bucket: each command takes one token; tokens come back at
 * `perSecond`. Uses a monotonic clock of its own, not the server's clock,
 * because event times may be faked in tests while flooding is real.
 *
 * Work whose size is known only afterwards (events written, events folded)
 * is `charge`d: the bucket may go into debt, and nothing more is let through
 * (`empty`) until the refill has paid the debt back.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.burst;
    this.last = now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(
      this.limit.burst,
      this.tokens + ((now - this.last) / 1000) * this.limit.perSecond,
    );
    this.last = now;
  }

  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True while not even one token is there (or the bucket is in debt). */
  empty(): boolean {
    this.refill();
    return this.tokens < 1;
  }

  /** Takes `n` tokens whatever is there: past zero the bucket is in debt. */
  charge(n: number): void {
    this.refill();
    this.tokens -= n;
  }

  /** True when the bucket is full again: it is then no different from a new one. */
  full(): boolean {
    this.refill();
    return this.tokens >= this.limit.burst;
  }

  /** Milliseconds until one token is there again (0 if one is). */
  waitMs(): number {
    this.refill();
    if (this.tokens >= 1 || this.limit.perSecond <= 0) return this.tokens >= 1 ? 0 : Infinity;
    return Math.ceil(((1 - this.tokens) / this.limit.perSecond) * 1000);
  }
}
