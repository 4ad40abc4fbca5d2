/**
 * Hostile input to the production server over plain HTTP: every form (create,
 * edit, delete, undo, sign-in) signed in as the editor with a valid CSRF token,
 * so the input really reaches validation, and every query string (records,
 * CSV, chart, compare, audit). Each must be answered with a 4xx and a readable
 * page or message (or, for a read whose filters are ignored, the page saying
 * so), never a 500 or a stack trace, and must change nothing in daily_prices
 * and audit_log. The server must still serve pages after all of it.
 *
 * Forms are sent both ways a browser sends them: as a plain form post (no
 * JavaScript: the answer is an HTML page) and as Remix's fetch with
 * `?_data=<route>` (JavaScript: the answer is JSON). The pages are slow on the
 * embedded database, so most cases take the second, cheaper way.
 */
import { addDays, tradingDaysBetween } from "@stock-market/pipeline/calendar/nyse";
import { BSON } from "mongodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { url, useDb } from "./browser";

const d = useDb();
const latest = inject("latest");
const editor = inject("editor");
const recent = tradingDaysBetween(addDays(latest, -90), latest);
/** A seeded record the edit, delete and undo forms point at. */
const DAY = recent[20]!;
/** A symbol with no record: a create that wrongly passed would add one, and the snapshot would show it. */
const NEW = { symbol: "HSTL", date: recent[25]!, open: "10", high: "12", low: "9", close: "11", volume: "1000" };
const VALUES = { open: "10", high: "12", low: "9", close: "11", volume: "1000" };

