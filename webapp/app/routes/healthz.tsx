import { getDb } from "~/db.server";

/** Liveness for scripts and load balancers: 200 once the database answers. */
export async function loader() {
  const db = await getDb();
  await db.command({ ping: 1 });
  return new Response("ok\n", { headers: { "Content-Type": "text/plain", "Cache-Control": "no-store" } });
}
