/**
 * The read API's HTTP edge: JSON and error responses with the API's headers,
 * and one wrapper every API loader runs in, which checks the reader first and
 * turns whatever fails into a status and a sentence, never a stack trace:
 * a refusal is the 4xx it was built as, a database that does not answer is a
 * 503, anything else a logged 500.
 */
import { discardBody } from "~/form.server";
import { apiAuthOptions, authorizeApiRequest, type ApiAuthOptions, type ApiReader } from "~/api-auth.server";
import { mongoReason } from "@stock-market/pipeline/db/client.server";
import { DatabaseError } from "@stock-market/pipeline/errors";
import { MongoError } from "mongodb";

/** Data changes with every pipeline load: nothing may cache an answer. */
const COMMON_HEADERS = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" } as const;

export function apiJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json; charset=utf-8", ...COMMON_HEADERS, ...headers } });
}

/** `{"error": sentence}` with its status: the one error shape of the API. */
export function apiError(status: number, error: string, headers: Record<string, string> = {}): Response {
  return apiJson({ error }, status, headers);
}

export function apiCsv(body: string, filename: string): Response {
  return new Response(body, {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, "-")}"`, ...COMMON_HEADERS },
  });
}

/** An error thrown by a handler to end the request with a 4xx and a sentence. */
export class ApiRefusal extends Error {
  override name = "ApiRefusal";
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

/** True for failures of the database itself (unreachable, gone mid-query), which a retry later may cure. */
export function isDatabaseUnavailable(e: unknown): boolean {
  if (e instanceof DatabaseError || e instanceof MongoError) return true;
  // A second copy of the driver or the pipeline (a bundling accident) still names its errors the same way.
  return e instanceof Error && (e.name === "DatabaseError" || /^Mongo[A-Za-z]*Error$/.test(e.name));
}

export interface ApiHandlerOptions {
  auth?: ApiAuthOptions;
  /** Where unexpected failures are reported (the server log). */
  log?: (message: string, error?: unknown) => void;
}

/**
 * Runs one API request: the reader's check (401 with a Bearer challenge, no
 * redirect), then `handle`. The request's path is logged on failure, never
 * its headers (they may hold a token).
 */
export async function handleApi(request: Request, handle: (reader: ApiReader) => Promise<Response>, opts: ApiHandlerOptions = {}): Promise<Response> {
  const log = opts.log ?? ((message: string, error?: unknown) => (error === undefined ? console.error(message) : console.error(message, error)));
  const path = new URL(request.url).pathname;
  try {
    const auth = await authorizeApiRequest(request, opts.auth ?? apiAuthOptions());
    if (!auth.ok) return apiError(401, auth.error, { "WWW-Authenticate": auth.challenge });
    return await handle(auth.reader);
  } catch (e) {
    if (e instanceof ApiRefusal) return apiError(e.status, e.message);
    if (isDatabaseUnavailable(e)) {
      log(`API ${path}: the database did not answer: ${mongoReason(e)}`);
      return apiError(503, "The database is not answering right now, so no data can be read; try again in a minute.", { "Retry-After": "30" });
    }
    log(`API ${path}: unexpected error`, e);
    return apiError(500, "An unexpected error stopped this request; it has been logged on the server.");
  }
}

/** What an API route answers to anything but GET/HEAD (the body is read to its end first, see discardBody). */
export async function apiMethodNotAllowed(request: Request): Promise<Response> {
  await discardBody(request);
  return apiError(405, `This address only answers GET requests, not ${request.method.replace(/[^A-Z]/g, "").slice(0, 10)}.`, { Allow: "GET, HEAD" });
}
