import { json, redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { NoDataYet } from "~/components/empty-state";
import { getDb } from "~/db.server";
import { symbolsInDb } from "~/models/symbols.server";
import { requireReader } from "~/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  await requireReader(request);
  const symbols = await symbolsInDb(await getDb());
  // The symbol picker's GET form lands here: go to that symbol's page.
  const url = new URL(request.url);
  const wanted = url.searchParams.get("symbol");
  url.searchParams.delete("symbol");
  const query = url.searchParams.toString();
  const symbol = wanted && symbols.includes(wanted) ? wanted : symbols[0];
  if (symbol) throw redirect(`/chart/${encodeURIComponent(symbol)}${query ? `?${query}` : ""}`);
  return json({});
}

export default function ChartIndex() {
  return (
    <>
      <h1>Charts</h1>
      <NoDataYet />
    </>
  );
}
