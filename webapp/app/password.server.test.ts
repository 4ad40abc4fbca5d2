import { describe, expect, it } from "vitest";
import { PASSWORD_HASH_PATTERN } from "./env.server";
import { checkEditorCredentials, hashPassword, verifyPassword } from "./password.server";

describe("editor credentials", () => {
  it("a scrypt hash verifies its password only", async () => {
    const hash = await hashPassword("correct horse", { N: 1024, r: 8, p: 1 });
    expect(hash).toMatch(PASSWORD_HASH_PATTERN);
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("correct horsf", hash)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
  });

  it("checks the user name and the hash (preferred) or the plain password; without either nobody signs in", async () => {
    const hash = await hashPassword("hashed-pw", { N: 1024, r: 8, p: 1 });
    expect(await checkEditorCredentials({ ADMIN_USERNAME: "ed", ADMIN_PASSWORD_HASH: hash, ADMIN_PASSWORD: "plain-pw" }, "ed", "hashed-pw")).toBe(true);
    expect(await checkEditorCredentials({ ADMIN_USERNAME: "ed", ADMIN_PASSWORD_HASH: hash, ADMIN_PASSWORD: "plain-pw" }, "ed", "plain-pw")).toBe(false);
    expect(await checkEditorCredentials({ ADMIN_USERNAME: "ed", ADMIN_PASSWORD: "plain-pw" }, "ed", "plain-pw")).toBe(true);
    expect(await checkEditorCredentials({ ADMIN_USERNAME: "ed", ADMIN_PASSWORD: "plain-pw" }, "eve", "plain-pw")).toBe(false);
    expect(await checkEditorCredentials({ ADMIN_USERNAME: "ed" }, "ed", "")).toBe(false);
  });
});
