import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { parseBarsQuery, parseSymbol } from "~/lib/api-params";
import { ApiRefusal, apiCsv, apiJson, apiMethodNotAllowed, handleApi } from "~/models/api-http.server";
import { barsCsv, barsFilename, loadApiBars } from "~/models/api.server";

/**
 * GET /api/v1/bars/{symbol}?from&to&adjustment&format: a symbol's daily bars
 * on a basis, as JSON or CSV (docs/api.md). Parameters are checked before the
 * database is touched.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(request, async () => {
    const symbol = parseSymbol(params.symbol);
    if (!symbol.ok) throw new ApiRefusal(400, symbol.error);
    const query = parseBarsQuery(new URL(request.url).searchParams, request.headers.get("Accept"));
    if (!query.ok) throw new ApiRefusal(400, query.error);
    const q = query.value;
    const payload = await loadApiBars(await getDb(), symbol.value, q);
    if (!payload) throw new ApiRefusal(404, `There is no symbol "${symbol.value}": it has no bars and no corporate actions here (symbols are case-sensitive, e.g. AAPL).`);
    return q.format === "csv" ? apiCsv(barsCsv(payload), barsFilename(payload, q)) : apiJson(payload);
  });
}

export async function action({ request }: ActionFunctionArgs) {
  return apiMethodNotAllowed(request);
}
