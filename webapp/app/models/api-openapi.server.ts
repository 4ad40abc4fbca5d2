/**
 * The OpenAPI 3.1 description of the read API, served at /api/v1/openapi.json.
 * Built from the same constants the routes validate with (parameter names,
 * adjustments, formats, date bounds, the symbol pattern), so the document
 * cannot drift from what the routes accept; tests/e2e/api.test.ts calls every
 * documented parameter and checks each answer against its schema.
 */
import { DEFAULT_MOVERS_LIMIT, MAX_MOVERS_LIMIT } from "~/lib/market-params";
import { ADJUSTMENTS } from "@stock-market/pipeline/model/adjust";
import { SYMBOL_PATTERN } from "@stock-market/pipeline/model/daily-price";
import { API_EARLIEST_DATE, API_FORMATS, API_LATEST_DATE, DEFAULT_ADJUSTMENT } from "~/lib/api-params";
import { API_REALM } from "~/api-auth.server";
import { SESSION_COOKIE } from "~/session.server";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string, description?: string) => ({ type: [type, "null"], ...(description ? { description } : {}) });
const date = (description: string) => ({ type: "string", format: "date", pattern: "^\\d{4}-\\d{2}-\\d{2}$", description });
const errorResponse = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/json": { schema: ref("Error") } },
});
const noStore = { "Cache-Control": { description: "Always `no-store`: the data changes with every pipeline load.", schema: { type: "string", const: "no-store" } } };

const STATUS_DESCRIPTION = [
  "Whether the action is in effect for the adjusted views as of the latest loaded session (`as_of`):",
  "`applied` changes the bars before its date (a split in `split` and `all`, a dividend in `all`);",
  "`announced` is dated after `as_of` and is never applied early;",
  "`skipped` cannot be applied (`reason` says why: a duplicate listing, no bar for the session before the ex-date, a cash amount not below that close, another currency);",
  "`outside_history` is on or before the symbol's first bar (or the symbol has no bars) and changes no bar.",
].join(" ");

const actionState = {
  applied: { type: "boolean", description: "True exactly when `status` is `applied`." },
  status: { type: "string", enum: ["applied", "announced", "skipped", "outside_history"], description: STATUS_DESCRIPTION },
  reason: nullable("string", "Why a `skipped` action is not applied; null otherwise."),
  price_factor: nullable(
    "number",
    "What the action multiplies every price before its date by (1 / (split_to / split_from) for a split, 1 − cash / previous close for a dividend); null unless applied.",
  ),
};

const pathSymbol = {
  name: "symbol",
  in: "path",
  required: true,
  description: "The ticker as Polygon spells it (case-sensitive, e.g. `BRK.A`).",
  schema: { type: "string", pattern: SYMBOL_PATTERN.source, example: "NVDA" },
};

const symbolErrors = {
  "400": errorResponse(
    "A bad parameter: an invalid symbol, an unknown or repeated query parameter, a date that is not a real YYYY-MM-DD date or is outside 1900-01-01..9999-12-31, `from` after `to`, an unknown `adjustment` or `format`.",
  ),
  "401": errorResponse("Reads need a sign-in here (READ_REQUIRES_LOGIN=true) and the request has no valid bearer token or session.", {
    "WWW-Authenticate": { description: `\`Bearer realm="${API_REALM}"\`, with \`error="invalid_token"\` for a wrong token.`, schema: { type: "string" } },
  }),
  "404": errorResponse("The symbol is unknown: it has no bars and no corporate actions."),
  "405": errorResponse("A method other than GET or HEAD."),
  "503": errorResponse("The database is not answering; retry later (see `Retry-After`)."),
};

