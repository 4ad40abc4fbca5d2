/**
 * The read API over plain HTTP against the production server: E2EA's
 * as-traded bars (a 1-for-10 reverse split, a 4-for-1 split, four quarterly
 * dividends) on each basis, checked against factors computed here from the
 * raw answer and the seeded actions (not with the app's adjust module);
 * windows, CSV, corporate actions, errors, and the OpenAPI document, whose
 * every parameter and route is called and every answer checked against it.
 */
import { addDays } from "@stock-market/pipeline/calendar/nyse";
import { upsertCorporateActions } from "@stock-market/pipeline/db/corporate-actions.server";
import type { CorporateAction, DividendAction, SplitAction } from "@stock-market/pipeline/model/corporate-action";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { url, useDb } from "./browser";
import { csvRows, getApi, validate, type Bar, type BarsBody, type JsonSchema } from "./api-client";

const d = useDb();
const latest = inject("latest");
const actions = inject("actions").filter((a) => a.symbol === "E2EA");
const splits = actions.filter((a): a is SplitAction => a.kind === "split");
const dividends = actions.filter((a): a is DividendAction => a.kind === "dividend");
const forward = splits.find((s) => s.splitTo > s.splitFrom)!;
const reverse = splits.find((s) => s.splitTo < s.splitFrom)!;

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
/** Every price and the volume of `got` equal `want` within 1e-6 relative. */
function expectBar(got: Bar, want: Omit<Bar, "date">, label: string): void {
  for (const k of ["open", "high", "low", "close", "volume"] as const) expect(rel(got[k], want[k]), `${label} ${k}: ${got[k]} vs ${want[k]}`).toBeLessThan(1e-6);
}

async function bars(symbol: string, query = ""): Promise<BarsBody> {
  const r = await getApi(`/api/v1/bars/${symbol}${query}`);
  expect(r.status, r.text).toBe(200);
  return r.json as BarsBody;
}

let raw: Bar[];
beforeAll(async () => {
  raw = (await bars("E2EA", "?adjustment=raw")).bars;
});