/** A browser without JavaScript: a cookie jar over fetch, redirects not followed. */
class Client {
  private readonly jar = new Map<string, string>();
  get cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  setCookie(name: string, value: string): void {
    this.jar.set(name, value);
  }
  async fetch(path: string, init: RequestInit & { duplex?: "half" } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set("Cookie", this.cookie);
    const r = await fetch(url(path), { ...init, headers, redirect: "manual" });
    for (const c of r.headers.getSetCookie()) {
      const [pair = ""] = c.split(";");
      const eq = pair.indexOf("=");
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.jar.delete(pair.slice(0, eq));
      else this.jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return r;
  }
  /** A urlencoded form post; fields as pairs, so a field can be sent twice. */
  post(path: string, fields: [string, string][] | Record<string, string>): Promise<Response> {
    const body = new URLSearchParams(Array.isArray(fields) ? fields : Object.entries(fields));
    return this.fetch(path, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  }
  /** The CSRF token the pages render for this client's session. */
  async csrf(path = "/audit"): Promise<string> {
    const html = await (await this.fetch(path)).text();
    const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error(`no CSRF token on ${path}`);
    return token;
  }
}

/** Signs in as the editor through the real form; returns the client and its session's CSRF token. */
async function signedIn(): Promise<{ client: Client; csrf: string }> {
  const client = new Client();
  const r = await client.post("/login", { csrf: await client.csrf("/login"), username: editor.username, password: editor.password, redirectTo: "/records" });
  expect(r.status, "the editor could not sign in").toBe(302);
  return { client, csrf: await client.csrf() };
}

/** The page's visible text (tags dropped, entities decoded), for matching messages. */
function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

/** Every string of a JSON answer, joined: what the page would show from it. */
function stringsOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") return Object.values(value).map(stringsOf).join(" ");
  return "";
}

/** The answer is the expected 4xx and a readable page or message saying `message`: not the 500 page, no stack trace. */
async function expectRefused(label: string, r: Response, status: number | number[], message?: RegExp): Promise<void> {
  const body = await r.text();
  const json = (r.headers.get("Content-Type") ?? "").includes("json");
  const text = json ? stringsOf(JSON.parse(body)) : textOf(body);
  const why = `${label}: HTTP ${r.status}\n${text.slice(0, 600)}`;
  if (Array.isArray(status)) expect(status, why).toContain(r.status);
  else expect(r.status, why).toBe(status);
  expect(body, why).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(text, why).not.toMatch(/Something went wrong|Unexpected Server Error/);
  if (message) expect(text, why).toMatch(message);
}

/** The forms: where they post, and the Remix route that answers a fetch (`?_data=`). */
const FORMS = {
  create: ["/records/new", "routes/records.new"],
  edit: [`/records/E2EA/${DAY}`, "routes/records.$symbol.$date"],
  delete: [`/records/E2EA/${DAY}/delete`, "routes/records.$symbol.$date_.delete"],
  undo: ["/audit", "routes/audit"],
  login: ["/login", "routes/login"],
} as const;

/** Posts a form as a browser without JavaScript (`js` false) or as Remix's fetch with `?_data=` (true). */
function submit(client: Client, form: keyof typeof FORMS, fields: [string, string][] | Record<string, string>, js: boolean): Promise<Response> {
  const [path, route] = FORMS[form];
  return client.post(js ? `${path}?_data=${encodeURIComponent(route)}` : path, fields);
}
/** Every third case of a table goes the no-JavaScript way, so both are seen. */
const viaJs = (i: number) => i % 3 !== 0;

/** Every document of daily_prices and audit_log, for the file's first and last word on "nothing changed". */
async function snapshot(): Promise<{ prices: string; audit: string }> {
  return {
    prices: BSON.EJSON.stringify(await d.db.collection("daily_prices").find({}).sort({ _id: 1 }).toArray()),
    audit: BSON.EJSON.stringify(await d.db.collection("audit_log").find({}).sort({ _id: 1 }).toArray()),
  };
}

/**
 * Runs one table's requests and checks that none of them wrote. Every write of
 * the app stamps a record's updatedAt (create, edit, delete, undo's restore)
 * and adds an audit entry (also undo of a create, which removes a record), so
 * these two checks catch each of them per table; the whole collections are
 * compared once, at the end of the file (a full read is slow on FerretDB).
 */
async function unchanged(run: () => Promise<void>): Promise<void> {
  const audit = d.db.collection("audit_log");
  const start = new Date();
  const entries = await audit.countDocuments({});
  await run();
  expect(await audit.countDocuments({}), "an audit entry was added: a change went through").toBe(entries);
  expect(await d.db.collection("daily_prices").countDocuments({ updatedAt: { $gte: start } }), "a record was created or changed").toBe(0);
}

let initial: Awaited<ReturnType<typeof snapshot>>;
let editorClient: Client;
let token: string;
let seenUpdatedAt: string;
let auditId: string;

beforeAll(async () => {
  initial = await snapshot();
  ({ client: editorClient, csrf: token } = await signedIn());
  const record = await d.db.collection("daily_prices").findOne({ symbol: "E2EA", date: new Date(`${DAY}T00:00:00.000Z`) });
  seenUpdatedAt = (record!.updatedAt as Date).toISOString();
  // An undoable entry to aim the hostile undo forms at: any real one will do, else a made-up id.
  const entry = await d.db.collection("audit_log").findOne({ action: { $ne: "undo" }, undoneBy: { $exists: false } });
  auditId = entry?._id.toHexString() ?? "0".repeat(24);
  expect(await d.db.collection("daily_prices").countDocuments({ symbol: NEW.symbol })).toBe(0);
});

describe("the record forms, signed in with a valid CSRF token", () => {
  it("non-numbers, NaN, Infinity, -0, negatives, 1e308, huge integers and empty values are refused with 400 and the field's error", async () => {
    const table: [field: keyof typeof VALUES, value: string, message: RegExp][] = [
      ["open", "abc", /Open must be a number/],
      ["high", "NaN", /High must be a number/],
      ["low", "Infinity", /Low must be a number/],
      ["open", "-0", /Open must be greater than 0/],
      ["close", "-5", /Close must be greater than 0/],
      ["volume", "-1", /Volume must be 0 or more/],
      ["high", "1e308", /High must be at most 10,000,000,000,000/],
      ["open", "1e400", /Open must be a number/],
      ["volume", "9".repeat(400), /Volume must be a number/],
      ["volume", "99999999999999999999", /Volume must be at most 1,000,000,000,000,000/],
      ["open", "1e-400", /Open must be greater than 0/],
      ["close", "", /Close is required/],
      ["close", "１２", /Close must be a number/],
      ["open", "12\u0000", /Open must be a number/],
    ];
    await unchanged(async () => {
      for (const [i, [field, value, message]] of table.entries()) {
        // Alternate between the create and the edit form: both read values the same way.
        const r =
          i % 2 === 0
            ? await submit(editorClient, "create", { csrf: token, ...NEW, [field]: value }, viaJs(i))
            : await submit(editorClient, "edit", { csrf: token, updatedAt: seenUpdatedAt, ...VALUES, [field]: value }, viaJs(i));
        await expectRefused(`${field}=${JSON.stringify(value)} (${i % 2 ? "edit" : "create"}, ${viaJs(i) ? "fetch" : "form post"})`, r, 400, message);
      }
    });
  });

  it("impossible, far past, future, weekend and holiday dates are refused with 400 saying why", async () => {
    const table: [value: string, message: RegExp][] = [
      ["2024-02-30", /Date must be a real date written as YYYY-MM-DD/],
      ["yesterday", /Date must be a real date/],
      ["", /Date is required/],
      ['{"$gt":""}', /Date must be a real date/],
      ["0000-01-03", /Date 0000-01-03 is before 2000-01-01/],
      ["1900-01-02", /Date 1900-01-02 is before 2000-01-01/],
      ["3000-01-02", /Date 3000-01-02 is in the future/],
      ["2025-01-04", /2025-01-04 is not a NYSE trading day \(a weekend\)/],
      ["2025-07-04", /2025-07-04 is not a NYSE trading day \(Independence Day\)/],
      ["2025-01-09", /2025-01-09 is not a NYSE trading day \(Jimmy Carter day of mourning\)/],
    ];
    await unchanged(async () => {
      for (const [i, [value, message]] of table.entries())
        await expectRefused(`date=${JSON.stringify(value)}`, await submit(editorClient, "create", { csrf: token, ...NEW, date: value }, viaJs(i)), 400, message);
    });
  });

  it("symbols shaped like operators, injections, paths, floods or invisible characters are refused with 400", async () => {
    const values = ['{"$gt": ""}', "$where", "AAPL;rm -rf /", "A".repeat(10_000), "", "\u202eLPAA", "E2EA\u0000", "<script>alert(1)</script>"];
    await unchanged(async () => {
      for (const [i, value] of values.entries()) {
        const r = await submit(editorClient, "create", { csrf: token, ...NEW, symbol: value }, viaJs(i));
        await expectRefused(`symbol=${JSON.stringify(value.slice(0, 40))}`, r, 400, value === "" ? /Symbol is required/ : /Symbol must be a ticker/);
      }
    });
  });

  it("a field in bracket syntax or sent twice is refused with 400 by every form, never read as an operator or a first value", async () => {
    const cases: [label: string, form: keyof typeof FORMS, fields: [string, string][], message: RegExp][] = [
      [
        "symbol[$ne] instead of symbol",
        "create",
        [["csrf", token], ["symbol[$ne]", "x"], ...Object.entries({ ...NEW, symbol: undefined }).filter((e): e is [string, string] => e[1] !== undefined)],
        /field named "symbol\[\$ne\]"/,
      ],
      ["open[$gt] beside open", "create", [["csrf", token], ...Object.entries(NEW), ["open[$gt]", "0"]], /field named "open\[\$gt\]"/],
      ["__proto__", "create", [["csrf", token], ...Object.entries(NEW), ["__proto__", "x"]], /field named "__proto__"/],
      ["a second symbol", "create", [["csrf", token], ...Object.entries(NEW), ["symbol", "E2EA"]], /sent the field "symbol" more than once/],
      ["a second close on edit", "edit", [["csrf", token], ["updatedAt", seenUpdatedAt], ...Object.entries(VALUES), ["close", "99"]], /sent the field "close" more than once/],
      ["updatedAt[$gt] on edit", "edit", [["csrf", token], ["updatedAt[$gt]", ""], ...Object.entries(VALUES)], /field named "updatedAt\[\$gt\]"/],
      [
        "updatedAt[$ne] on delete",
        "delete",
        [
          ["csrf", token],
          ["updatedAt[$ne]", "x"],
        ],
        /field named "updatedAt\[\$ne\]"/,
      ],
      [
        "two updatedAt on delete",
        "delete",
        [
          ["csrf", token],
          ["updatedAt", "2000-01-01T00:00:00.000Z"],
          ["updatedAt", seenUpdatedAt],
        ],
        /sent the field "updatedAt" more than once/,
      ],
      [
        "id[$ne] on undo",
        "undo",
        [
          ["csrf", token],
          ["id[$ne]", "x"],
        ],
        /field named "id\[\$ne\]"/,
      ],
      [
        "two ids on undo",
        "undo",
        [
          ["csrf", token],
          ["id", "0".repeat(24)],
          ["id", auditId],
        ],
        /sent the field "id" more than once/,
      ],
      ["the token twice", "create", [["csrf", "forged"], ["csrf", token], ...Object.entries(NEW)], /sent the field "csrf" more than once/],
    ];
    await unchanged(async () => {
      for (const [i, [label, form, fields, message]] of cases.entries()) await expectRefused(label, await submit(editorClient, form, fields, viaJs(i)), 400, message);
    });
  });

  it("a malformed version, or a record key that cannot exist, is refused with 400, 404 or 409 and nothing is edited, deleted or undone", async () => {
    const cases: [label: string, r: () => Promise<Response>, status: number, message: RegExp][] = [
      ["no updatedAt", () => submit(editorClient, "edit", { csrf: token, ...VALUES }, true), 400, /did not say which version/],
      ["updatedAt that is no time", () => submit(editorClient, "edit", { csrf: token, updatedAt: "9999-99-99T99:99:99.999Z", ...VALUES }, false), 400, /did not say which version/],
      ["updatedAt as an operator", () => submit(editorClient, "delete", { csrf: token, updatedAt: '{"$gt":""}' }, true), 400, /did not say which version/],
      ["a stale updatedAt", () => submit(editorClient, "delete", { csrf: token, updatedAt: "2000-01-01T00:00:00.000Z" }, true), 409, /changed by .* after you opened it/],
      [
        "2024-02-30 in the address (edit)",
        () => editorClient.post("/records/E2EA/2024-02-30", { csrf: token, updatedAt: seenUpdatedAt, ...VALUES }),
        404,
        /There is no record for E2EA on 2024-02-30/,
      ],
      ["2024-02-30 in the address (page)", () => editorClient.fetch("/records/E2EA/2024-02-30"), 404, /There is no record/],
      [
        "the year 0000 in the address (delete)",
        () => editorClient.post(`/records/E2EA/0000-01-01/delete?_data=${encodeURIComponent(FORMS.delete[1])}`, { csrf: token, updatedAt: seenUpdatedAt }),
        404,
        /There is no record/,
      ],
      [
        "an operator as the symbol",
        () => editorClient.post(`/records/${encodeURIComponent('{"$gt":""}')}/${DAY}`, { csrf: token, updatedAt: seenUpdatedAt, ...VALUES }),
        404,
        /There is no record/,
      ],
      ["a NUL in the symbol", () => editorClient.fetch(`/records/E2EA%00/${DAY}/delete`), 404, /There is no record/],
      ["an empty undo id", () => submit(editorClient, "undo", { csrf: token, id: "" }, true), 409, /There is no such change to undo/],
      ["an operator as the undo id", () => submit(editorClient, "undo", { csrf: token, id: '{"$gt":""}' }, false), 409, /There is no such change to undo/],
      ["a 10,000-character undo id", () => submit(editorClient, "undo", { csrf: token, id: "f".repeat(10_000) }, true), 409, /There is no such change to undo/],
      ["an unknown undo id", () => submit(editorClient, "undo", { csrf: token, id: "0".repeat(24) }, true), 409, /There is no such change to undo/],
    ];
    await unchanged(async () => {
      for (const [label, r, status, message] of cases) await expectRefused(label, await r(), status, message);
    });
  });
});

describe("the sign-in form", () => {
  it("hostile user names and passwords are a plain 401, and bracket fields a 400; nobody is signed in", async () => {
    const names = ['{"$gt":""}', "$where", `${editor.username}\u0000`, `\u202e${editor.username}`, "a".repeat(10_000), ""];
    await unchanged(async () => {
      for (const username of names) {
        const client = new Client();
        const r = await client.post("/login", { csrf: await client.csrf("/login"), username, password: '{"$gt":""}' });
        await expectRefused(`username ${JSON.stringify(username.slice(0, 30))}`, r, 401, /Wrong user name or password/);
        expect(await client.fetch("/audit").then((p) => p.text()), "signed in after a refused sign-in").not.toMatch(/Signed in as/);
      }
      const client = new Client();
      const csrf = await client.csrf("/login");
      await expectRefused(
        "username[$ne] and password[$ne]",
        await client.post("/login", [
          ["csrf", csrf],
          ["username[$ne]", "x"],
          ["password[$ne]", "x"],
        ]),
        400,
        /field named "username\[\$ne\]"/,
      );
      await expectRefused(
        "the user name twice",
        await client.post("/login", [
          ["csrf", csrf],
          ["username", "x"],
          ["username", editor.username],
          ["password", editor.password],
        ]),
        400,
        /sent the field "username" more than once/,
      );
    });
  });

  it("a redirect target off this site, or with characters a browser drops, sends the editor to a page of this site instead", async () => {
    const targets = [
      "//evil.example/x",
      "/\\evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "https://evil.example/",
      "javascript:alert(1)",
      "/\r\nSet-Cookie: x=y",
      "/chart/€",
      "/%2F%2Fevil.example",
      "",
    ];
    const origin = new URL(url("/")).origin;
    for (const redirectTo of targets) {
      const label = `redirectTo=${JSON.stringify(redirectTo)}`;
      const client = new Client();
      const r = await client.post("/login", { csrf: await client.csrf("/login"), username: editor.username, password: editor.password, redirectTo });
      expect(r.status, label).toBe(302);
      expect(new URL(r.headers.get("Location")!, origin).origin, label).toBe(origin);
      // Signed in, the sign-in page redirects at once: the same check on its query string.
      const again = await client.fetch(`/login?redirectTo=${encodeURIComponent(redirectTo)}`);
      expect(again.status, `${label} (signed in)`).toBe(302);
      expect(new URL(again.headers.get("Location")!, origin).origin, `${label} (signed in)`).toBe(origin);
    }
  });
});

describe("query strings", () => {
  // Several hostile parameters per address (each is read on its own): the pages are slow on the embedded database.
  const op = encodeURIComponent('{"$gt":""}');
  const reads: [path: string, status: number, shows?: RegExp][] = [
    ["/records?page=1e308&size=1e308&sort=$where&dir=sideways&symbol=%00&from=2024-02-30", 200, /Ignored: .* is not a valid symbol; From must be a date/],
    [`/records?page=99999999999999999999&size=-50&symbol=${op}&symbol=E2EA&from=0000-01-01&to=9999-12-31&sort[$ne]=1`, 200, /Ignored: "\{"\$gt":""\}" is not a valid symbol/],
    [`/records?page=NaN&size=1000000&symbol=%E2%80%AE${"A".repeat(5000)}`, 200, /Ignored: "\u202eA{39}…" is not a valid symbol/],
    [`/records.csv?symbol=${op}&page=1e308&size=-1&sort=$where&from=0000-01-01&to=9999-12-31`, 200],
    ["/records.csv?symbol=E2ED&symbol=%00&from=2024-02-30&sort[$ne]=1", 200],
    ["/chart/E2ED?range=__proto__&ma=NaN&ma=1e308&ma=-20&ma[$ne]=1&ma=20&ma=20&from=2024-02-30&to=yesterday", 200],
    ["/chart/E2ED?range=1e308&range=MAX&from=9999-12-31&to=0000-01-01", 200],
    [`/chart/${op}?range=1e308`, 404, /There are no records for the symbol/],
    [`/chart/${"A".repeat(5000)}%00`, 404, /There are no records for the symbol/],
    ["/market?min_price=1e308&min_dollar_volume=-5&otc=__proto__", 400, /min_price must be a number/],
    [`/market?date=${op}`, 400, /date must be a real date/],
    ["/market?otc[$ne]=include", 400, /Unknown query parameter/],
    [`/compare?symbols=${op}&symbols[$ne]=x&symbols=${encodeURIComponent("E2ED,".repeat(1000))}&${"symbols=E2ED&".repeat(500)}range=__proto__&range=1e308`, 200],
    ["/audit?page=1e308", 200],
    [`/audit?page=99999999999999999999&symbol=${op}`, 200],
    ["/audit?page=-1&page=NaN&symbol[$ne]=x", 200],
    [`/chart?symbol=${op}&range=1e308`, 302],
    ["/chart/%E0%A4%A", 400],
  ];

  it("numbers, operators, brackets, repeats, unicode and NUL in a read's query string are ignored or refused, never a 500", async () => {
    const anon = new Client();
    await unchanged(async () => {
      for (const [path, status, shows] of reads) {
        const r = await anon.fetch(path);
        const label = `GET ${path.slice(0, 120)}`;
        if (r.status === 200 && path.startsWith("/records.csv")) {
          expect(r.headers.get("Content-Type"), label).toMatch(/^text\/csv/);
          expect((await r.text()).split(/\r?\n/)[0], label).toBe("symbol,date,open,high,low,close,volume,vwap,transactions,source,feed,updatedAt,updatedBy");
        } else await expectRefused(label, r, status, shows);
      }
      // Remix's fetch of the same loader: the bracketed operator is a parameter nobody reads, not a filter.
      const data = await anon.fetch(`/records?_data=routes%2Frecords._index&page=1e308&symbol[$ne]=x&symbol=${op}`);
      expect(data.status).toBe(200);
      const { problems, total } = (await data.json()) as { problems: string[]; total: number };
      expect(problems).toEqual([expect.stringMatching(/is not a valid symbol/)]);
      expect(total).toBe(await d.db.collection("daily_prices").countDocuments({ deletedAt: { $exists: false } }));
      // A data request for a route that is not this page's: Remix refuses it (403) with its own terse JSON.
      const wrongRoute = await anon.fetch("/records?_data=routes%2F..%2F..%2Fetc");
      expect(wrongRoute.status).toBe(403);
      expect(await wrongRoute.text()).not.toMatch(/^\s+at .+:\d+:\d+\)?$|E2E[A-D]/m);
    });
  });
});

