import { beforeAll, describe, expect, it } from "vitest";
import type { CorporateAction, DividendAction, SplitAction } from "../model/corporate-action.js";
import { testDatabase } from "../test-support/db.js";
import {
  actionsOn,
  corporateActions,
  ensureCorporateActionIndexes,
  listCorporateActions,
  listCorporateActionsFor,
  listSourcedActionsFor,
  upsertCorporateActions,
} from "./corporate-actions.server.js";

const SPLIT: SplitAction = { kind: "split", id: "E-nvda-2024", symbol: "NVDA", date: "2024-06-10", splitFrom: 1, splitTo: 10, adjustmentType: "forward_split" };
const DIVIDEND: DividendAction = {
  kind: "dividend",
  id: "E-aapl-2024-08",
  symbol: "AAPL",
  date: "2024-08-12",
  cashAmount: 0.25,
  currency: "USD",
  declarationDate: "2024-08-01",
  payDate: "2024-08-15",
  frequency: 4,
  distributionType: "recurring",
};
const opts = { feed: "polygon" as const, runId: "run-1", lakeObjectOf: (a: CorporateAction) => `raw/polygon/${a.kind}s/date=${a.date}/page-0001.json` };

describe("corporate actions", () => {
  const t = testDatabase();

  beforeAll(async () => {
    await ensureCorporateActionIndexes(t.db);
    await ensureCorporateActionIndexes(t.db);
  });

  it("stores each action once however often it is loaded, and reads it back as it was given", async () => {
    expect(await upsertCorporateActions(t.db, [SPLIT, DIVIDEND, SPLIT], opts)).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(await upsertCorporateActions(t.db, [SPLIT, DIVIDEND], opts)).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    expect(await corporateActions(t.db).countDocuments()).toBe(2);
    expect(await listCorporateActions(t.db, "NVDA")).toEqual([SPLIT]);
    expect(await listCorporateActions(t.db, "AAPL")).toEqual([DIVIDEND]);
    const doc = await corporateActions(t.db).findOne({ apiId: SPLIT.id });
    expect(doc).toMatchObject({ lakeObject: "raw/polygon/splits/date=2024-06-10/page-0001.json", feed: "polygon", runId: "run-1" });
  });

  it("a corrected action (same id, other values) replaces the stored one, dropping fields the correction lacks", async () => {
    const corrected: DividendAction = { kind: "dividend", id: DIVIDEND.id, symbol: "AAPL", date: "2024-08-12", cashAmount: 0.26 };
    expect(await upsertCorporateActions(t.db, [corrected], { ...opts, runId: "run-2" })).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    expect(await listCorporateActions(t.db, "AAPL")).toEqual([corrected]);
    await upsertCorporateActions(t.db, [DIVIDEND], opts);
  });

  it("a split and a dividend may share an API id: the key is the kind and the id", async () => {
    const twin: DividendAction = { ...DIVIDEND, id: SPLIT.id, symbol: "NVDA", date: "2024-06-11", cashAmount: 0.01 };
    expect((await upsertCorporateActions(t.db, [twin], opts)).inserted).toBe(1);
    expect(await listCorporateActions(t.db, "NVDA")).toEqual([SPLIT, twin]);
    await corporateActions(t.db).deleteOne({ kind: "dividend", apiId: SPLIT.id });
  });

  it("lists several symbols at once and the actions of one kind on one session", async () => {
    const map = await listCorporateActionsFor(t.db, ["AAPL", "NVDA", "NONE"]);
    expect([...map.entries()]).toEqual([
      ["AAPL", [DIVIDEND]],
      ["NVDA", [SPLIT]],
      ["NONE", []],
    ]);
    expect(await actionsOn(t.db, "split", "2024-06-10")).toEqual([SPLIT]);
    expect(await actionsOn(t.db, "dividend", "2024-06-10")).toEqual([]);
  });

  it("lists several symbols' actions with the lake object and feed each came from (the health page)", async () => {
    const map = await listSourcedActionsFor(t.db, ["NVDA", "NONE"]);
    expect([...map.entries()]).toEqual([
      ["NVDA", [{ action: SPLIT, lakeObject: "raw/polygon/splits/date=2024-06-10/page-0001.json", feed: "polygon" }]],
      ["NONE", []],
    ]);
    expect(await listSourcedActionsFor(t.db, [])).toEqual(new Map());
  });

  it("two writers inserting the same new action at once leave one document", async () => {
    const fresh: SplitAction = { ...SPLIT, id: "E-race", symbol: "RACE" };
    const results = await Promise.all([upsertCorporateActions(t.db, [fresh], opts), upsertCorporateActions(t.db, [fresh], opts)]);
    expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(1);
    expect(await corporateActions(t.db).countDocuments({ apiId: "E-race" })).toBe(1);
  });

  it("corrections of more actions than one write command may carry are all applied", async () => {
    const many: DividendAction[] = Array.from({ length: 120 }, (_, i) => ({ kind: "dividend", id: `E-many-${i}`, symbol: "MANY", date: "2024-09-03", cashAmount: 0.1 }));
    expect((await upsertCorporateActions(t.db, many, opts)).inserted).toBe(120);
    const corrected = many.map((d) => ({ ...d, cashAmount: 0.2 }));
    expect(await upsertCorporateActions(t.db, corrected, opts)).toEqual({ inserted: 0, updated: 120, unchanged: 0 });
    expect(await corporateActions(t.db).countDocuments({ symbol: "MANY", cashAmount: 0.2 })).toBe(120);
  });
});
