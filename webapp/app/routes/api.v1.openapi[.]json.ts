import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { parseNoQuery } from "~/lib/api-params";
import { apiError, apiJson, apiMethodNotAllowed } from "~/models/api-http.server";
import { openApiDocument } from "~/models/api-openapi.server";

/**
 * GET /api/v1/openapi.json: the API's description. Open to everyone, even with
 * READ_REQUIRES_LOGIN: it holds no data, and says how to authenticate.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  // Like every API route, it takes no parameter it does not document (here: none).
  const query = parseNoQuery(new URL(request.url).searchParams);
  return query.ok ? apiJson(openApiDocument()) : apiError(400, query.error);
}

export async function action({ request }: ActionFunctionArgs) {
  return apiMethodNotAllowed(request);
}
