import { connectMongo } from "@stock-market/pipeline/db/client.server";
import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import { ApiRefusal, apiCsv, apiMethodNotAllowed, handleApi, isDatabaseUnavailable } from "./api-http.server";

const open = { readRequiresLogin: false, tokens: [], sessionUser: async () => null };
const closed = { ...open, readRequiresLogin: true };
const req = new Request("http://x/api/v1/bars/AAPL?from=2024-01-02", { headers: { Authorization: "Bearer secret-token-value" } });

async function run(handle: () => Promise<Response>, auth = open) {
  const logged: string[] = [];
  const r = await handleApi(req, handle, { auth, log: (m, e) => logged.push(`${m} ${e instanceof Error ? e.stack : ""}`) });
  return { r, body: (await r.json()) as unknown, logged };
}

/** A real driver error: a query against a port where nothing listens. */
async function driverError(): Promise<unknown> {
  const client = new MongoClient("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=200&connectTimeoutMS=200");
  try {
    await client.db("x").collection("y").findOne({});
  } catch (e) {
    return e;
  } finally {
    await client.close();
  }
  throw new Error("expected the query to fail");
}

describe("the API's HTTP edge", () => {
  it("answers a refusal with its status and {error}, uncached", async () => {
    const { r, body, logged } = await run(async () => {
      throw new ApiRefusal(404, "There is no symbol.");
    });
    expect(r.status).toBe(404);
    expect(body).toEqual({ error: "There is no symbol." });
    expect(r.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(r.headers.get("Cache-Control")).toBe("no-store");
    expect(logged).toEqual([]);
  });

  it("refuses a reader without credentials with 401 and a Bearer challenge, before the handler runs", async () => {
    let ran = false;
    const { r, body } = await run(async () => {
      ran = true;
      return new Response("data");
    }, closed);
    expect(ran).toBe(false);
    expect(r.status).toBe(401);
    expect(r.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm=/);
    expect(body).toEqual({ error: expect.stringMatching(/bearer token is not valid/) });
  });

  it("turns a database that does not answer into a 503 with a sentence, logging one line without the token", async () => {
    for (const error of [await driverError(), await connectMongo("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=200", "x").catch((e: unknown) => e)]) {
      expect(isDatabaseUnavailable(error)).toBe(true);
      const { r, body, logged } = await run(async () => {
        throw error;
      });
      expect(r.status).toBe(503);
      expect(r.headers.get("Retry-After")).toBe("30");
      expect(body).toEqual({ error: "The database is not answering right now, so no data can be read; try again in a minute." });
      expect(logged).toEqual([expect.stringMatching(/^API \/api\/v1\/bars\/AAPL: the database did not answer: /)]);
      expect(logged.join("")).not.toMatch(/secret-token-value|\n\s+at /);
    }
  });

  it("turns any other failure into a 500 with a sentence, the stack only in the log", async () => {
    const { r, body, logged } = await run(async () => {
      throw new TypeError("x is undefined");
    });
    expect(r.status).toBe(500);
    expect(JSON.stringify(body)).not.toMatch(/TypeError|at /);
    expect(body).toEqual({ error: expect.stringMatching(/unexpected error/) });
    expect(logged[0]).toMatch(/unexpected error TypeError: x is undefined/);
    expect(isDatabaseUnavailable(new TypeError("x"))).toBe(false);
  });

  it("names a CSV download safely and refuses other methods with 405 and Allow", async () => {
    expect(apiCsv("a\r\n", 'X:Y/../"z".csv').headers.get("Content-Disposition")).toBe('attachment; filename="X-Y-..--z-.csv"');
    const r = await apiMethodNotAllowed(new Request("http://x/api/v1/bars/A", { method: "POST", body: "x".repeat(100_000) }));
    expect(r.status).toBe(405);
    expect(r.headers.get("Allow")).toBe("GET, HEAD");
    expect(await r.json()).toEqual({ error: "This address only answers GET requests, not POST." });
  });
});
