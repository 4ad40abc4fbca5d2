/**
 * The web app's one configuration schema: parsed once from the environment,
 * every problem reported together, and a short explicit list of what the
 * browser may see (publicEnv). Nothing else from here reaches the client.
 */
import { join } from "node:path";
import { resolveSetting } from "@stock-market/pipeline/paths.server";
import { z } from "zod";
import { parseApiTokenHashes, type ApiToken } from "~/api-tokens.server";

const bool = (name: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .refine((s) => s === undefined || ["", "true", "false", "1", "0"].includes(s), `${name} must be true or false`)
    .transform((s) => (s === undefined || s === "" ? undefined : s === "true" || s === "1"));

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((s) => (s ? s : undefined));

/** `scrypt$N$r$p$salt$hash` with base64url salt and hash (see password.server.ts). */
export const PASSWORD_HASH_PATTERN = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]{16,}\$[A-Za-z0-9_-]{43,}$/;

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    MONGODB_URI: optionalText.refine((s) => s === undefined || /^mongodb(\+srv)?:\/\/[^/\s]+/.test(s), "MONGODB_URI must start with mongodb:// or mongodb+srv:// and name a host"),
    MONGODB_DB: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, "MONGODB_DB must be 1-63 letters, digits, _ or -")
      .default("stock_market"),
    DATA_DIR: z.string().trim().min(1).default("./.data"),
    ADMIN_USERNAME: z.string().trim().min(1).max(64).default("editor"),
    ADMIN_PASSWORD: optionalText.refine((s) => s === undefined || s.length >= 8, "ADMIN_PASSWORD must be at least 8 characters"),
    ADMIN_PASSWORD_HASH: optionalText.refine(
      (s) => s === undefined || PASSWORD_HASH_PATTERN.test(s),
      "ADMIN_PASSWORD_HASH must be a hash made by `npm run hash-password --workspace webapp`",
    ),
    SESSION_SECRET: optionalText.refine((s) => s === undefined || s.length >= 32, "SESSION_SECRET must be at least 32 characters"),
    SESSION_COOKIE_SECURE: bool("SESSION_COOKIE_SECURE"),
    READ_REQUIRES_LOGIN: bool("READ_REQUIRES_LOGIN").transform((b) => b ?? false),
    SIGN_IN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(5),
    // The lake whose curated/ layer the market screener reads (decision 081); default DATA_DIR/lake, as the CLI's ./.data/lake.
    LAKE_URI: optionalText.refine(
      (s) => s === undefined || !/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^(gs|file):\/\//i.test(s),
      "LAKE_URI must be a folder, file:///path or gs://bucket/prefix",
    ),
    GCS_API_ENDPOINT: optionalText,
    GCS_PROJECT_ID: optionalText,
    // Where a gs:// lake's curated partitions are copied for DuckDB (default DATA_DIR/curated-cache).
    CURATED_CACHE_DIR: optionalText,
    // Its size cap in MiB: past it the least recently used partitions are removed (decision 081).
    CURATED_CACHE_MAX_MB: z.coerce.number().int().min(16).max(1_048_576).default(1024),
    // SHA-256 hashes of the read API's bearer tokens (api-tokens.server.ts); never the tokens.
    API_TOKEN_SHA256: z
      .string()
      .optional()
      .transform((s, ctx): ApiToken[] => {
        const { tokens, problems } = parseApiTokenHashes(s);
        for (const message of problems) ctx.addIssue({ code: "custom", message });
        return tokens;
      }),
  })
  .superRefine((e, ctx) => {
    if (e.NODE_ENV === "production" && !e.SESSION_SECRET) {
      ctx.addIssue({ code: "custom", path: ["SESSION_SECRET"], message: "SESSION_SECRET is required in production (at least 32 random characters)" });
    }
  });

export type Env = Omit<z.output<typeof schema>, "API_TOKEN_SHA256"> & {
  /** The read API's bearer tokens, as hashes (from API_TOKEN_SHA256). */
  apiTokens: ApiToken[];
  /** Absolute DATA_DIR: a relative one is taken from the checkout's root, as the CLI does (pipeline/src/paths.server.ts). */
  dataDir: string;
  /** Whether session cookies carry the Secure flag. */
  cookieSecure: boolean;
  /** LAKE_URI (default DATA_DIR/lake), a relative folder made absolute as DATA_DIR is. */
  lakeUri: string;
};

export class EnvError extends Error {
  override name = "EnvError";
}

/** Parses an environment; throws EnvError naming every bad variable. */
export function parseEnv(raw: Record<string, string | undefined>): Env {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `- ${i.path.join(".") || "environment"}: ${i.message}`);
    throw new EnvError(`The web app's configuration is invalid:\n${lines.join("\n")}`);
  }
  const { API_TOKEN_SHA256: apiTokens, ...e } = r.data;
  const dataDir = resolveSetting(e.DATA_DIR);
  return {
    ...e,
    ...(e.CURATED_CACHE_DIR && { CURATED_CACHE_DIR: resolveSetting(e.CURATED_CACHE_DIR) }),
    apiTokens,
    dataDir,
    lakeUri: resolveSetting(e.LAKE_URI ?? join(dataDir, "lake")),
    cookieSecure: e.SESSION_COOKIE_SECURE ?? e.NODE_ENV === "production",
  };
}

let cached: Env | undefined;

/** The validated environment of this process (parsed on first use). */
export function getEnv(): Env {
  return (cached ??= parseEnv(process.env));
}

/** The only settings the browser sees (rendered into the page by root.tsx). */
export function publicEnv(env: Env = getEnv()) {
  return { READ_REQUIRES_LOGIN: env.READ_REQUIRES_LOGIN } as const;
}
