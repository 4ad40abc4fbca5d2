import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { parseNoQuery, parseSymbol } from "~/lib/api-params";
import { ApiRefusal, apiJson, apiMethodNotAllowed, handleApi } from "~/models/api-http.server";
import { loadApiActions } from "~/models/api.server";

/** GET /api/v1/corporate-actions/{symbol}: a symbol's splits and dividends, each with whether it is in effect (docs/api.md). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(request, async () => {
    const symbol = parseSymbol(params.symbol);
    if (!symbol.ok) throw new ApiRefusal(400, symbol.error);
    const query = parseNoQuery(new URL(request.url).searchParams);
    if (!query.ok) throw new ApiRefusal(400, query.error);
    const payload = await loadApiActions(await getDb(), symbol.value);
    if (!payload) throw new ApiRefusal(404, `There is no symbol "${symbol.value}": it has no bars and no corporate actions here (symbols are case-sensitive, e.g. AAPL).`);
    return apiJson(payload);
  });
}

export async function action({ request }: ActionFunctionArgs) {
  return apiMethodNotAllowed(request);
}