describe("the read API's parameters", () => {
  const op = encodeURIComponent('{"$gt":""}');
  const api: [path: string, status: number, message: RegExp][] = [
    [`/api/v1/bars/${op}`, 400, /is not a valid symbol/],
    ["/api/v1/bars/$where?adjustment=all", 400, /"\$where" is not a valid symbol/],
    [`/api/v1/bars/${"A".repeat(5000)}`, 400, /"A{40}…" is not a valid symbol/],
    ["/api/v1/bars/E2EA%00", 400, /"E2EA\\u0000" is not a valid symbol/],
    ["/api/v1/bars/%E2%80%AELPAA", 400, /is not a valid symbol/],
    ["/api/v1/corporate-actions/..%2F..%2Fetc", 400, /is not a valid symbol/],
    ["/api/v1/bars/E2EA?adjustment=$where", 400, /^adjustment must be raw, split or all; got "\$where"/],
    ["/api/v1/bars/E2EA?adjustment=__proto__", 400, /^adjustment must be/],
    ["/api/v1/bars/E2EA?adjustment[$ne]=raw", 400, /^Unknown query parameter "adjustment\[\$ne\]"/],
    ["/api/v1/bars/E2EA?adjustment=raw&adjustment=all", 400, /"adjustment" was given 2 times/],
    [`/api/v1/bars/E2EA?from=${op}`, 400, /^from must be a real date/],
    ["/api/v1/bars/E2EA?from=2024-02-30", 400, /^from must be a real date written as YYYY-MM-DD/],
    ["/api/v1/bars/E2EA?to=2024-06-07%00", 400, /^to must be a real date/],
    ["/api/v1/bars/E2EA?from=0000-01-03", 400, /before 1900-01-01/],
    ["/api/v1/bars/E2EA?to=99999-12-31", 400, /^to must be a real date/],
    ["/api/v1/bars/E2EA?from=1e308", 400, /^from must be a real date/],
    ["/api/v1/bars/E2EA?from=2025-01-10&to=2025-01-03", 400, /is after to/],
    ["/api/v1/bars/E2EA?from[$gt]=&to[$lt]=", 400, /^Unknown query parameters "from\[\$gt\]", "to\[\$lt\]"/],
    ["/api/v1/bars/E2EA?limit=99999999999999999999&page=1e308", 400, /^Unknown query parameters "limit", "page"/],
    ["/api/v1/bars/E2EA?format=xml", 400, /^format must be json or csv/],
    [`/api/v1/bars/E2EA?${"from=2024-01-02&".repeat(500)}`, 400, /"from" was given 500 times/],
    [`/api/v1/bars/E2EA?${encodeURIComponent("\u202e")}=1`, 400, /^Unknown query parameter/],
    ["/api/v1/corporate-actions/E2EA?$where=1", 400, /^Unknown query parameter "\$where": this endpoint takes no query parameters/],
    ["/api/v1/market/movers?limit=1e308", 400, /^limit must be a whole number from 1 to 100/],
    ["/api/v1/market/movers?limit=-1&date=2024-06-07", 400, /^limit must be a whole number/],
    [`/api/v1/market/movers?date=${op}`, 400, /^date must be a real date/],
    ["/api/v1/market/movers?date[$ne]=x", 400, /^Unknown query parameter "date\[\$ne\]"/],
    ["/api/v1/market/movers?date=2024-06-07'%3B%20DROP%20TABLE%20x%3B--", 400, /^date must be a real date/],
  ];

  it("operators, brackets, repeats, impossible and absurd dates, unicode and NUL are a 400 JSON sentence, never a 500", async () => {
    const anon = new Client();
    await unchanged(async () => {
      for (const [path, status, message] of api) {
        const r = await anon.fetch(path);
        expect(r.headers.get("Content-Type"), path).toBe("application/json; charset=utf-8");
        await expectRefused(`GET ${path.slice(0, 120)}`, r, status, message);
      }
      // A huge range is not hostile: the data bounds it.
      const all = await anon.fetch("/api/v1/bars/E2ED?from=1900-01-01&to=9999-12-31&adjustment=all");
      expect(all.status).toBe(200);
      expect(((await all.json()) as { bars: unknown[] }).bars.length).toBeGreaterThan(30);
    });
  });
});