describe("E2EA's bars on each basis", () => {
  it("raw is exactly what is stored, in date order, with the step of each split", async () => {
    const stored = await d.db.collection("daily_prices").find({ symbol: "E2EA" }).sort({ date: 1 }).toArray();
    expect(raw.map((b) => b.date)).toEqual(stored.map((s) => (s.date as Date).toISOString().slice(0, 10)));
    raw.forEach((b, i) => expect([b.open, b.high, b.low, b.close, b.volume]).toEqual([stored[i]!.open, stored[i]!.high, stored[i]!.low, stored[i]!.close, stored[i]!.volume]));
    const step = (date: string) => {
      const i = raw.findIndex((b) => b.date === date);
      return raw[i - 1]!.close / raw[i]!.close;
    };
    expect(step(forward.date)).toBeGreaterThan(3.3);
    expect(step(forward.date)).toBeLessThan(4.8);
    expect(step(reverse.date)).toBeGreaterThan(0.08);
    expect(step(reverse.date)).toBeLessThan(0.12);
  });

  it("split divides prices and multiplies volume by the later splits' ratios (raw / 4 before the 4-for-1, × 10 / 4 before the 1-for-10), and is the default", async () => {
    const body = await bars("E2EA");
    expect(body.adjustment).toBe("split");
    expect(body.symbol).toBe("E2EA");
    expect(body.bars.map((b) => b.date)).toEqual(raw.map((b) => b.date));
    raw.forEach((r, i) => {
      const ratio = splits.filter((s) => s.date > r.date).reduce((p, s) => p * (s.splitTo / s.splitFrom), 1);
      expect(ratio).toBe(r.date >= forward.date ? 1 : r.date >= reverse.date ? 4 : 0.4);
      expectBar(body.bars[i]!, { open: r.open / ratio, high: r.high / ratio, low: r.low / ratio, close: r.close / ratio, volume: r.volume * ratio }, r.date);
    });
    expect(await bars("E2EA", "?adjustment=split")).toEqual(body);
  });

  it("all also multiplies every price before each ex-date by 1 - cash / the previous session's raw close", async () => {
    const body = await bars("E2EA", "?adjustment=all");
    const prevClose = new Map(dividends.map((dv) => [dv.id, raw[raw.findIndex((b) => b.date === dv.date) - 1]!.close]));
    raw.forEach((r, i) => {
      const ratio = splits.filter((s) => s.date > r.date).reduce((p, s) => p * (s.splitTo / s.splitFrom), 1);
      const cash = dividends.filter((dv) => dv.date > r.date).reduce((p, dv) => p * (1 - dv.cashAmount / prevClose.get(dv.id)!), 1);
      const f = cash / ratio;
      expectBar(body.bars[i]!, { open: r.open * f, high: r.high * f, low: r.low * f, close: r.close * f, volume: r.volume * ratio }, r.date);
    });
    // Before the first dividend, `all` is below `split` (by the product of the four factors, about 0.7 %): they were applied.
    expect(body.bars[0]!.close).toBeLessThan((await bars("E2EA")).bars[0]!.close * 0.999);
  });

  it("a window cuts the adjusted history without changing a value; from and to are inclusive", async () => {
    for (const adjustment of ["raw", "split", "all"] as const) {
      const whole = (await bars("E2EA", `?adjustment=${adjustment}`)).bars;
      const i = whole.findIndex((b) => b.date === forward.date);
      const [from, to] = [whole[i - 30]!.date, whole[i + 5]!.date];
      const cut = await bars("E2EA", `?adjustment=${adjustment}&from=${from}&to=${to}`);
      expect(cut).toEqual({ symbol: "E2EA", adjustment, bars: whole.slice(i - 30, i + 6) });
    }
    // A weekend bound, a one-day window, a window before the first bar, and a huge range.
    const saturday = [1, 2, 3, 4, 5, 6, 7].map((n) => addDays(latest, -n)).find((x) => new Date(`${x}T00:00:00Z`).getUTCDay() === 6)!;
    expect((await bars("E2EA", `?from=${saturday}`)).bars[0]!.date > saturday).toBe(true);
    expect((await bars("E2EA", `?from=${latest}&to=${latest}`)).bars.map((b) => b.date)).toEqual([latest]);
    expect((await bars("E2EA", "?from=1990-01-01&to=1990-12-31")).bars).toEqual([]);
    expect((await bars("E2EA", "?from=1900-01-01&to=9999-12-31&adjustment=raw")).bars).toEqual(raw);
  });

  it("CSV (format=csv or Accept: text/csv) holds the same rows as JSON, with a file name", async () => {
    const json = await bars("E2EA", `?adjustment=all&from=${raw[100]!.date}`);
    for (const [query, accept] of [
      [`?adjustment=all&from=${raw[100]!.date}&format=csv`, undefined],
      [`?adjustment=all&from=${raw[100]!.date}`, "text/csv"],
    ] as const) {
      const r = await getApi(`/api/v1/bars/E2EA${query}`, accept ? { Accept: accept } : {});
      expect(r.status).toBe(200);
      expect(r.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
      expect(r.headers.get("Content-Disposition")).toBe(`attachment; filename="E2EA_all_${raw[100]!.date}.csv"`);
      expect(r.headers.get("Cache-Control")).toBe("no-store");
      const rows = csvRows(r.text);
      expect(rows[0]).toEqual(["date", "open", "high", "low", "close", "volume"]);
      expect(rows.slice(1).map(([date, ...v]) => ({ date, open: Number(v[0]), high: Number(v[1]), low: Number(v[2]), close: Number(v[3]), volume: Number(v[4]) }))).toEqual(
        json.bars,
      );
    }
    // format=json wins over Accept.
    expect((await getApi("/api/v1/bars/E2EA?format=json&from=" + latest, { Accept: "text/csv" })).headers.get("Content-Type")).toMatch(/^application\/json/);
  });
});

describe("corporate actions", () => {
  it("lists E2EA's seeded splits and dividends, oldest first, all applied as of the latest session", async () => {
    const r = await getApi("/api/v1/corporate-actions/E2EA");
    expect(r.status).toBe(200);
    const body = r.json as { symbol: string; as_of: string; splits: Record<string, unknown>[]; dividends: Record<string, unknown>[] };
    expect(body.symbol).toBe("E2EA");
    expect(body.as_of).toBe(raw[raw.length - 1]!.date);
    expect(body.splits).toEqual(
      [...splits]
        .sort((a, b) => a.date.localeCompare(b.date))
        .map((s) => ({
          id: s.id,
          execution_date: s.date,
          split_from: s.splitFrom,
          split_to: s.splitTo,
          adjustment_type: s.adjustmentType,
          applied: true,
          status: "applied",
          reason: null,
          price_factor: expect.closeTo(s.splitFrom / s.splitTo, 12),
        })),
    );
    expect(body.dividends).toEqual(
      [...dividends]
        .sort((a, b) => a.date.localeCompare(b.date))
        .map((dv) => {
          const prev = raw[raw.findIndex((b) => b.date === dv.date) - 1]!.close;
          return expect.objectContaining({
            id: dv.id,
            ex_dividend_date: dv.date,
            cash_amount: dv.cashAmount,
            currency: "USD",
            frequency: 4,
            applied: true,
            status: "applied",
            previous_close: prev,
            price_factor: expect.closeTo(1 - dv.cashAmount / prev, 12),
          });
        }),
    );
  });

  describe("with an announced split and a symbol known only by its actions", () => {
    const extra: CorporateAction[] = [
      { kind: "split", id: "API-TEST-ANNOUNCED", symbol: "E2EB", date: addDays(latest, 20), splitFrom: 1, splitTo: 3, adjustmentType: "forward_split" },
      { kind: "dividend", id: "API-TEST-NOBARS", symbol: "APITSTZ", date: addDays(latest, -30), cashAmount: 0.5, currency: "USD" },
    ];
    beforeAll(async () => {
      await upsertCorporateActions(d.db, extra, { feed: "synthetic", runId: "api-test", lakeObjectOf: () => "raw/synthetic/api-test.json" });
    });
    afterAll(async () => {
      await d.db.collection("corporate_actions").deleteMany({ apiId: { $in: extra.map((a) => a.id) } });
    });

    it("an announced split is listed with applied false and changes no bar", async () => {
      const r = await getApi("/api/v1/corporate-actions/E2EB");
      expect(r.json).toMatchObject({ symbol: "E2EB", splits: [{ id: "API-TEST-ANNOUNCED", applied: false, status: "announced", price_factor: null }], dividends: [] });
      expect((await bars("E2EB", "?adjustment=split")).bars).toEqual((await bars("E2EB", "?adjustment=raw")).bars);
    });

    it("a symbol with actions but no bars has an empty history, not a 404", async () => {
      expect(await bars("APITSTZ")).toEqual({ symbol: "APITSTZ", adjustment: "split", bars: [] });
      const r = await getApi("/api/v1/corporate-actions/APITSTZ");
      expect(r.json).toMatchObject({ as_of: null, splits: [], dividends: [{ id: "API-TEST-NOBARS", applied: false, status: "outside_history" }] });
    });
  });
});

describe("errors", () => {
  it("an unknown symbol is a 404 with a sentence, on both routes", async () => {
    for (const path of ["/api/v1/bars/NOPE", "/api/v1/bars/NOPE?adjustment=all&format=csv", "/api/v1/corporate-actions/NOPE", "/api/v1/bars/e2ea"]) {
      const r = await getApi(path);
      expect(r.status, path).toBe(404);
      expect(r.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
      expect(r.json, path).toEqual({ error: expect.stringMatching(/^There is no symbol "(NOPE|e2ea)": it has no bars and no corporate actions here/) });
    }
  });

  it("a bad parameter is a 400 with a sentence naming it, before any data is read", async () => {
    const cases: [string, RegExp][] = [
      ["/api/v1/bars/E2EA?from=2024-02-30", /^from must be a real date written as YYYY-MM-DD/],
      ["/api/v1/bars/E2EA?from=2024-06-10&to=2024-06-07", /^from \(2024-06-10\) is after to \(2024-06-07\)/],
      ["/api/v1/bars/E2EA?adjustment=$where", /^adjustment must be raw, split or all; got "\$where"\.$/],
      ["/api/v1/bars/E2EA?limit=10", /^Unknown query parameter "limit": this endpoint takes from, to, adjustment and format\.$/],
      ["/api/v1/bars/E2EA?adjustment=raw&adjustment=all", /^The query parameter "adjustment" was given 2 times/],
      ["/api/v1/bars/E2EA?from=0000-01-03", /is before 1900-01-01/],
      [`/api/v1/bars/${encodeURIComponent('{"$gt":""}')}`, /is not a valid symbol/],
      ["/api/v1/corporate-actions/E2EA?from=2024-01-02", /^Unknown query parameter "from": this endpoint takes no query parameters\.$/],
      ["/api/v1/corporate-actions/$where", /^"\$where" is not a valid symbol/],
    ];
    for (const [path, message] of cases) {
      const r = await getApi(path);
      expect(r.status, path).toBe(400);
      expect(r.headers.get("Cache-Control"), path).toBe("no-store");
      expect(r.json, path).toEqual({ error: expect.stringMatching(message) });
    }
  });

  it("an address under /api that is no route is a JSON 404, and the OpenAPI document takes no parameters either", async () => {
    for (const path of ["/api/v1/bars/", "/api/v1/nothing?x=1", "/api/v2/bars/E2EA"]) {
      const r = await getApi(path);
      expect(r.status, path).toBe(404);
      expect(r.json, path).toEqual({ error: expect.stringMatching(/^There is no such API address: see \/api\/v1\/openapi\.json/) });
    }
    const r = await getApi("/api/v1/openapi.json?version=2");
    expect([r.status, r.json]).toEqual([400, { error: 'Unknown query parameter "version": this endpoint takes no query parameters.' }]);
  });

  it("a write to an API address is a 405 naming the allowed methods", async () => {
    const r = await fetch(url("/api/v1/bars/E2EA"), { method: "POST", body: "x=1", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(r.status).toBe(405);
    expect(r.headers.get("Allow")).toBe("GET, HEAD");
    expect(await r.json()).toEqual({ error: expect.stringMatching(/only answers GET/) });
  });
});

describe("the OpenAPI document", () => {
  type Operation = {
    parameters?: { name: string; in: string; schema: JsonSchema & { example?: string; enum?: string[] } }[];
    responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
  };
  let doc: { openapi: string; paths: Record<string, { get: Operation }>; components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> } };
  beforeAll(async () => {
    const r = await getApi("/api/v1/openapi.json");
    expect(r.status).toBe(200);
    doc = JSON.parse(r.text) as typeof doc;
  });

  it("is OpenAPI 3.1 JSON listing the four routes and the bearer scheme", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(["/api/v1/bars/{symbol}", "/api/v1/corporate-actions/{symbol}", "/api/v1/market/movers", "/api/v1/openapi.json"]);
    expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
  });

  it("every route answers as documented, with every documented parameter value, and its errors match the Error schema", async () => {
    const schema = (s: JsonSchema) => validate(s, doc.components.schemas);
    for (const [template, { get: op }] of Object.entries(doc.paths)) {
      const path = template.replace("{symbol}", "E2EA");
      const queries: Record<string, string>[] = [{}];
      for (const p of (op.parameters ?? []).filter((p) => p.in === "query")) {
        const values = p.schema.enum ?? [p.schema.example!];
        expect(values.length, p.name).toBeGreaterThan(0);
        for (const v of values) queries.push({ [p.name]: v });
      }
      for (const q of queries) {
        const r = await getApi(`${path}${Object.keys(q).length ? `?${new URLSearchParams(q)}` : ""}`);
        const label = `${path} ${JSON.stringify(q)}`;
        expect(r.status, `${label}: ${r.text.slice(0, 200)}`).toBe(200);
        const type = r.headers.get("Content-Type")!.split(";")[0]!;
        const documented = op.responses["200"]!.content!;
        expect(Object.keys(documented), label).toContain(type);
        if (type === "application/json") expect(schema(documented[type]!.schema)(r.json), label).toEqual([]);
      }
      if (template.includes("{symbol}")) {
        for (const [status, bad] of [
          ["404", template.replace("{symbol}", "NOPE")],
          ["400", template.replace("{symbol}", "$where")],
        ] as const) {
          const r = await getApi(bad);
          expect(String(r.status)).toBe(status);
          expect(schema(op.responses[status]!.content!["application/json"]!.schema)(r.json)).toEqual([]);
        }
      }
    }
  });
});
