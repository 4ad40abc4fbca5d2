/**
 * Makes a new read-API token and prints it with the SHA-256 the server is
 * configured with (API_TOKEN_SHA256 holds hashes only):
 *   npm run hash-token --workspace webapp --silent [-- NAME]
 * The token is shown once, here; give it to the script's owner and keep only the hash.
 */
import { newApiToken } from "../app/api-tokens.server";

const name = process.argv[2] ?? "token";
if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
  console.error('The token\'s name must be 1-64 letters, digits, ".", "_" or "-" (e.g. notebook-alice).');
  process.exit(2);
}
const { token, sha256 } = newApiToken();
console.log(`token:  ${token}`);
console.log(`sha256: ${sha256}`);
console.log("");
console.log("Send the token as `Authorization: Bearer <token>`. Configure the server with the hash only");
console.log("(comma-separate several entries):");
console.log(`  API_TOKEN_SHA256=${name}:${sha256}`);
