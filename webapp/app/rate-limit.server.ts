/**
 * Counts failed attempts per key in a sliding window; after `max` failures
 * the key is blocked until the oldest failure leaves the window. In memory:
 * one server process (remix-serve) holds the only copy, which is what this
 * app runs as; several instances behind a balancer would each count their own.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfterMs(key: string, now = Date.now()): number {
    const recent = this.recent(key, now);
    return recent.length < this.max ? 0 : recent[recent.length - this.max]! + this.windowMs - now;
  }

  fail(key: string, now = Date.now()): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.set(key, recent);
    if (this.failures.size > 10_000) this.prune(now);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }

  private prune(now: number): void {
    for (const [key, times] of this.failures) if (times.every((t) => t <= now - this.windowMs)) this.failures.delete(key);
  }
}
