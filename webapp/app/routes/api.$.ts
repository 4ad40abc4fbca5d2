import type { ActionFunctionArgs } from "@remix-run/node";
import { discardBody } from "~/form.server";
import { apiError } from "~/models/api-http.server";

/**
 * Any other address under /api: a JSON 404 a script can read, instead of the
 * site's HTML "not found" page (e.g. /api/v1/bars/ without a symbol).
 */
const notFound = () => apiError(404, "There is no such API address: see /api/v1/openapi.json for the routes (e.g. /api/v1/bars/{symbol}).");

export async function loader() {
  return notFound();
}

export async function action({ request }: ActionFunctionArgs) {
  await discardBody(request);
  return notFound();
}
