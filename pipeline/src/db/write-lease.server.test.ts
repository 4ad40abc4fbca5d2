import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { testDatabase } from "../test-support/db.js";
import { serverNeedsLease, WRITE_LEASES, withWriteLease } from "./write-lease.server.js";

describe("the daily_prices write lease", () => {
  const t = testDatabase();
  const leases = () => t.db.collection<{ _id: string; name: string; expiresAt: Date }>(WRITE_LEASES);

  it("is taken on a server that says it is FerretDB in buildInfo, and the answer matches what the server says", async () => {
    const info = await t.db.command({ buildInfo: 1 });
    expect(await serverNeedsLease(t.db)).toBe("ferretdbVersion" in info);
    let seen = 0;
    await withWriteLease(t.db, async () => {
      seen = await leases().countDocuments({ name: "daily_prices" });
    });
    expect(seen).toBe("ferretdbVersion" in info ? 1 : 0);
  });

  it("lets one holder in at a time, and every waiter in eventually", async () => {
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        withWriteLease(t.db, async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(15);
          order.push(n);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await leases().countDocuments()).toBe(0);
  });

  it("is released when the work throws, and the error reaches the caller", async () => {
    await expect(withWriteLease(t.db, async () => Promise.reject(new Error("write refused")))).rejects.toThrow("write refused");
    expect(await leases().countDocuments()).toBe(0);
    expect(await withWriteLease(t.db, async () => "next")).toBe("next");
  });

  it("takes over a lease whose holder died (expired), but waits for one that is still valid", async () => {
    await leases().insertOne({ _id: "dead-holder", name: "daily_prices", expiresAt: new Date(Date.now() - 1_000) });
    expect(await withWriteLease(t.db, async () => "after takeover")).toBe("after takeover");
    expect(await leases().countDocuments()).toBe(0);

    await leases().insertOne({ _id: "live-holder", name: "daily_prices", expiresAt: new Date(Date.now() + 60_000) });
    let ran = false;
    const waiting = withWriteLease(t.db, async () => (ran = true));
    await sleep(150);
    expect(ran).toBe(false);
    await leases().deleteOne({ _id: "live-holder" });
    await waiting;
    expect(ran).toBe(true);
  });

  it("keeps its lease while the work outlasts the lease time, so no other writer takes it as a dead holder's", async () => {
    const events: string[] = [];
    const slow = withWriteLease(
      t.db,
      async () => {
        events.push("slow in");
        await sleep(900); // three lease times
        events.push("slow out");
      },
      { leaseMs: 300 },
    );
    await sleep(50);
    const other = withWriteLease(t.db, async () => events.push("other"), { leaseMs: 300 });
    await Promise.all([slow, other]);
    expect(events).toEqual(["slow in", "slow out", "other"]);
  });
});
