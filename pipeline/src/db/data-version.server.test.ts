import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../test-support/db.js";
import { META, PENDING_STALE_MS, readDataVersion, withDataWrite } from "./data-version.server.js";

const { db } = await useTestDatabase();

describe("the data version", () => {
  it("is 0 and cacheable before any write", async () => {
    expect(await readDataVersion(db)).toEqual({ v: "0", cacheable: true });
  });

  it("moves before and after a write, and is not cacheable between the two", async () => {
    const before = await readDataVersion(db);
    const during = await withDataWrite(db, () => readDataVersion(db));
    const after = await readDataVersion(db);
    expect(during.cacheable).toBe(false);
    expect(after.cacheable).toBe(true);
    expect(new Set([before.v, during.v, after.v]).size).toBe(3);
  });

  it("moves after a write that failed too", async () => {
    const before = (await readDataVersion(db)).v;
    await expect(withDataWrite(db, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    const after = await readDataVersion(db);
    expect(after.cacheable).toBe(true);
    expect(after.v).not.toBe(before);
  });

  it("concurrent writes each leave a version nobody saw before, and the last one done leaves it cacheable", async () => {
    const seen = new Set([(await readDataVersion(db)).v]);
    await Promise.all(Array.from({ length: 8 }, () => withDataWrite(db, async () => seen.add((await readDataVersion(db)).v))));
    const after = await readDataVersion(db);
    expect(seen.has(after.v)).toBe(false);
    expect(after.cacheable).toBe(true);
  });

  it("after a writer died between its bumps, caching stays off until no bump came for PENDING_STALE_MS", async () => {
    await db.collection(META).updateOne({ _id: "data_version" as never }, { $set: { v: "crashed", phase: "writing", at: new Date() } });
    const now = Date.now();
    expect((await readDataVersion(db, new Date(now))).cacheable).toBe(false);
    expect((await readDataVersion(db, new Date(now + PENDING_STALE_MS + 1000))).cacheable).toBe(true);
  });
});
