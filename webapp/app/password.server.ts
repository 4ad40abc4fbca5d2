import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

const scrypt = (password: string, salt: Buffer, keylen: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));

const KEY_LENGTH = 32;

/** `scrypt$N$r$p$salt$hash` (base64url): what ADMIN_PASSWORD_HASH holds. */
export async function hashPassword(password: string, cost = { N: 16384, r: 8, p: 1 }): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { ...cost, maxmem: 64 * 1024 * 1024 });
  return ["scrypt", cost.N, cost.r, cost.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** True when `password` matches a hashPassword() result; false for a malformed hash. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = hash.split("$");
  if (kind !== "scrypt" || !salt || !key) return false;
  const expected = Buffer.from(key, "base64url");
  const got = await scrypt(password, Buffer.from(salt, "base64url"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** Compares two strings in time that does not depend on where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/**
 * Checks the editor's credentials from the environment: the hash if given,
 * else the plain password. Without either, nobody can sign in.
 */
export async function checkEditorCredentials(
  env: { ADMIN_USERNAME: string; ADMIN_PASSWORD?: string | undefined; ADMIN_PASSWORD_HASH?: string | undefined },
  username: string,
  password: string,
): Promise<boolean> {
  const userOk = safeEqual(username, env.ADMIN_USERNAME);
  let passwordOk = false;
  if (env.ADMIN_PASSWORD_HASH) passwordOk = await verifyPassword(password, env.ADMIN_PASSWORD_HASH);
  else if (env.ADMIN_PASSWORD) passwordOk = safeEqual(password, env.ADMIN_PASSWORD);
  return userOk && passwordOk;
}
