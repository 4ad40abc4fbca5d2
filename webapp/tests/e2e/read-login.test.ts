import { randomBytes } from "node:crypto";
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
  beforeAll(async () => {
    server = await startWebappServer({
      MONGODB_URI: inject("mongoUri"),
      MONGODB_DB: inject("dbName"),
      ADMIN_USERNAME: editor.username,
      ADMIN_PASSWORD: editor.password,
      SESSION_SECRET: randomBytes(32).toString("hex"),
      READ_REQUIRES_LOGIN: "true",
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const readPaths = ["/chart", "/chart/E2EA?range=1Y", "/compare?symbols=E2EA&symbols=E2EB", "/records?symbol=E2EA", "/records.csv?symbol=E2EA", "/health", "/audit"];

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
});
