import { addDays, tradingDaysBetween } from "@stock-market/pipeline/calendar/nyse";
import { toStoredDate } from "@stock-market/pipeline/model/daily-price";
import { describe, expect, inject, it } from "vitest";
import { signIn, url, useBrowser, useDb } from "./browser";

/** Posts a form the way a browser would, without following redirects. */
function post(path: string, fields: Record<string, string>, cookie?: string): Promise<Response> {
  return fetch(url(path), {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(cookie ? { Cookie: cookie } : {}) },
    redirect: "manual",
  });
}

describe("sign-in, sessions and CSRF", () => {
  const b = useBrowser();
  const d = useDb();
  const latest = inject("latest");
  const day = tradingDaysBetween(addDays(latest, -90), latest)[10]!;
  const values = { open: "1", high: "2", low: "0.5", close: "1.5", volume: "10" };

  async function snapshot() {
    const prices = d.db.collection("daily_prices");
    return {
      count: await prices.countDocuments({}),
      record: await prices.findOne({ symbol: "E2EA", date: toStoredDate(day) }),
      audit: await d.db.collection("audit_log").countDocuments({}),
    };
  }

  it("a write without sign-in is refused (401) and changes nothing", async () => {
    const before = await snapshot();
    const seen = (before.record!.updatedAt as Date).toISOString();
    const create = await post("/records/new", { symbol: "E2EA", date: addDays(day, 0), ...values });
    const edit = await post(`/records/E2EA/${day}`, { updatedAt: seen, ...values });
    const del = await post(`/records/E2EA/${day}/delete`, { updatedAt: seen });
    const undo = await post("/audit", { id: "0".repeat(24) });
    expect([create.status, edit.status, del.status, undo.status]).toEqual([401, 401, 401, 401]);
    expect(await snapshot()).toEqual(before);

    // And the pages with write forms send a visitor to sign in first.
    await b.page.goto(url(`/records/E2EA/${day}`));
    await b.page.waitForURL(/\/login\?redirectTo=/);
  });

  it("a signed-in write without the session's CSRF token is refused (403) and changes nothing", async () => {
    await signIn(b.page);
    const cookie = (await b.context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const before = await snapshot();
    const seen = (before.record!.updatedAt as Date).toISOString();
    const noToken = await post(`/records/E2EA/${day}`, { updatedAt: seen, ...values }, cookie);
    const wrongToken = await post(`/records/E2EA/${day}/delete`, { updatedAt: seen, csrf: "forged" }, cookie);
    const create = await post("/records/new", { symbol: "E2EA", date: day, ...values, csrf: "" }, cookie);
    expect([noToken.status, wrongToken.status, create.status]).toEqual([403, 403, 403]);
    expect(await snapshot()).toEqual(before);
  });

  it("the session cookie is signed, httpOnly, SameSite=Lax and Secure in production", async () => {
    const session = (await b.context.cookies()).find((c) => c.name === "__stock_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: true });
    // A tampered cookie is not a session: the write is refused as signed out.
    const tampered = `__stock_session=${session!.value.slice(0, -4)}AAAA`;
    const r = await post("/records/new", { symbol: "E2EA", date: day, ...values }, tampered);
    expect(r.status).toBe(401);
  });

  it("sign-in attempts are rate limited per user name", async () => {
    const other = await b.other();
    const page = other.pages()[0] ?? (await other.newPage());
    await page.goto(url("/login"));
    for (let i = 1; i <= 6; i++) {
      await page.getByLabel("User name").fill("intruder");
      await page.getByLabel("Password").fill(`guess-${i}`);
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Sign in" }).click()]);
      // The previous attempt's alert stays on the page until the new action data renders,
      // so wait for this attempt's text rather than for any alert.
      const expected = i <= 5 ? /^Wrong user name or password\.$/ : /Too many failed sign-in attempts/;
      await page.getByRole("alert").filter({ hasText: expected }).waitFor();
      expect(response.status()).toBe(i <= 5 ? 401 : 429);
    }
  });

  it("signing out removes the editor from this browser: its next write is refused", async () => {
    await b.page.goto(url("/records"));
    await b.page.getByRole("button", { name: "Sign out" }).click();
    await b.page.getByRole("link", { name: "Sign in" }).waitFor();
    const cookie = (await b.context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const before = await snapshot();
    const r = await post("/records/new", { symbol: "E2EA", date: day, ...values }, cookie);
    expect(r.status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });
});
