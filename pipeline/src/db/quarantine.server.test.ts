import { beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "../test-support/db.js";
import { parseAggregates, type RejectedRow } from "../transform/bars.js";
import { ensureQuarantineIndexes, listQuarantine, MAX_ROW_JSON, QUARANTINE, quarantineRows, type QuarantinedRow } from "./quarantine.server.js";

const OBJECT = "raw/polygon/grouped/date=2024-03-11/grouped.json";
const GROUPED_STAMP = Date.UTC(2024, 2, 11, 20); // 2024-03-11 16:00 EDT

/** Rejected rows as the transform produces them, from a raw body with hostile keys. */
function rejectsOf(body: string): RejectedRow[] {
  return parseAggregates(OBJECT, Buffer.from(body), { tickers: "*", expectedDate: "2024-03-11" }).rejects;
}

const HOSTILE = `{"status":"OK","results":[
  {"T":"AAPL","o":10,"h":9,"l":11,"c":10,"v":1,"t":${GROUPED_STAMP}},
  {"T":"MSFT","$set":{"close":0},"a.b":1,"nested":{"$where":"1","x.y":[{"$gt":1}]},"o":"NaN","h":2,"l":1,"c":1.5,"v":1,"t":${GROUPED_STAMP}},
  42,
  {"T":"GOOG","o":1,"h":2,"l":1,"c":1.5,"v":1,"t":${GROUPED_STAMP}}
]}`;

describe("quarantine", () => {
  const t = testDatabase();
  const quarantine = () => t.db.collection<QuarantinedRow>(QUARANTINE);

  beforeAll(async () => {
    await ensureQuarantineIndexes(t.db);
    await ensureQuarantineIndexes(t.db);
  });

  it("stores each rejected row with its reasons, and the raw row as JSON text, even with $-prefixed and dotted keys", async () => {
    const rows = rejectsOf(HOSTILE);
    expect(rows.map((r) => r.index)).toEqual([0, 1, 2]);
    await quarantineRows(t.db, OBJECT, rows, "run-1");

    const docs = await quarantine()
      .find({ lakeObject: OBJECT }, { projection: { _id: 0 } })
      .sort({ rowIndex: 1 })
      .toArray();
    expect(docs).toHaveLength(3);
    expect(docs[1]).toEqual({
      lakeObject: OBJECT,
      rowIndex: 1,
      symbol: "MSFT",
      date: "2024-03-11",
      reasons: ["open (o) must be a number"],
      rowJson: JSON.stringify(rows[1]!.row),
      runId: "run-1",
      quarantinedAt: expect.any(Date),
    });
    // The text gives back the row exactly as received, hostile keys included.
    expect(JSON.parse(docs[1]!.rowJson)).toEqual({
      T: "MSFT",
      $set: { close: 0 },
      "a.b": 1,
      nested: { $where: "1", "x.y": [{ $gt: 1 }] },
      o: "NaN",
      h: 2,
      l: 1,
      c: 1.5,
      v: 1,
      t: GROUPED_STAMP,
    });
    // A row with neither symbol nor date stores nulls.
    expect(docs[2]).toMatchObject({ rowIndex: 2, symbol: null, date: null, rowJson: "42" });
  });

  it("re-quarantining the same object updates its rows instead of adding copies", async () => {
    const object = "raw/polygon/grouped/date=2024-03-12/grouped.json";
    const rows = rejectsOf(HOSTILE);
    await quarantineRows(t.db, object, rows, "run-1");
    await quarantineRows(t.db, object, rows, "run-2");
    await quarantineRows(t.db, object, rows.slice(0, 1), "run-3");
    const docs = await quarantine().find({ lakeObject: object }).sort({ rowIndex: 1 }).toArray();
    expect(docs.map((d) => [d.rowIndex, d.runId])).toEqual([
      [0, "run-3"],
      [1, "run-2"],
      [2, "run-2"],
    ]);
  });

  it("the same row index in another object is another row", async () => {
    const rows = rejectsOf(HOSTILE).slice(0, 1);
    await quarantineRows(t.db, "raw/a.json", rows, "run-1");
    await quarantineRows(t.db, "raw/b.json", rows, "run-1");
    expect(await quarantine().countDocuments({ rowIndex: 0, lakeObject: { $in: ["raw/a.json", "raw/b.json"] } })).toBe(2);
  });

  it("the unique (lakeObject, rowIndex) index refuses a hand-made duplicate", async () => {
    const doc = { lakeObject: "raw/dup.json", rowIndex: 0, symbol: null, date: null, reasons: [], rowJson: "null", runId: "r", quarantinedAt: new Date() };
    await quarantine().insertOne({ ...doc });
    await expect(quarantine().insertOne({ ...doc })).rejects.toMatchObject({ code: 11000 });
  });

  it("a row too deep or too big for a document is kept as a bounded JSON note, so the load does not fail", async () => {
    const deep = rejectsOf(`{"status":"OK","results":[${"[".repeat(100_000)}${"]".repeat(100_000)}]}`);
    const huge = rejectsOf(`{"status":"OK","results":[{"T":"AAPL","o":"${"9".repeat(1_000_000)}","t":${GROUPED_STAMP}}]}`);
    await quarantineRows(t.db, "raw/deep.json", deep, "run-d");
    await quarantineRows(t.db, "raw/huge.json", huge, "run-h");
    const deepDoc = await quarantine().findOne({ lakeObject: "raw/deep.json" });
    expect(JSON.parse(deepDoc!.rowJson)).toEqual({ unstorableRow: expect.stringMatching(/could not be written as JSON/) });
    const hugeDoc = await quarantine().findOne({ lakeObject: "raw/huge.json" });
    expect(JSON.parse(hugeDoc!.rowJson)).toMatchObject({
      unstorableRow: expect.stringMatching(/is 1000\d+ characters of JSON/),
      start: expect.stringMatching(/^\{"T":"AAPL","o":"999/),
    });
    expect(hugeDoc!.rowJson.length).toBeLessThan(MAX_ROW_JSON + 200);
  });

  it("nothing to quarantine is not an error and writes nothing", async () => {
    const before = await quarantine().countDocuments();
    await quarantineRows(t.db, "raw/empty.json", [], "run-1");
    expect(await quarantine().countDocuments()).toBe(before);
  });

  it("listQuarantine shows the newest rows first, up to the limit", async () => {
    await quarantineRows(t.db, "raw/newest.json", rejectsOf(HOSTILE).slice(0, 1), "run-9");
    const list = await listQuarantine(t.db, 2);
    expect(list).toHaveLength(2);
    expect(list[0]!.lakeObject).toBe("raw/newest.json");
    expect(list[0]!.quarantinedAt.getTime()).toBeGreaterThanOrEqual(list[1]!.quarantinedAt.getTime());
  });

  it("quarantining the same 120 rows again (a re-run) updates them all and adds none", async () => {
    const object = "raw/polygon/grouped/date=2024-03-12/grouped.json";
    const rows: RejectedRow[] = Array.from({ length: 120 }, (_, index) => ({ index, symbol: "BAD", date: "2024-03-12", reasons: ["close (c) is required"], row: { T: "BAD" } }));
    await quarantineRows(t.db, object, rows, "run-a");
    await quarantineRows(t.db, object, rows, "run-b");
    expect(await quarantine().countDocuments({ lakeObject: object })).toBe(120);
    expect(await quarantine().countDocuments({ lakeObject: object, runId: "run-b" })).toBe(120);
  });
});
