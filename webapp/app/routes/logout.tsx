import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { requireCsrf, sessionStorage } from "~/session.server";

export const loader = () => redirect("/");

export async function action({ request }: ActionFunctionArgs) {
  const { session } = await requireCsrf(request);
  return redirect("/", { headers: { "Set-Cookie": await sessionStorage().destroySession(session) } });
}