describe("bodies that are not our forms", () => {
  const big = "x".repeat(5 * 1024 * 1024);

  it("a 5 MB form body is refused with 413, whether its length is declared or streamed, signed in or not", async () => {
    await unchanged(async () => {
      const body = new URLSearchParams({ csrf: token, ...NEW, pad: big });
      await expectRefused(
        "5 MB create, Content-Length",
        await editorClient.fetch("/records/new", { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } }),
        413,
        /too large/,
      );
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          const bytes = new TextEncoder().encode(body.toString());
          for (let i = 0; i < bytes.length; i += 256 * 1024) c.enqueue(bytes.subarray(i, i + 256 * 1024));
          c.close();
        },
      });
      const chunked = await editorClient.fetch(`/records/E2EA/${DAY}`, {
        method: "POST",
        body: stream,
        duplex: "half",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
      await expectRefused("5 MB edit, chunked", chunked, 413, /too large/);
      const login = new Client();
      const loginBody = new URLSearchParams({ csrf: await login.csrf("/login"), username: "x", password: big });
      await expectRefused(
        "5 MB sign-in",
        await login.fetch("/login", { method: "POST", body: loginBody, headers: { "Content-Type": "application/x-www-form-urlencoded" } }),
        413,
        /too large/,
      );
      await expectRefused(
        "5 MB create without a session",
        await new Client().fetch("/records/new", { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } }),
        401,
        /sign in first/,
      );
      await expectRefused(
        "5 MB to a page that takes no form",
        await editorClient.fetch("/records", { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } }),
        405,
      );
    });
  });

  it("JSON, plain text, no content type or a broken multipart body is refused with 415 or 400; a real multipart form is validated like any other", async () => {
    const fields = { csrf: token, ...NEW, open: "NaN" };
    await unchanged(async () => {
      const post = (body: BodyInit, type?: string) => editorClient.fetch("/records/new", { method: "POST", body, headers: type ? { "Content-Type": type } : {} });
      await expectRefused("JSON", await post(JSON.stringify({ ...fields, open: "10" }), "application/json"), 415, /takes a form .* not application\/json/);
      await expectRefused("plain text", await post(new URLSearchParams({ ...fields, open: "10" }).toString(), "text/plain"), 415, /not text\/plain/);
      await expectRefused("no content type", await post(new TextEncoder().encode(new URLSearchParams({ ...fields, open: "10" }).toString())), 415, /takes a form/);
      await expectRefused(
        "multipart without a boundary",
        await post('--x\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nx\r\n--x--\r\n', "multipart/form-data"),
        400,
        /could not be read/,
      );
      const multipart = new FormData();
      for (const [k, v] of Object.entries(fields)) multipart.set(k, v);
      await expectRefused("multipart with NaN", await post(multipart), 400, /Open must be a number/);
      const fileToken = new FormData();
      for (const [k, v] of Object.entries({ ...NEW })) fileToken.set(k, v);
      fileToken.set("csrf", new Blob([token]), "csrf.txt");
      await expectRefused("the CSRF token as a file", await post(fileToken), 403, /CSRF check failed/);
    });
  });
});

