import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { parseMoversQuery } from "~/lib/market-params";
import { ApiRefusal, apiError, apiJson, apiMethodNotAllowed, handleApi } from "~/models/api-http.server";
import { loadMovers, marketFailure } from "~/models/market.server";

/**
 * GET /api/v1/market/movers?date&limit: a session's top gainers and losers
 * against the split-adjusted previous close (docs/api.md, decision 081).
 * Parameters are checked before the lake is touched.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  return handleApi(request, async () => {
    const query = parseMoversQuery(new URL(request.url).searchParams);
    if (!query.ok) throw new ApiRefusal(400, query.error);
    try {
      return apiJson(await loadMovers(query.value));
    } catch (e) {
      const failure = marketFailure(e);
      if (!failure) throw e;
      if (failure.status === 503) console.error(`API /api/v1/market/movers: ${failure.message}`);
      return apiError(failure.status, failure.message);
    }
  });
}

export async function action({ request }: ActionFunctionArgs) {
  return apiMethodNotAllowed(request);
}
