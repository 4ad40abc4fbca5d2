import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useSearchParams } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { getEnv } from "~/env.server";
import { formText } from "~/form.server";
import { checkEditorCredentials } from "~/password.server";
import { FailureLimiter } from "~/rate-limit.server";
import { getUser, requireCsrf, rotateCsrf, safeRedirectPath, sessionStorage } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Sign in" }];

const WINDOW_MS = 15 * 60_000;
const globalCache = globalThis as unknown as { __signInLimiter?: FailureLimiter };
function limiter(): FailureLimiter {
  return (globalCache.__signInLimiter ??= new FailureLimiter(getEnv().SIGN_IN_MAX_ATTEMPTS, WINDOW_MS));
}

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) throw redirect(safeRedirectPath(new URL(request.url).searchParams.get("redirectTo"), "/records"));
  return json({});
}

export async function action({ request }: ActionFunctionArgs) {
  const { session, form } = await requireCsrf(request);
  const username = formText(form, "username").trim();
  const password = formText(form, "password");
  // Failures are counted per user name (remix-serve gives the app no client address):
  // guessing one account's password is capped, whoever tries.
  const key = username.toLowerCase();
  const wait = limiter().retryAfterMs(key);
  if (wait > 0) {
    const minutes = Math.ceil(wait / 60_000);
    return json(
      { error: `Too many failed sign-in attempts for this user name. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`, username },
      { status: 429, headers: { "Retry-After": String(Math.ceil(wait / 1000)) } },
    );
  }
  if (!(await checkEditorCredentials(getEnv(), username, password))) {
    limiter().fail(key);
    return json({ error: "Wrong user name or password.", username }, { status: 401 });
  }
  limiter().reset(key);
  session.set("user", username);
  rotateCsrf(session);
  session.flash("notice", `Signed in as ${username}.`);
  return redirect(safeRedirectPath(form.get("redirectTo"), "/records"), { headers: { "Set-Cookie": await sessionStorage().commitSession(session) } });
}

export default function Login() {
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  return (
    <>
      <h1>Sign in</h1>
      <p>Anyone may read; an editor signs in to create, edit, delete and undo records.</p>
      {data?.error ? (
        <p className="alert" role="alert" id="login-error">
          {data.error}
        </p>
      ) : null}
      <Form method="post" aria-label="Sign in" className="form-grid" style={{ maxWidth: 360, gridTemplateColumns: "1fr" }}>
        <CsrfInput />
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/records"} />
        <div className="field">
          <label htmlFor="username">User name</label>
          <input id="username" name="username" autoComplete="username" required defaultValue={data?.username ?? ""} aria-describedby={data?.error ? "login-error" : undefined} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required aria-describedby={data?.error ? "login-error" : undefined} />
        </div>
        <div className="actions">
          <button type="submit" className="primary">
            Sign in
          </button>
        </div>
      </Form>
    </>
  );
}
