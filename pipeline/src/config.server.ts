import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { z } from "zod";
import { ConfigError } from "./errors.js";
import { openLake } from "./lake/lake.js";
import { resolveSetting } from "./paths.server.js";

/**
 * The one configuration schema (ARCHITECTURE.md "Configuration"). Parsed once
 * at start-up; every bad variable is named in the error, all at once.
 */
const DEFAULT_TICKERS = "AAPL,GOOGL,MSFT,TSLA,NVDA";
// Tickers as Polygon spells them: letters, digits, dots (BRK.A), and the odd
// punctuation of preferred shares and warrants; no spaces, no operators.
const TICKER = /^[A-Za-z0-9][A-Za-z0-9.\-_:]{0,19}$/;

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === "" ? undefined : s))
  .optional();

const httpUrl = (name: string) =>
  z
    .string()
    .trim()
    .refine((s) => {
      try {
        const u = new URL(s);
        return u.protocol === "http:" || u.protocol === "https:";
      } catch {
        return false;
      }
    }, `${name} must be an http(s) URL`)
    .transform((s) => s.replace(/\/+$/, ""));

const positiveNumber = (name: string, max: number) =>
  z.coerce.number({ error: `${name} must be a number` }).refine((n) => Number.isFinite(n) && n > 0 && n <= max, `${name} must be a number above 0 and at most ${max}`);

export const tickerListSchema = z
  .string()
  .trim()
  .transform((s, ctx) => {
    if (s === "*") return "*" as const;
    const list = [
      ...new Set(
        s
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean),
      ),
    ];
    const bad = list.filter((t) => !TICKER.test(t));
    if (list.length === 0) ctx.addIssue({ code: "custom", message: "must list at least one ticker, or be *" });
    // Cut long ones short: a hostile value must not flood the one-line error.
    const shown = bad.slice(0, 5).map((t) => (t.length > 24 ? `${t.slice(0, 24)}… (${t.length} characters)` : t));
    if (bad.length) ctx.addIssue({ code: "custom", message: `has invalid ticker(s): ${shown.join(", ")}` });
    return list;
  });

