import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseEnv } from "./env.server";
import { hashApiToken, matchApiToken, newApiToken, parseApiTokenHashes, readBearer } from "./api-tokens.server";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("read-API tokens", () => {
  it("a new token is random, long, and its hash is the SHA-256 of its text", () => {
    const a = newApiToken();
    const b = newApiToken();
    expect(a.token).not.toBe(b.token);
    expect(a.token).toMatch(/^smk_[A-Za-z0-9_-]{43}$/);
    expect(a.sha256).toBe(sha(a.token));
    expect(hashApiToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("API_TOKEN_SHA256 takes name:hash and bare hashes, comma-separated, in any hex case, once each", () => {
    const h1 = sha("one");
    const h2 = sha("two");
    const { tokens, problems } = parseApiTokenHashes(` alice:${h1} , ${h2.toUpperCase()},, bob:${h1}`);
    expect(problems).toEqual([]);
    expect(tokens.map((t) => [t.name, t.sha256.toString("hex")])).toEqual([
      ["alice", h1],
      ["token-2", h2],
    ]);
    expect(parseApiTokenHashes(undefined)).toEqual({ tokens: [], problems: [] });
  });

  it("a pasted token or a bad name is refused by position, without repeating the value", () => {
    const { token } = newApiToken();
    const { problems } = parseApiTokenHashes(`ok:${sha("x")},${token},bad name:${sha("y")}`);
    expect(problems).toEqual([
      expect.stringMatching(/^entry 2 is not a SHA-256 hash of 64 hex digits .*hash-token.*not shown/),
      'entry 3 has a name that is not 1-64 letters, digits, ".", "_" or "-"',
    ]);
    expect(problems.join(" ")).not.toContain(token);
  });

  it("start-up stops on a bad API_TOKEN_SHA256 with a sentence naming the variable, and keeps the hashes of a good one", () => {
    const { token } = newApiToken();
    expect(() => parseEnv({ API_TOKEN_SHA256: token })).toThrow(/- API_TOKEN_SHA256: entry 1 is not a SHA-256 hash/);
    try {
      parseEnv({ API_TOKEN_SHA256: token });
    } catch (e) {
      expect((e as Error).message).not.toContain(token);
    }
    const env = parseEnv({ API_TOKEN_SHA256: `nb:${sha("t")}` });
    expect(env.apiTokens.map((t) => t.name)).toEqual(["nb"]);
    expect(parseEnv({}).apiTokens).toEqual([]);
  });

  it("a presented token matches only its own hash; a wrong, empty or huge one matches nothing", () => {
    const a = newApiToken();
    const b = newApiToken();
    const { tokens } = parseApiTokenHashes(`a:${a.sha256},b:${b.sha256}`);
    expect(matchApiToken(a.token, tokens)?.name).toBe("a");
    expect(matchApiToken(b.token, tokens)?.name).toBe("b");
    expect(matchApiToken(a.sha256, tokens)).toBeUndefined();
    expect(matchApiToken(`${a.token}x`, tokens)).toBeUndefined();
    expect(matchApiToken("", tokens)).toBeUndefined();
    expect(matchApiToken("x".repeat(100_000), tokens)).toBeUndefined();
    expect(matchApiToken(a.token, [])).toBeUndefined();
  });

  it("reads `Authorization: Bearer <token>` (scheme in any case) and nothing else", () => {
    expect(readBearer(null)).toEqual({ kind: "none" });
    expect(readBearer("")).toEqual({ kind: "none" });
    expect(readBearer("Bearer smk_abc-_")).toEqual({ kind: "bearer", token: "smk_abc-_" });
    expect(readBearer("bearer abc=")).toEqual({ kind: "bearer", token: "abc=" });
    for (const h of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Bearer a\u0000", "Token abc"]) expect(readBearer(h)).toEqual({ kind: "malformed" });
  });
});
