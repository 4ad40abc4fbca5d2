/**
 * Helpers for the browser tests: Debian's Chromium driven by playwright-core,
 * the app's URL and editor from the global set-up, and direct database reads
 * to check what a page claims.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient, type Db } from "mongodb";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, inject } from "vitest";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export const url = (path: string) => `${inject("baseUrl")}${path}`;

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Another, separate browser (its own cookies): a second person. */
  other(): Promise<BrowserContext>;
}

async function launch(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "webapp-e2e-chromium-"));
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(20_000);
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One Chromium for this test file (closed afterwards), with a first page. */
export function useBrowser(): Browser {
  const closers: (() => Promise<void>)[] = [];
  const state = {} as { context: BrowserContext; page: Page };
  beforeAll(async () => {
    const b = await launch();
    closers.push(b.close);
    state.context = b.context;
    state.page = b.context.pages()[0] ?? (await b.context.newPage());
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });
  return {
    get context() {
      return state.context;
    },
    get page() {
      return state.page;
    },
    async other() {
      const b = await launch();
      closers.push(b.close);
      return b.context;
    },
  };
}

/** A connection to the app's database, for checking what it stored. */
export function useDb(): { readonly db: Db } {
  let client: MongoClient | undefined;
  beforeAll(async () => {
    client = new MongoClient(inject("mongoUri"));
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
  });
  return {
    get db() {
      if (!client) throw new Error("not connected yet");
      return client.db(inject("dbName"));
    },
  };
}

export async function signIn(page: Page): Promise<void> {
  const { username, password } = inject("editor");
  await page.goto(url("/login"));
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(`Signed in as ${username}`).first().waitFor();
}

/**
 * Waits until Plotly has drawn the figure the page's data describes (the
 * first trace has as many points as `expectPoints`, when given) and returns
 * its traces and the number of candles in the SVG.
 */
export async function drawnChart(page: Page, testId = "price-chart", expectPoints?: number): Promise<{ traces: { type: string; name: string; x: string[] }[]; candles: number }> {
  await page.waitForFunction(
    ([id, n]) => {
      const el = document.querySelector(`[data-testid="${id}"][data-drawn]`) as (HTMLElement & { data?: { x?: unknown[] }[] }) | null;
      const first = el?.data?.[0];
      return !!first && (n === null || first.x?.length === n);
    },
    [testId, expectPoints ?? null] as const,
    { polling: 100 },
  );
  return page.getByTestId(testId).evaluate((el) => {
    const data = (el as unknown as { data: { type: string; name: string; x: string[] }[] }).data;
    return {
      traces: data.map((t) => ({ type: t.type, name: t.name, x: Array.from(t.x ?? []) })),
      candles: el.querySelectorAll(".trace.boxes path.box").length,
    };
  });
}

/** The "Bars shown" figure of a chart page. */
export async function barCount(page: Page): Promise<number> {
  return Number((await page.getByTestId("bar-count").innerText()).replace(/,/g, ""));
}

/**
 * Where page screenshots go: docs/screenshots (shown in the README) with
 * UPDATE_SCREENSHOTS=1, else a temp folder, so a test run leaves the work tree alone.
 */
export const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === "1" ? join(new URL(".", import.meta.url).pathname, "..", "..", "..", "docs", "screenshots") : join(tmpdir(), "webapp-e2e-screenshots");
