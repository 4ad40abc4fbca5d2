/**
 * Prints an ADMIN_PASSWORD_HASH for a password read from standard input
 * (so it stays out of the shell history):
 *   printf %s 'my password' | npm run hash-password --workspace webapp --silent
 */
import { hashPassword } from "../app/password.server";

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const password = Buffer.concat(chunks)
  .toString("utf8")
  .replace(/\r?\n$/, "");
if (password.length < 8) {
  console.error("The password must be at least 8 characters (read from standard input).");
  process.exit(2);
}
console.log(await hashPassword(password));
