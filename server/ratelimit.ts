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

  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(
      this.limit.burst,
      this.tokens + ((now - this.last) / 1000) * this.limit.perSecond,
    );
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
