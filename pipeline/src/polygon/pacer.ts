/**
 * Paces requests to at most `perMinute` in any sliding window, across the
 * whole run (one pacer per client, one client per process). A sliding window
 * rather than a token bucket: a bucket of 5 refilled every 12 s lets 9
 * requests through in the first minute, which the free plan answers with 429.
 */
export class Pacer {
  private readonly capacity: number;
  private readonly windowMs: number;
  private readonly starts: number[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.capacity = Math.max(1, Math.floor(perMinute));
    // Keeps fractional rates below 1 exact: 0.5/min => 1 request per 120 s.
    // Never shorter than a minute: 7.5/min as "7 per 56 s" let 14 start within
    // one minute (two full windows back to back); 7 per 60 s never exceeds 7.5.
    this.windowMs = Math.max(60_000, (this.capacity * 60_000) / perMinute);
  }

  /** Resolves when the next request may start; calls are served in order. */
  take(onWait?: (ms: number) => void): Promise<void> {
    const turn = this.chain.then(async () => {
      if (this.starts.length >= this.capacity) {
        const oldest = this.starts[this.starts.length - this.capacity]!;
        const wait = oldest + this.windowMs - this.now();
        if (wait > 0) {
          onWait?.(wait);
          await this.sleep(wait);
        }
      }
      this.starts.push(this.now());
      if (this.starts.length > this.capacity) this.starts.splice(0, this.starts.length - this.capacity);
    });
    this.chain = turn.catch(() => undefined);
    return turn;
  }
}
