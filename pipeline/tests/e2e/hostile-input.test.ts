/**
 * Hostile input to the built CLI: arguments, configuration and raw lake
 * objects edited by hand. Each must end in one readable sentence (no stack
 * trace) with the documented exit code, and write nothing it should not: the
 * database (prices, quarantine, runs, audit), the lake and the Polygon fake's
 * request counter are compared before and after. config.test.ts and
 * dates.test.ts cover the basic cases (an impossible date, --from after --to
 * as an exit code, notaurl, abc as a rate); this file covers the rest.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { BSON } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import { todayInNewYork } from "../../src/calendar/nyse.js";
import { openLake } from "../../src/lake/lake.js";
import { describeRun, hasStackTrace, listFiles, useE2eWorld, type CliRun, type EnvOverrides } from "./harness.js";

const w = await useE2eWorld({ name: "hostile", tickers: "AAPL,MSFT" });
const lake = openLake(w.lakeDir);

const D1 = "2025-01-06";
const D2 = "2025-01-07";
const RANGE = { from: "2025-01-13", to: "2025-01-17" };
const groupedKeyOf = (date: string) => `raw/polygon/grouped/date=${date}/grouped.json`;
const RANGE_KEY = `raw/polygon/range/ticker=AAPL/from=${RANGE.from}_to=${RANGE.to}/page-0001.json`;
const COLLECTIONS = ["daily_prices", "quarantine", "pipeline_runs", "audit_log"] as const;

/** Everything a command could write: every document of every collection, every lake file's bytes, the API requests. */
async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { apiRequests: w.fake.stats().total };
  for (const c of COLLECTIONS) out[c] = BSON.EJSON.stringify(await w.db.collection(c).find({}).sort({ _id: 1 }).toArray());
  for (const f of await listFiles(w.lakeDir))
    out[`lake:${f}`] = createHash("sha256")
      .update(await readFile(path.join(w.lakeDir, f)))
      .digest("hex");
  return out;
}

