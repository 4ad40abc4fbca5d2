/**
 * Who may read the API: the pages' rule (public unless READ_REQUIRES_LOGIN),
 * and then a signed-in session or a configured bearer token. Unlike a page,
 * the API never redirects to the sign-in form: a script gets 401 with
 * `WWW-Authenticate: Bearer` and a sentence, which it can act on.
 */
import { matchApiToken, readBearer, type ApiToken } from "~/api-tokens.server";
import { getEnv } from "~/env.server";
import { getUser } from "~/session.server";

export const API_REALM = "stock-market API";

export type ApiReader = { via: "public" } | { via: "session"; user: string } | { via: "token"; name: string };

export type ApiAuthResult = { ok: true; reader: ApiReader } | { ok: false; error: string; challenge: string };

export interface ApiAuthOptions {
  readRequiresLogin: boolean;
  tokens: readonly ApiToken[];
  /** The signed-in editor of the request's session cookie, or null. */
  sessionUser: (request: Request) => Promise<string | null>;
}

/** Decides without throwing; the caller turns a refusal into its 401. */
export async function authorizeApiRequest(request: Request, opts: ApiAuthOptions): Promise<ApiAuthResult> {
  // Public reads ignore the header, as the pages ignore a stale cookie: a script
  // that always sends its token keeps working against an open server.
  if (!opts.readRequiresLogin) return { ok: true, reader: { via: "public" } };
  const bearer = readBearer(request.headers.get("Authorization"));
  if (bearer.kind === "bearer") {
    const token = matchApiToken(bearer.token, opts.tokens);
    if (token) return { ok: true, reader: { via: "token", name: token.name } };
  }
  const user = await opts.sessionUser(request);
  if (user) return { ok: true, reader: { via: "session", user } };
  if (bearer.kind === "bearer") {
    return {
      ok: false,
      error: "The bearer token is not valid: it is not one of the tokens this server is configured with.",
      challenge: `Bearer realm="${API_REALM}", error="invalid_token"`,
    };
  }
  if (bearer.kind === "malformed") {
    return { ok: false, error: 'The Authorization header must be "Bearer <token>".', challenge: `Bearer realm="${API_REALM}", error="invalid_request"` };
  }
  return {
    ok: false,
    error: "Reading this server's data needs a sign-in: send Authorization: Bearer <token> with an API token, or the session cookie of a signed-in editor.",
    challenge: `Bearer realm="${API_REALM}"`,
  };
}

/** This process's rule, from the validated environment. */
export function apiAuthOptions(): ApiAuthOptions {
  const env = getEnv();
  return { readRequiresLogin: env.READ_REQUIRES_LOGIN, tokens: env.apiTokens, sessionUser: (request) => getUser(request) };
}