describe("sessions and CSRF tokens that are not the editor's own", () => {
  it("a write with another session's token, a tampered, junk or oversized cookie is refused and changes nothing", async () => {
    const visitor = new Client();
    const visitorToken = await visitor.csrf("/login");
    const tampered = new Client();
    const session = editorClient.cookie.match(/__stock_session=([^;]+)/)![1]!;
    tampered.setCookie("__stock_session", `${session.slice(0, -6)}AAAAAA`);
    const junk = new Client();
    junk.setCookie("__stock_session", "%E0%A4%A");
    const huge = new Client();
    huge.setCookie("__stock_session", "A".repeat(12_000));
    const writes: [string, Record<string, string>][] = [
      ["/records/new", { ...NEW }],
      [`/records/E2EA/${DAY}`, { updatedAt: seenUpdatedAt, ...VALUES }],
      [`/records/E2EA/${DAY}/delete`, { updatedAt: seenUpdatedAt }],
      ["/audit", { id: auditId }],
    ];
    await unchanged(async () => {
      for (const [path, fields] of writes) {
        await expectRefused(`${path}: the editor's session with a visitor's token`, await editorClient.post(path, { ...fields, csrf: visitorToken }), 403, /CSRF check failed/);
        await expectRefused(`${path}: a tampered cookie`, await tampered.post(path, { ...fields, csrf: token }), 401, /sign in first/);
        await expectRefused(`${path}: a junk cookie`, await junk.post(path, { ...fields, csrf: token }), 401, /sign in first/);
        await expectRefused(`${path}: a 12 KB cookie`, await huge.post(path, { ...fields, csrf: token }), [401, 431]);
      }
    });
  });
});

describe("after all of that", () => {
  it("the server still answers (health, a page, a fresh sign-in) and the database is exactly as it was", async () => {
    expect((await new Client().fetch("/healthz")).status).toBe(200);
    const { client } = await signedIn();
    expect(await (await client.fetch("/records/new")).text()).toMatch(/New record/);
    const now = await snapshot();
    expect(now.prices === initial.prices, "daily_prices differs from the start of the file").toBe(true);
    expect(now.audit === initial.audit, "audit_log differs from the start of the file").toBe(true);
  });
});
