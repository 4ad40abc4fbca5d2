import { createHash, randomBytes } from "node:crypto";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startWebappServer, type WebappServer } from "../support/server";
import { CHROMIUM } from "./browser";

/**
 * READ_REQUIRES_LOGIN=true: a second server on the same database, where even
 * reading needs the editor's sign-in. Nothing of the data may reach a visitor,
 * not through a page, the CSV export, or Remix's data requests.
 */
describe("with READ_REQUIRES_LOGIN=true", () => {
  let server: WebappServer;
  const editor = inject("editor");
  // A read-API token: the server is given only its SHA-256.
  const apiToken = `smk_${randomBytes(32).toString("base64url")}`;
  const wrongToken = `smk_${randomBytes(32).toString("base64url")}`;
  beforeAll(async () => {
    server = await startWebappServer({
      MONGODB_URI: inject("mongoUri"),
      MONGODB_DB: inject("dbName"),
      ADMIN_USERNAME: editor.username,
      ADMIN_PASSWORD: editor.password,
      SESSION_SECRET: randomBytes(32).toString("hex"),
      READ_REQUIRES_LOGIN: "true",
      LAKE_URI: inject("market").root,
      CURATED_CACHE_DIR: `${inject("market").root}/cache`,
      API_TOKEN_SHA256: `e2e-notebook:${createHash("sha256").update(apiToken).digest("hex")}`,
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const readPaths = ["/chart", "/chart/E2EA?range=1Y", "/compare?symbols=E2EA&symbols=E2EB", "/records?symbol=E2EA", "/records.csv?symbol=E2EA", "/health", "/audit", "/market"];

  it.each(readPaths)("a visitor asking for %s is sent to sign in, and gets no data", async (path) => {
    const r = await fetch(`${server.baseUrl}${path}`, { redirect: "manual" });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe(`/login?redirectTo=${encodeURIComponent(path)}`);
    expect(await r.text()).not.toMatch(/E2E[A-D]/);
  });

  it("Remix data requests are redirected too, without the loader's data", async () => {
    const r = await fetch(`${server.baseUrl}/chart/E2EA?_data=${encodeURIComponent("routes/chart.$symbol")}`, { redirect: "manual" });
    expect(r.headers.get("x-remix-redirect") ?? r.headers.get("location")).toMatch(/^\/login\?redirectTo=/);
    expect(await r.text()).not.toMatch(/E2EA|"close"/);
  });

  it("the health probe and the sign-in page stay open", async () => {
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/login`)).status).toBe(200);
  });

  it("after signing in, the editor lands on the page asked for and sees the chart", async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"], headless: true });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.baseUrl}/chart/E2EA?range=1Y`);
      await page.waitForURL(/\/login\?redirectTo=/);
      await page.getByLabel("User name").fill(editor.username);
      await page.getByLabel("Password").fill(editor.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL((u) => u.pathname === "/chart/E2EA" && u.searchParams.get("range") === "1Y");
      await page.getByRole("heading", { name: /E2EA/ }).waitFor();
      await page.locator('[data-testid="price-chart"][data-drawn]').waitFor();
    } finally {
      await browser.close();
    }
  });

  describe("the read API", () => {
    const apiPaths = ["/api/v1/bars/E2EA?adjustment=all", "/api/v1/bars/E2EA?format=csv", "/api/v1/corporate-actions/E2EA", "/api/v1/market/movers?limit=100"];
    const api = (path: string, headers: Record<string, string> = {}) => fetch(`${server.baseUrl}${path}`, { headers, redirect: "manual" });

    it.each(apiPaths)("%s answers a visitor 401 with a Bearer challenge and a sentence, not a redirect, and no data", async (path) => {
      const r = await api(path);
      expect(r.status).toBe(401);
      expect(r.headers.get("WWW-Authenticate")).toBe('Bearer realm="stock-market API"');
      expect(r.headers.get("Content-Type")).toMatch(/^application\/json/);
      const text = await r.text();
      expect(JSON.parse(text)).toEqual({ error: expect.stringMatching(/needs a sign-in: send Authorization: Bearer <token>/) });
      expect(text).not.toMatch(/E2EA|"close"/);
    });

    it("a wrong token, a token's hash or another scheme is refused with 401 too; even a bad parameter is not looked at first", async () => {
      const hash = createHash("sha256").update(apiToken).digest("hex");
      for (const authorization of [`Bearer ${wrongToken}`, `Bearer ${hash}`, `Basic ${Buffer.from(`${editor.username}:${editor.password}`).toString("base64")}`]) {
        const r = await api("/api/v1/bars/E2EA?adjustment=$where", { Authorization: authorization });
        expect(r.status, authorization.slice(0, 6)).toBe(401);
        expect(r.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="stock-market API", error="invalid_(token|request)"$/);
        expect(await r.json()).toEqual({ error: expect.any(String) });
      }
    });

    it("a configured bearer token reads every route", async () => {
      for (const path of apiPaths) {
        const r = await api(path, { Authorization: `Bearer ${apiToken}` });
        expect(r.status, path).toBe(200);
        expect(await r.text(), path).toMatch(/E2EA|^date,open/);
      }
      const bars = (await (await api("/api/v1/bars/E2EA?from=2000-01-01", { Authorization: `bearer ${apiToken}` })).json()) as { bars: unknown[] };
      expect(bars.bars.length).toBeGreaterThan(1000);
    });

    it("a signed-in editor's session reads it too, without a token", async () => {
      const page = await api("/login");
      const cookie = page.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
      const signIn = await fetch(`${server.baseUrl}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf, username: editor.username, password: editor.password, redirectTo: "/" }),
      });
      expect(signIn.status).toBe(302);
      const session = signIn.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      const r = await api("/api/v1/corporate-actions/E2EA", { Cookie: session });
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ symbol: "E2EA" });
    });

    it("the OpenAPI document stays open: it holds no data and says how to authenticate", async () => {
      const r = await api("/api/v1/openapi.json");
      expect(r.status).toBe(200);
      expect((await r.json()) as object).toMatchObject({ openapi: "3.1.0", components: { securitySchemes: { bearerAuth: { scheme: "bearer" } } } });
    });

    it("no token, right or wrong, appears in the server's output", () => {
      expect(server.output()).not.toContain(apiToken);
      expect(server.output()).not.toContain(wrongToken);
    });
  });
});