const envSchema = z.object({
  POLYGON_API_KEY: optionalText,
  POLYGON_BASE_URL: httpUrl("POLYGON_BASE_URL").optional(),
  POLYGON_MAX_REQUESTS_PER_MINUTE: positiveNumber("POLYGON_MAX_REQUESTS_PER_MINUTE", 60_000).optional(),
  POLYGON_TIMEOUT_MS: positiveNumber("POLYGON_TIMEOUT_MS", 600_000).default(30_000),
  POLYGON_MAX_RETRIES: z.coerce.number({ error: "POLYGON_MAX_RETRIES must be a whole number" }).int("POLYGON_MAX_RETRIES must be a whole number").min(0).max(20).default(5),
  POLYGON_RETRY_BASE_MS: positiveNumber("POLYGON_RETRY_BASE_MS", 600_000).default(2_000),
  MONGODB_URI: optionalText.superRefine((s, ctx) => {
    const problem = s === undefined ? undefined : mongoUriProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  MONGODB_DB: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, "MONGODB_DB must be 1-63 letters, digits, _ or -")
    .default("stock_market"),
  LAKE_URI: z
    .string()
    .trim()
    .min(1)
    .superRefine((s, ctx) => {
      const problem = lakeUriProblem(s);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  GCS_API_ENDPOINT: httpUrl("GCS_API_ENDPOINT").optional(),
  GOOGLE_APPLICATION_CREDENTIALS: optionalText,
  GCS_PROJECT_ID: optionalText,
  TICKERS: tickerListSchema.prefault(DEFAULT_TICKERS),
  DATA_DIR: z.string().trim().min(1).default("./.data"),
  MAX_CATCH_UP_SESSIONS: z.coerce
    .number({ error: "MAX_CATCH_UP_SESSIONS must be a whole number" })
    .int("MAX_CATCH_UP_SESSIONS must be a whole number")
    .min(1, "MAX_CATCH_UP_SESSIONS must be at least 1 (1: a daily run loads only the latest session)")
    .max(250, "MAX_CATCH_UP_SESSIONS must be at most 250 (a longer gap is a back-fill)")
    .default(10),
  ALLOW_SYNTHETIC_DATA: z.enum(["true", "false", ""]).default("false"),
});

/**
 * Why the driver would refuse this URI (a bad port, option or escape), or
 * undefined. The constructor only parses: nothing connects, no DNS.
 */
function mongoUriProblem(uri: string): string | undefined {
  if (!/^mongodb(\+srv)?:\/\/[^/\s]+/.test(uri)) return "MONGODB_URI must start with mongodb:// or mongodb+srv:// and name a host";
  try {
    new MongoClient(uri);
    return undefined;
  } catch (e) {
    const reason = redactMongoUri(redact(e instanceof Error ? e.message : String(e), secretValues(undefined, uri)));
    return `MONGODB_URI is not a valid connection string (${reason.split("\n")[0]!.slice(0, 200)})`;
  }
}

/** Why openLake would refuse this LAKE_URI (scheme, bucket, prefix), or undefined. Opening touches nothing. */
function lakeUriProblem(uri: string): string | undefined {
  if (/^gs:\/\//i.test(uri) && !/^gs:\/\/[a-z0-9][a-z0-9._-]{1,221}[a-z0-9](\/.*)?$/.test(uri)) return "LAKE_URI gs:// must name a valid bucket";
  try {
    openLake(uri);
    return undefined;
  } catch (e) {
    return `LAKE_URI ${e instanceof Error ? e.message : String(e)}`;
  }
}

export type TickerSelection = string[] | "*";

export interface Config {
  /** "polygon" talks to the real API; "synthetic" starts the offline fake source in-process. */
  feed: "polygon" | "synthetic";
  polygon: {
    apiKey: string | undefined;
    baseUrl: string | undefined;
    maxRequestsPerMinute: number;
    timeoutMs: number;
    maxRetries: number;
    retryBaseMs: number;
  };
  mongo: { uri: string | undefined; dbName: string };
  lake: { uri: string; gcsApiEndpoint: string | undefined; gcsProjectId: string | undefined };
  tickers: TickerSelection;
  dataDir: string;
  /** Most sessions one daily run loads (the latest and the missed ones before it); older gaps are left to a back-fill. */
  maxCatchUpSessions: number;
  /** Values that must never be printed or stored (API key, DB password). */
  secrets: string[];
}

/** `X_FILE` beats `X`, so Docker/Airflow secrets can be mounted as files. */
function withSecretFiles(env: NodeJS.ProcessEnv): { env: Record<string, string | undefined>; errors: string[] } {
  // An empty value means "not set": Compose and Airflow pass `X=` through for
  // variables the user left blank, and that must mean the default, not an error.
  const out: Record<string, string | undefined> = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const errors: string[] = [];
  for (const name of ["POLYGON_API_KEY", "MONGODB_URI"]) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    try {
      out[name] = readFileSync(resolveSetting(file), "utf8").trim();
    } catch (e) {
      errors.push(`${name}_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  return { env: out, errors };
}

/** Parses and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  const { env, errors } = withSecretFiles(rawEnv);
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? "environment");
      errors.push(issue.message.startsWith(name) ? issue.message : `${name} ${issue.message}`);
    }
  }
  if (errors.length || !parsed.success) throw configError(errors);
  const e = parsed.data;

  const feed = e.POLYGON_API_KEY ? "polygon" : "synthetic";
  if (feed === "synthetic" && e.POLYGON_BASE_URL) {
    errors.push("POLYGON_API_KEY is not set, but POLYGON_BASE_URL is: set the key (or unset the URL to use the offline synthetic source)");
  }
  // Synthetic data must never reach a real database by accident (a missing
  // secret in Airflow must fail the task, not load made-up prices).
  if (feed === "synthetic" && e.MONGODB_URI && e.ALLOW_SYNTHETIC_DATA !== "true") {
    errors.push("POLYGON_API_KEY is not set: refusing to load offline synthetic data into MONGODB_URI (set the key, or ALLOW_SYNTHETIC_DATA=true to do it on purpose)");
  }
  if (errors.length) throw configError(errors);

  return {
    feed,
    polygon: {
      apiKey: e.POLYGON_API_KEY,
      baseUrl: e.POLYGON_BASE_URL ?? (feed === "polygon" ? "https://api.polygon.io" : undefined),
      // The offline source is local: no reason to pace it like the free plan.
      maxRequestsPerMinute: e.POLYGON_MAX_REQUESTS_PER_MINUTE ?? (feed === "polygon" ? 5 : 60_000),
      timeoutMs: e.POLYGON_TIMEOUT_MS,
      maxRetries: e.POLYGON_MAX_RETRIES,
      retryBaseMs: e.POLYGON_RETRY_BASE_MS,
    },
    mongo: { uri: e.MONGODB_URI, dbName: e.MONGODB_DB },
    // Relative paths mean the same folder in the CLI and the web app, wherever they run from (paths.server.ts).
    lake: { uri: resolveSetting(e.LAKE_URI ?? join(e.DATA_DIR, "lake")), gcsApiEndpoint: e.GCS_API_ENDPOINT, gcsProjectId: e.GCS_PROJECT_ID },
    tickers: e.TICKERS,
    dataDir: resolveSetting(e.DATA_DIR),
    maxCatchUpSessions: e.MAX_CATCH_UP_SESSIONS,
    secrets: secretValues(e.POLYGON_API_KEY, e.MONGODB_URI),
  };
}

function configError(errors: string[]): ConfigError {
  const head = errors.length === 1 ? "Invalid configuration: " : `Invalid configuration (${errors.length} problems): `;
  return new ConfigError(head + errors.join("; "), errors);
}

function secretValues(apiKey: string | undefined, mongoUri: string | undefined): string[] {
  const out: string[] = [];
  if (apiKey) out.push(apiKey);
  const password = mongoUri?.match(/^mongodb(?:\+srv)?:\/\/[^:@/]+:([^@/]+)@/)?.[1];
  if (password) out.push(password, safeDecode(password));
  return out.filter((s) => s.length >= 4);
}

/** A malformed escape (p%zz) is left as it is: the driver refuses such a URI, naming the problem. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A MongoDB URI safe to print: the password is replaced. */
export function redactMongoUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/[^:@/]+):[^@/]+@/, "$1:***@");
}

/** Removes every secret value from a text before it is printed or stored. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("***");
  return out;
}
