/**
 * Bearer tokens of the read API. Only SHA-256 hashes are configured
 * (API_TOKEN_SHA256), so a leaked configuration or log line gives nobody a
 * token; a presented token is hashed and compared with every configured hash
 * in constant time. A token is never logged and never quoted in a message.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export interface ApiToken {
  /** Who the token was given to (for the operator; "token-N" when unnamed). */
  name: string;
  /** SHA-256 of the token's UTF-8 bytes. */
  sha256: Buffer;
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** Longer than any token we issue by far; a longer header is refused without hashing it. */
export const MAX_TOKEN_LENGTH = 1024;

export const HASH_TOKEN_COMMAND = "npm run hash-token --workspace webapp";

/** The hex SHA-256 of a token: what API_TOKEN_SHA256 lists. */
export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new random token (256 bits) and its hash. */
export function newApiToken(): { token: string; sha256: string } {
  const token = `smk_${randomBytes(32).toString("base64url")}`;
  return { token, sha256: hashApiToken(token) };
}

/**
 * Reads API_TOKEN_SHA256: comma-separated entries, each `name:hash` or a bare
 * hash (64 hex digits). Problems name the entry by position, never by value:
 * a person may have pasted a token where its hash belongs.
 */
export function parseApiTokenHashes(raw: string | undefined): { tokens: ApiToken[]; problems: string[] } {
  const tokens: ApiToken[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const entries = (raw ?? "").split(",").map((e) => e.trim());
  entries.forEach((entry, i) => {
    if (entry === "") return;
    const colon = entry.lastIndexOf(":");
    const name = colon >= 0 ? entry.slice(0, colon).trim() : `token-${i + 1}`;
    const hash = (colon >= 0 ? entry.slice(colon + 1) : entry).trim();
    if (!HEX_SHA256.test(hash)) {
      problems.push(
        `entry ${i + 1} is not a SHA-256 hash of 64 hex digits (name:hash or hash; make one with \`${HASH_TOKEN_COMMAND}\`); its value is not shown in case it is a token`,
      );
      return;
    }
    if (!NAME.test(name)) {
      problems.push(`entry ${i + 1} has a name that is not 1-64 letters, digits, ".", "_" or "-"`);
      return;
    }
    const key = hash.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    tokens.push({ name, sha256: Buffer.from(key, "hex") });
  });
  return { tokens, problems };
}

/**
 * The configured token `presented` hashes to, or undefined. Every hash is
 * compared (no early exit) with timingSafeEqual, so the time taken says
 * nothing about which hash, or how much of one, matched.
 */
export function matchApiToken(presented: string, tokens: readonly ApiToken[]): ApiToken | undefined {
  if (presented.length === 0 || presented.length > MAX_TOKEN_LENGTH) return undefined;
  const digest = createHash("sha256").update(presented, "utf8").digest();
  let found: ApiToken | undefined;
  for (const t of tokens) {
    if (timingSafeEqual(digest, t.sha256) && !found) found = t;
  }
  return found;
}

export type BearerHeader = { kind: "none" } | { kind: "bearer"; token: string } | { kind: "malformed" };

/** Reads an Authorization header: absent, `Bearer <token>` (scheme case-insensitive, RFC 6750), or anything else. */
export function readBearer(header: string | null): BearerHeader {
  if (header === null || header.trim() === "") return { kind: "none" };
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return m ? { kind: "bearer", token: m[1]! } : { kind: "malformed" };
}
