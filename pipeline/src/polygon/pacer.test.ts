import { describe, expect, it } from "vitest";
import { Pacer } from "./pacer.js";

/** A clock that only moves when the pacer sleeps, so tests take no real time. */
function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    sleeps,
    start,
  };
}

/** Start times (relative to the clock's start) of `n` takes issued at once. */
async function startsOf(pacer: Pacer, clock: ReturnType<typeof fakeClock>, n: number): Promise<number[]> {
  const starts: number[] = [];
  await Promise.all(Array.from({ length: n }, () => pacer.take().then(() => starts.push(clock.now() - clock.start))));
  return starts;
}

/** The most starts that fall in any half-open window [s, s + windowMs). */
function busiestWindow(starts: number[], windowMs: number): number {
  let most = 0;
  for (const s of starts) most = Math.max(most, starts.filter((x) => x >= s && x < s + windowMs).length);
  return most;
}

describe("Pacer", () => {
  it("5/min over 23 requests: never more than 5 starts in any 60 s window, and no slower than that", async () => {
    const clock = fakeClock();
    const starts = await startsOf(new Pacer(5, clock.now, clock.sleep), clock, 23);
    expect(starts).toHaveLength(23);
    for (let i = 0; i + 5 < starts.length; i++) expect(starts[i + 5]! - starts[i]!).toBeGreaterThanOrEqual(60_000);
    expect(busiestWindow(starts, 60_000)).toBe(5);
    // A sliding window lets each group of 5 start together, one minute after the previous group.
    expect(starts).toEqual(Array.from({ length: 23 }, (_, i) => Math.floor(i / 5) * 60_000));
  });

  it("the first N requests start at once, without sleeping", async () => {
    const clock = fakeClock();
    const pacer = new Pacer(5, clock.now, clock.sleep);
    await startsOf(pacer, clock, 5);
    expect(clock.sleeps).toEqual([]);
  });

  it("0.5/min spaces requests 120 s apart", async () => {
    const clock = fakeClock();
    const starts = await startsOf(new Pacer(0.5, clock.now, clock.sleep), clock, 4);
    expect(starts).toEqual([0, 120_000, 240_000, 360_000]);
  });

  it.each([1.5, 7.5, 12.25])("a fractional rate of %d/min never lets more than that many start in any 60 s window", async (rate) => {
    const clock = fakeClock();
    const starts = await startsOf(new Pacer(rate, clock.now, clock.sleep), clock, 40);
    expect(busiestWindow(starts, 60_000)).toBeLessThanOrEqual(rate);
    // ...while still using at least floor(rate) requests per minute.
    expect(busiestWindow(starts, 60_000)).toBe(Math.floor(rate));
  });

  it("counts time already spent: a request long after the last one does not wait", async () => {
    const clock = fakeClock();
    const pacer = new Pacer(2, clock.now, clock.sleep);
    await startsOf(pacer, clock, 2);
    clock.advance(45_000);
    const waits: number[] = [];
    await pacer.take((ms) => waits.push(ms));
    expect(waits).toEqual([15_000]);
    expect(clock.sleeps).toEqual([15_000]);
    clock.advance(120_000);
    await pacer.take((ms) => waits.push(ms));
    expect(waits).toEqual([15_000]);
  });

  it("serves calls in the order they were made", async () => {
    const clock = fakeClock();
    const pacer = new Pacer(3, clock.now, clock.sleep);
    const order: number[] = [];
    await Promise.all(Array.from({ length: 10 }, (_, i) => pacer.take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("a failed wait rejects only that call; later calls are still paced", async () => {
    const clock = fakeClock();
    let failNext = false;
    const pacer = new Pacer(1, clock.now, async (ms) => {
      if (failNext) {
        failNext = false;
        throw new Error("sleep interrupted");
      }
      await clock.sleep(ms);
    });
    await pacer.take();
    failNext = true;
    await expect(pacer.take()).rejects.toThrow("sleep interrupted");
    await pacer.take();
    expect(clock.now() - clock.start).toBe(60_000);
  });
});