/** The document, as a plain object (served as JSON). */
export function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: {
      title: "Stock market data: read API",
      version: "1.0.0",
      summary: "Daily bars on a chosen adjustment basis, and corporate actions, for notebooks and scripts.",
      description:
        "Bars are stored as traded and adjusted on read from the stored splits and dividends (docs/api.md). " +
        "Reads are public unless the server runs with READ_REQUIRES_LOGIN=true; then send `Authorization: Bearer <token>` " +
        "(a token whose SHA-256 is configured in API_TOKEN_SHA256) or the session cookie of a signed-in editor. " +
        'Every error is `{"error": "a sentence"}` with a 4xx or 5xx status; no answer is ever cached (`Cache-Control: no-store`).',
    },
    security: [{}, { bearerAuth: [] }, { sessionCookie: [] }],
    paths: {
      "/api/v1/bars/{symbol}": {
        get: {
          operationId: "getBars",
          summary: "A symbol's daily bars on a basis, in date order, as JSON or CSV.",
          description:
            "The whole history is adjusted first and then cut to `from`..`to`, so a window never changes a value. " +
            "`Accept: text/csv` (ranked above application/json) gives CSV too; `format` wins over `Accept`. " +
            "A symbol known only by its corporate actions answers 200 with no bars.",
          parameters: [
            pathSymbol,
            {
              name: "from",
              in: "query",
              required: false,
              description: `First date (inclusive), ${API_EARLIEST_DATE} or later. Default: the first bar.`,
              schema: { ...date("YYYY-MM-DD"), example: "2024-01-02" },
            },
            {
              name: "to",
              in: "query",
              required: false,
              description: `Last date (inclusive), ${API_LATEST_DATE} at the latest, not before \`from\`. Default: the latest bar.`,
              schema: { ...date("YYYY-MM-DD"), example: "2024-06-28" },
            },
            {
              name: "adjustment",
              in: "query",
              required: false,
              description:
                "`raw`: as traded. `split`: prices divided and volume multiplied by the product of split_to/split_from of the splits executed after the bar's date, up to the latest loaded session. " +
                "`all`: `split`, and each cash dividend multiplies every price before its ex-date by 1 − cash / close of the session before the ex-date (both as traded). Volume as in `split`.",
              schema: { type: "string", enum: [...ADJUSTMENTS], default: DEFAULT_ADJUSTMENT },
            },
            {
              name: "format",
              in: "query",
              required: false,
              description: "`csv` for the same rows as CSV (header date,open,high,low,close,volume).",
              schema: { type: "string", enum: [...API_FORMATS], default: "json" },
            },
          ],
          responses: {
            "200": {
              description: "The bars (possibly none, for a window without sessions).",
              headers: {
                ...noStore,
                "Content-Disposition": { description: 'CSV only: `attachment; filename="NVDA_split_2024-01-02_2024-06-28.csv"`.', schema: { type: "string" } },
              },
              content: {
                "application/json": { schema: ref("Bars") },
                "text/csv": {
                  schema: { type: "string" },
                  example: "date,open,high,low,close,volume\r\n2024-06-07,120.77,121.69,118.02,120.888,412385820\r\n",
                },
              },
            },
            ...symbolErrors,
          },
        },
      },
      "/api/v1/corporate-actions/{symbol}": {
        get: {
          operationId: "getCorporateActions",
          summary: "A symbol's splits and cash dividends, oldest first, each with whether it is in effect.",
          description: "Takes no query parameters (any is a 400). Announced actions are listed with `applied: false`.",
          parameters: [pathSymbol],
          responses: {
            "200": { description: "The actions (possibly none).", headers: noStore, content: { "application/json": { schema: ref("CorporateActions") } } },
            ...symbolErrors,
          },
        },
      },
      "/api/v1/market/movers": {
        get: {
          operationId: "getMarketMovers",
          summary: "A session's top gainers and losers over the whole market, from the curated lake.",
          description:
            "`change_pct` is in percent against the previous close adjusted for the splits executed on the session (a 1-for-20 reverse split is not +1,900 %). " +
            "The previous close is the ticker's last close within the 10 curated sessions before; a ticker that did not trade on the session, or not in those 10, is not ranked. " +
            "Gainers rose (most first), losers fell (most first); OTC tickers are included and no price filter applies.",
          parameters: [
            {
              name: "date",
              in: "query",
              required: false,
              description: "The session. Default: the latest curated session.",
              schema: { ...date("YYYY-MM-DD"), example: "2024-06-07" },
            },
            {
              name: "limit",
              in: "query",
              required: false,
              description: `How many of each list, 1 to ${MAX_MOVERS_LIMIT}.`,
              schema: { type: "integer", minimum: 1, maximum: MAX_MOVERS_LIMIT, default: DEFAULT_MOVERS_LIMIT, example: 5 },
            },
          ],
          responses: {
            "200": { description: "The movers.", headers: noStore, content: { "application/json": { schema: ref("Movers") } } },
            "400": errorResponse("A bad parameter: an unknown or repeated one, a date that is not a real YYYY-MM-DD date, a limit that is not a whole number from 1 to 100."),
            "401": symbolErrors["401"],
            "404": errorResponse("The curated lake has no partition for that session (not a trading day, or not curated yet)."),
            "405": symbolErrors["405"],
            "503": errorResponse(
              "A curated Parquet object the answer needs is corrupt, truncated or missing; the sentence names it and the `stock-pipeline curate --from D --to D` command that rebuilds it. No data is served.",
            ),
          },
        },
      },
      "/api/v1/openapi.json": {
        get: {
          operationId: "getOpenApi",
          summary: "This document. Open to everyone: it holds no data.",
          security: [{}],
          responses: {
            "200": { description: "The OpenAPI 3.1 document.", content: { "application/json": { schema: { type: "object", required: ["openapi", "info", "paths"] } } } },
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "A token made by `npm run hash-token --workspace webapp`; the server stores only its SHA-256 (API_TOKEN_SHA256). Needed only with READ_REQUIRES_LOGIN=true.",
        },
        sessionCookie: { type: "apiKey", in: "cookie", name: SESSION_COOKIE, description: "The session of an editor signed in through /login." },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          additionalProperties: false,
          properties: { error: { type: "string", description: "One sentence saying what is wrong." } },
        },
        Bar: {
          type: "object",
          required: ["date", "open", "high", "low", "close", "volume"],
          additionalProperties: false,
          properties: {
            date: date("The New York trading date."),
            open: { type: "number" },
            high: { type: "number" },
            low: { type: "number" },
            close: { type: "number" },
            volume: { type: "number", description: "Shares; may be fractional on an adjusted basis." },
          },
        },
        Mover: {
          type: "object",
          required: ["symbol", "close", "change_pct"],
          additionalProperties: false,
          properties: {
            symbol: { type: "string" },
            close: { type: "number", description: "The session's close, as traded." },
            change_pct: { type: "number", description: "Percent change against the split-adjusted previous close." },
          },
        },
        Movers: {
          type: "object",
          required: ["date", "gainers", "losers"],
          additionalProperties: false,
          properties: {
            date: date("The session."),
            gainers: { type: "array", items: ref("Mover") },
            losers: { type: "array", items: ref("Mover") },
          },
          example: { date: "2024-06-07", gainers: [{ symbol: "SYN0042", close: 12.5, change_pct: 8.7 }], losers: [{ symbol: "SYN0007", close: 3.1, change_pct: -6.2 }] },
        },
        Bars: {
          type: "object",
          required: ["symbol", "adjustment", "bars"],
          additionalProperties: false,
          properties: {
            symbol: { type: "string" },
            adjustment: { type: "string", enum: [...ADJUSTMENTS] },
            bars: { type: "array", items: ref("Bar"), description: "In ascending date order, one per session." },
          },
          example: { symbol: "NVDA", adjustment: "split", bars: [{ date: "2024-06-07", open: 120.77, high: 121.69, low: 118.02, close: 120.888, volume: 412385820 }] },
        },
        Split: {
          type: "object",
          required: ["id", "execution_date", "split_from", "split_to", "adjustment_type", ...Object.keys(actionState)],
          additionalProperties: false,
          properties: {
            id: { type: "string", description: "The source's id (Polygon's `id`)." },
            execution_date: date("The first session traded on the new share basis."),
            split_from: nullable("number", "Old shares (null only when the source sent no usable ratio; then `skipped`)."),
            split_to: nullable("number", "New shares: a 10-for-1 split is split_from 1, split_to 10."),
            adjustment_type: { type: "string", enum: ["forward_split", "reverse_split", "stock_dividend"] },
            ...actionState,
          },
        },
        Dividend: {
          type: "object",
          required: [
            "id",
            "ex_dividend_date",
            "cash_amount",
            "currency",
            "declaration_date",
            "record_date",
            "pay_date",
            "frequency",
            "distribution_type",
            "previous_close",
            ...Object.keys(actionState),
          ],
          additionalProperties: false,
          properties: {
            id: { type: "string", description: "The source's id (Polygon's `id`)." },
            ex_dividend_date: date("The first session traded without the dividend."),
            cash_amount: nullable("number", "Cash per share as paid (not split-adjusted)."),
            currency: nullable("string"),
            declaration_date: nullable("string"),
            record_date: nullable("string"),
            pay_date: nullable("string"),
            frequency: nullable("number", "Payments per year (4 = quarterly, 0 = one-time)."),
            distribution_type: nullable("string", "e.g. recurring, special."),
            previous_close: nullable("number", "The as-traded close of the session before the ex-date, when applied."),
            ...actionState,
          },
        },
        CorporateActions: {
          type: "object",
          required: ["symbol", "as_of", "splits", "dividends"],
          additionalProperties: false,
          properties: {
            symbol: { type: "string" },
            as_of: nullable("string", "The symbol's latest loaded session (YYYY-MM-DD); null when it has no bars."),
            splits: { type: "array", items: ref("Split") },
            dividends: { type: "array", items: ref("Dividend") },
          },
        },
      },
    },
  } as const;
}
