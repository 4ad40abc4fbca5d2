import { describe, expect, it } from "vitest";
import { authorizeApiRequest, type ApiAuthOptions } from "./api-auth.server";
import { newApiToken, parseApiTokenHashes } from "./api-tokens.server";

const good = newApiToken();
const other = newApiToken();
const { tokens } = parseApiTokenHashes(`notebook:${good.sha256}`);

function options(readRequiresLogin: boolean, sessionUser: string | null = null): ApiAuthOptions {
  return { readRequiresLogin, tokens, sessionUser: async () => sessionUser };
}
const request = (authorization?: string) => new Request("http://x/api/v1/bars/AAPL", { headers: authorization ? { Authorization: authorization } : {} });

describe("who may read the API", () => {
  it("everyone, when reads are public, whatever Authorization header they send", async () => {
    for (const h of [undefined, `Bearer ${other.token}`, "Basic x"]) expect(await authorizeApiRequest(request(h), options(false))).toEqual({ ok: true, reader: { via: "public" } });
  });

  it("with READ_REQUIRES_LOGIN, a configured token or a signed-in session", async () => {
    expect(await authorizeApiRequest(request(`Bearer ${good.token}`), options(true))).toEqual({ ok: true, reader: { via: "token", name: "notebook" } });
    expect(await authorizeApiRequest(request(), options(true, "editor"))).toEqual({ ok: true, reader: { via: "session", user: "editor" } });
    // A browser session still reads when a stale token rides along.
    expect(await authorizeApiRequest(request(`Bearer ${other.token}`), options(true, "editor"))).toMatchObject({ ok: true, reader: { via: "session" } });
  });

  it("nobody else: a 401 challenge that says what to send, without quoting the token", async () => {
    const none = await authorizeApiRequest(request(), options(true));
    expect(none).toEqual({ ok: false, error: expect.stringMatching(/needs a sign-in: send Authorization: Bearer <token>/), challenge: 'Bearer realm="stock-market API"' });
    const wrong = await authorizeApiRequest(request(`Bearer ${other.token}`), options(true));
    expect(wrong).toMatchObject({ ok: false, error: expect.stringMatching(/bearer token is not valid/), challenge: expect.stringMatching(/error="invalid_token"/) });
    expect(JSON.stringify(wrong)).not.toContain(other.token);
    const basic = await authorizeApiRequest(request("Basic dXNlcjpwYXNz"), options(true));
    expect(basic).toMatchObject({ ok: false, error: 'The Authorization header must be "Bearer <token>".', challenge: expect.stringMatching(/invalid_request/) });
  });

  it("a token's hash, sent as if it were the token, is refused", async () => {
    expect(await authorizeApiRequest(request(`Bearer ${good.sha256}`), options(true))).toMatchObject({ ok: false });
  });
});