/** Runs the invocations two at a time (the machine has two cores), keeping their order. */
async function runAll(cases: readonly { args: string[]; env?: EnvOverrides }[]): Promise<CliRun[]> {
  const out: CliRun[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      out[i] = await w.cli(cases[i]!.args, cases[i]!.env);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** The error lines a failed command printed (progress lines do not start with the program's name). */
const errorLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("stock-pipeline"));

/** One clear sentence: the expected exit code, one error line matching `message`, no stack trace, nothing flooded. */
function expectRefusal(label: string, r: CliRun, code: number, message: RegExp): void {
  const why = `${label}\n${describeRun(r).slice(0, 3000)}`;
  expect(r.code, why).toBe(code);
  const lines = errorLines(r.stderr);
  expect(lines, why).toHaveLength(1);
  expect(lines[0], why).toMatch(message);
  expect(hasStackTrace(r.stderr), why).toBe(false);
  expect(r.stderr, why).not.toMatch(/unexpected error/);
  for (const line of r.stderr.split("\n")) expect(line.length, `${label}: a line of ${line.length} characters`).toBeLessThan(600);
}

type Case = [label: string, args: string[], message: RegExp, env?: EnvOverrides];

/** Runs a table of invocations that must all be refused with exit 2 and leave every store as it was. */
async function expectAllRefusedWithoutWrites(cases: readonly Case[]): Promise<void> {
  const before = await snapshot();
  const runs = await runAll(cases.map(([, args, , env]) => ({ args, env })));
  cases.forEach(([label, , message], i) => expectRefusal(label, runs[i]!, 2, message));
  expect(await snapshot(), "a refused command changed the database, the lake or called the API").toEqual(before);
}

beforeAll(async () => {
  // Something to protect: two grouped sessions and a range page in the lake and in MongoDB.
  for (const args of [
    ["run", "--date", D1],
    ["run", "--date", D2],
    ["backfill", "--from", RANGE.from, "--to", RANGE.to, "--tickers", "AAPL"],
  ]) {
    const r = await w.cli(args);
    expect(r.code, describeRun(r)).toBe(0);
  }
  expect(await w.db.collection("daily_prices").countDocuments()).toBe(2 * 2 + 5);
});

describe("hostile arguments", () => {
  const dateSentence = /must be a real date written YYYY-MM-DD/;

  it("a date option that is not a real YYYY-MM-DD date exits 2 naming the option, whichever option it is", async () => {
    const values = ["2024-13-01", "2024-02-30", "yesterday", "", "1e9", " 2024-01-02", "2024-01-02T00:00:00Z", "٢٠٢٤-٠١-٠٢", "2024-01-02' OR '1'='1", "$(rm -rf ~)", '{"$gt":""}'];
    const slots: ((v: string) => string[])[] = [
      (v) => ["run", "--date", v],
      (v) => ["load", "--date", v],
      (v) => ["extract", "--date", v],
      (v) => ["check", "--date", v],
      (v) => ["backfill", "--from", v, "--to", "2025-01-10", "--tickers", "AAPL"],
      (v) => ["backfill", "--from", "2025-01-02", "--to", v, "--tickers", "AAPL"],
      (v) => ["reprocess", "--from", v, "--to", "2025-01-10"],
      (v) => ["reprocess", "--from", "2025-01-02", "--to", v],
    ];
    await expectAllRefusedWithoutWrites(
      values.map((v, i): Case => {
        const args = slots[i % slots.length]!(v);
        const option = args.find((a, j) => a.startsWith("--") && args[j + 1] === v)!;
        return [`${args.join(" ")} (${JSON.stringify(v)})`, args, new RegExp(`${option} ${dateSentence.source}`)];
      }),
    );
  });

  it("dates outside the years the pipeline handles, and absurd ranges, exit 2 before any run record, lake object or API call", async () => {
    const today = todayInNewYork();
    await expectAllRefusedWithoutWrites([
      ["the year 1900", ["run", "--date", "1900-01-02"], /--date 1900-01-02 is before 2000-01-01/],
      ["the day before 2000", ["backfill", "--from", "1999-12-31", "--to", "2000-01-31", "--tickers", "AAPL"], /--from 1999-12-31 is before 2000-01-01/],
      ["a 100-year back-fill", ["backfill", "--from", "1925-01-02", "--to", "2024-12-31", "--tickers", "AAPL,MSFT"], /--from 1925-01-02 is before 2000-01-01/],
      ["the year 3000", ["run", "--date", "3000-01-02"], new RegExp(`--date 3000-01-02 is in the future \\(today in New York is ${today}\\)`)],
      ["the last representable day", ["check", "--date", "9999-12-31"], /--date 9999-12-31 is in the future/],
      ["a reprocess starting in the future", ["reprocess", "--from", "3000-01-01", "--to", "3001-01-01"], /--from 3000-01-01 is in the future/],
      ["--from after --to", ["backfill", "--from", "2025-01-10", "--to", "2025-01-02", "--tickers", "AAPL"], /--from 2025-01-10 is after --to 2025-01-02/],
      ["--from after --to by 100 years", ["reprocess", "--from", "2024-12-31", "--to", "2000-01-03"], /--from 2024-12-31 is after --to 2000-01-03/],
    ]);
  });

  it("unknown commands, unknown or repeated options and switches given values exit 2 with a sentence", async () => {
    await expectAllRefusedWithoutWrites([
      ["__proto__ as a command", ["__proto__"], /unknown command "__proto__"/],
      ["a command in capitals, with its options", ["RUN", "--date", D1], /unknown command "RUN"/],
      ["a command given twice", ["run", "run", "--date", D1], /Unknown argument: run/],
      ["an option in capitals", ["run", "--DATE", D1], /Unknown argument|Missing required argument: date/],
      ["an option without its value", ["load", "--date"], /Not enough arguments following: date/],
      ["--tickers without its value", ["load", "--date", D1, "--tickers"], /Not enough arguments following: tickers/],
      ["--date given twice", ["load", "--date", D1, "--date", D2], /--date was given more than once/],
      ["--tickers given twice", ["load", "--date", D1, "--tickers", "AAPL", "--tickers", "MSFT"], /--tickers was given more than once/],
      ["a switch given a word", ["load", "--date", D1, "--overwrite-manual=maybe"], /--overwrite-manual is a switch.*"maybe"/],
      ["a switch given yes", ["backfill", "--from", RANGE.from, "--to", RANGE.to, "--tickers", "AAPL", "--refetch=yes"], /--refetch is a switch.*"yes"/],
    ]);
  });

  it("tickers shaped like operators, injections, paths or floods exit 2 naming --tickers or TICKERS, cut short", async () => {
    const long = "A".repeat(5000);
    await expectAllRefusedWithoutWrites([
      ["a MongoDB operator", ["load", "--date", D1, "--tickers", '{"$gt":""}'], /--tickers has invalid ticker\(s\): \{"\$gt":""\}/],
      ["$where", ["run", "--date", D1, "--tickers", "$where"], /--tickers has invalid ticker\(s\): \$where/],
      ["a space", ["backfill", "--from", RANGE.from, "--to", RANGE.to, "--tickers", "A B"], /--tickers has invalid ticker\(s\): A B/],
      ["a shell command", ["check", "--date", D1, "--tickers", "AAPL;rm -rf ~"], /--tickers has invalid ticker\(s\): AAPL;rm -rf ~/],
      ["right-to-left override", ["load", "--date", D1, "--tickers", "\u202eLPAA"], /--tickers has invalid ticker/],
      ["5,000 characters", ["load", "--date", D1, "--tickers", long], /--tickers has invalid ticker\(s\): A{24}… \(5000 characters\)$/],
      ["* for a back-fill", ["backfill", "--from", RANGE.from, "--to", RANGE.to, "--tickers", "*"], /backfill needs a ticker list/],
      ["* for a back-fill from TICKERS", ["backfill", "--from", RANGE.from, "--to", RANGE.to], /backfill needs a ticker list/, { TICKERS: "*" }],
      ["an operator in TICKERS", ["status"], /TICKERS has invalid ticker\(s\): \$where/, { TICKERS: "AAPL,$where" }],
    ]);
  });
});

describe("hostile configuration", () => {
  const run = ["run", "--date", D1];

  it("a MONGODB_URI the driver cannot parse exits 2 naming MONGODB_URI, without its password", async () => {
    const password = "hostile-pw-0451";
    const cases: Case[] = [
      ["a doubled @", "mongodb://a:b:c@@/x"],
      ["a port out of range", "mongodb://127.0.0.1:99999999/"],
      ["an operator as an option", "mongodb://127.0.0.1/?$where=1"],
      ["a non-numeric timeout option", "mongodb://127.0.0.1/?serverSelectionTimeoutMS=abc"],
      ["an unknown auth mechanism, with a password", `mongodb://user:${password}@127.0.0.1:27017/?authMechanism=BOGUS`],
      ["an SRV URI with a port", "mongodb+srv://cluster0.example.net:27017/"],
      ["a malformed escape in the password", "mongodb://user:p%zz@127.0.0.1/"],
    ].map(([label, uri]): Case => [`MONGODB_URI ${label}`, run, /MONGODB_URI (is not a valid connection string|must start with)/, { MONGODB_URI: uri! }]);
    await expectAllRefusedWithoutWrites(cases);
    for (const r of w.runs.filter((x) => x.stderr.includes("MONGODB_URI"))) expect(r.stderr + r.stdout).not.toContain(password);
  });

  it("rate limits, timeouts and retry settings that are not positive finite numbers in range exit 2 naming the variable", async () => {
    const table: [string, string][] = [
      ["POLYGON_MAX_REQUESTS_PER_MINUTE", "0"],
      ["POLYGON_MAX_REQUESTS_PER_MINUTE", "-1"],
      ["POLYGON_MAX_REQUESTS_PER_MINUTE", "1e309"],
      ["POLYGON_MAX_REQUESTS_PER_MINUTE", "5 per minute"],
      ["POLYGON_TIMEOUT_MS", "0"],
      ["POLYGON_TIMEOUT_MS", "1e12"],
      ["POLYGON_MAX_RETRIES", "1.5"],
      ["POLYGON_MAX_RETRIES", "-1"],
      ["POLYGON_RETRY_BASE_MS", "0"],
    ];
    await expectAllRefusedWithoutWrites(table.map(([name, value]): Case => [`${name}=${value}`, run, new RegExp(`Invalid configuration: ${name} must be`), { [name]: value }]));
  });

  it("a LAKE_URI of an unknown backend, a malformed file URL or an invalid GCS bucket exits 2 naming LAKE_URI, even for status", async () => {
    const table: [string, RegExp][] = [
      ["s3://bucket/lake", /LAKE_URI "s3:\/\/bucket\/lake" is not a supported lake URI/],
      ["file://relative/lake", /LAKE_URI "file:\/\/relative\/lake" is not a file URL of a local folder/],
      ["gs://-bucket", /LAKE_URI gs:\/\/ must name a valid bucket/],
      ["gs://bucket name", /LAKE_URI gs:\/\/ must name a valid bucket/],
      ["GS://Upper_Case", /LAKE_URI gs:\/\/ must name a valid bucket/],
      ["gs://stock-lake/../escape", /LAKE_URI "gs:\/\/stock-lake\/\.\.\/escape" has an invalid object prefix/],
    ];
    // status never opens the lake, yet is refused too: the variable is checked at start-up.
    await expectAllRefusedWithoutWrites(table.map(([uri, message], i): Case => [`LAKE_URI=${uri}`, i % 2 ? ["status"] : run, message, { LAKE_URI: uri }]));
  });
});

describe("raw lake objects edited by hand", () => {
  /** Rewrites a lake object's bytes, keeping its metadata, as a person with a text editor would. */
  async function edit(key: string, body: string): Promise<void> {
    const { meta } = await lake.get(key);
    await lake.put(key, Buffer.from(body, "utf8"), meta);
  }

  /** Runs `body` on the object's text, then puts the original bytes back whatever happened. */
  async function withEdited(key: string, body: (original: string) => Promise<void>): Promise<void> {
    const original = (await lake.get(key)).body.toString("utf8");
    try {
      await body(original);
    } finally {
      await edit(key, original);
    }
  }

  /** The stored response with its AAPL bar replaced by `row` (JSON text, so it can hold what JSON.stringify never writes). */
  function withAaplRow(original: string, row: (bar: Record<string, unknown>) => string): string {
    const json = JSON.parse(original) as { results: Record<string, unknown>[] };
    const i = json.results.findIndex((r) => r.T === "AAPL");
    expect(i, "the stored response has an AAPL bar").toBeGreaterThanOrEqual(0);
    const rows = json.results.map((r, j) => (j === i ? row(r) : JSON.stringify(r)));
    return JSON.stringify({ ...json, results: "__ROWS__" }).replace('"__ROWS__"', `[${rows.join(",")}]`);
  }
  /** A bar's JSON with `field` replaced by raw JSON text. */
  const withField = (bar: Record<string, unknown>, field: string, raw: string) => JSON.stringify({ ...bar, [field]: "__V__" }).replace('"__V__"', raw);

  // load and reprocess read an object the same way: the cases alternate between them, so each sees half.
  const commands = [
    ["load", "--date", D2, "--json"],
    ["reprocess", "--from", D1, "--to", D2, "--json"],
  ];

  it("an unreadable grouped object (empty, wrong shape, NaN, error status) fails load and reprocess with exit 1 naming it, and changes no record", async () => {
    const key = groupedKeyOf(D2);
    const cases: [label: string, body: (original: string) => string, message: RegExp][] = [
      ["an empty file", () => "", /is not valid JSON/],
      ["a JSON array", () => "[]", /is not a Polygon response object/],
      ["JSON null", () => "null", /is not a Polygon response object/],
      ["results that are an object", () => '{"status":"OK","results":{"T":"AAPL","o":1}}', /"results" is not an array/],
      ["an error response", () => '{"status":"ERROR","error":"edited by hand"}', /has status "ERROR", not "OK"/],
      ["a bare NaN", (o) => o.replace(/"o":[0-9.]+/, '"o":NaN'), /is not valid JSON/],
    ];
    await withEdited(key, async (original) => {
      for (const [i, [label, body, message]] of cases.entries()) {
        await edit(key, body(original));
        const before = await snapshot();
        const r = await w.cli(commands[i % 2]!);
        const why = `${label} (${r.args[0]})`;
        expectRefusal(why, r, 1, new RegExp(`lake object ${key.replace(/[.]/g, "\\.")}.*${message.source}`));
        expect(r.json(), why).toMatchObject({ outcome: "failed", exitCode: 1, error: { kind: "RawObjectError" } });
        const after = await snapshot();
        for (const c of ["daily_prices", "quarantine", "audit_log", "apiRequests"]) expect(after[c], `${why}: ${c} changed`).toEqual(before[c]);
        // The one thing written: the run record, saying what failed.
        const record = await w.db.collection<{ _id: string; outcome: string; error?: { message: string } }>("pipeline_runs").findOne({ _id: r.json().runId as string });
        expect(record, why).toMatchObject({ outcome: "failed", error: { message: expect.stringContaining(key) } });
      }
    });
  });

  it("a grouped object whose metadata was replaced by junk fails load with exit 1 naming it, and changes no record", async () => {
    const key = groupedKeyOf(D2);
    const sidecar = path.join(w.lakeDir, ...`${key}.meta.json`.split("/"));
    const meta = await readFile(sidecar, "utf8");
    try {
      await writeFile(sidecar, "{not json");
      const before = await snapshot();
      const r = await w.cli(["load", "--date", D2]);
      expectRefusal("junk metadata", r, 1, new RegExp(`the metadata of lake object ${key.replace(/[.]/g, "\\.")} .* is not a JSON object of strings`));
      const after = await snapshot();
      for (const c of ["daily_prices", "quarantine", "audit_log"]) expect(after[c], c).toEqual(before[c]);
    } finally {
      await writeFile(sidecar, meta);
    }
  });

  it("an edited bar (huge numbers, NaN-like strings, floods, deep nesting) is quarantined naming the object, exit 4, and no record changes", async () => {
    const key = groupedKeyOf(D2);
    const cases: [label: string, row: (bar: Record<string, unknown>) => string, reason: RegExp][] = [
      ["a number too big for a double (1e400)", (b) => withField(b, "o", "1e400"), /open \(o\) must be a number/],
      ["an absurd but finite price (1e308)", (b) => withField(b, "h", "1e308"), /high \(h\) must be at most 10,000,000,000,000/],
      ["a time stamp beyond any date (1e20)", (b) => withField(b, "t", "1e20"), /t \(time stamp\) 100000000000000000000 is not an instant between the years 0001 and 9999/],
      ["NaN-like strings", (b) => JSON.stringify({ ...b, o: "NaN", v: "Infinity" }), /open \(o\) must be a number; volume \(v\) must be a number/],
      ["a megabyte-long string", (b) => JSON.stringify({ ...b, c: "9".repeat(1_000_000) }), /close \(c\) must be a number/],
      ["a bar nested 100,000 arrays deep", () => `${"[".repeat(100_000)}${"]".repeat(100_000)}`, /row is not an object/],
    ];
    await withEdited(key, async (original) => {
      for (const [i, [label, row, reason]] of cases.entries()) {
        await edit(key, withAaplRow(original, row));
        await w.db.collection("quarantine").deleteMany({});
        const before = await snapshot();
        const r = await w.cli(commands[i % 2]!);
        const why = `${label} (${r.args[0]})\n${describeRun(r).slice(0, 3000)}`;
        expect(r.code, why).toBe(4);
        expect(r.stderr, why).toMatch(/1 row\(s\) were rejected and quarantined/);
        expect(r.stderr, why).toContain(`of ${key}`);
        expect(r.stderr, why).toMatch(reason);
        expect(hasStackTrace(r.stderr), why).toBe(false);
        for (const line of r.stderr.split("\n")) expect(line.length, `${label}: a line of ${line.length} characters`).toBeLessThan(600);
        expect(r.json().counts, why).toMatchObject({ rejected: 1, inserted: 0, updated: 0 });
        const after = await snapshot();
        expect(after.daily_prices, `${label}: a record changed`).toEqual(before.daily_prices);
        expect(after.audit_log, label).toEqual(before.audit_log);
        const q = await w.db.collection("quarantine").find({}).toArray();
        expect(q, `${label}: one quarantined row`).toHaveLength(1);
        expect(q[0], label).toMatchObject({ lakeObject: key });
        expect((q[0]!.reasons as string[]).join("; "), label).toMatch(reason);
        // Kept as JSON text, and bounded: a hand-edited object cannot bloat the collection or break its 16 MB limit.
        expect(() => JSON.parse(q[0]!.rowJson as string), label).not.toThrow();
        expect((q[0]!.rowJson as string).length, label).toBeLessThanOrEqual(20_000);
      }
    });
  });

  it("an edited range page is quarantined by reprocess naming the page, exit 4, and the other bars stay as they were", async () => {
    await withEdited(RANGE_KEY, async (original) => {
      const json = JSON.parse(original) as { results: Record<string, unknown>[] };
      json.results[2] = { ...json.results[2], t: -1e20 };
      await edit(RANGE_KEY, JSON.stringify(json));
      await w.db.collection("quarantine").deleteMany({});
      const before = await snapshot();
      const r = await w.cli(["reprocess", "--from", RANGE.from, "--to", RANGE.to, "--json"]);
      expect(r.code, describeRun(r)).toBe(4);
      expect(r.stderr).toMatch(new RegExp(`rejected row 2 of ${RANGE_KEY.replace(/[.]/g, "\\.")} \\(AAPL \\?\\): t \\(time stamp\\) -100000000000000000000 is not an instant`));
      expect(r.json().counts).toMatchObject({ valid: 4, rejected: 1, updated: 0, inserted: 0 });
      const after = await snapshot();
      expect(after.daily_prices).toEqual(before.daily_prices);
      expect(after.apiRequests).toBe(before.apiRequests);
      expect(
        await w.db
          .collection("quarantine")
          .find({}, { projection: { _id: 0, lakeObject: 1, rowIndex: 1 } })
          .toArray(),
      ).toEqual([{ lakeObject: RANGE_KEY, rowIndex: 2 }]);
    });
  });
});

describe("after all of that", () => {
  it("the pipeline still loads and reprocesses the untouched lake exactly as before", async () => {
    const before = await snapshot();
    const r = await w.cli(["reprocess", "--from", D1, "--to", RANGE.to, "--json"]);
    expect(r.code, describeRun(r)).toBe(0);
    // counts.valid also holds the corporate-action rows of the lake's actions objects (details.actions).
    const { counts, details } = r.json();
    expect(counts).toMatchObject({ valid: 2 * 2 + 5 + details.actions.splits + details.actions.dividends, rejected: 0, inserted: 0, updated: 0, unchanged: 2 * 2 + 5 });
    expect((await snapshot()).daily_prices).toEqual(before.daily_prices);
  });
});
