import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse, Link, Links, Meta, NavLink, Outlet, Scripts, ScrollRestoration, useLoaderData, useRouteError, useRouteLoaderData } from "@remix-run/react";
import { publicEnv } from "~/env.server";
import { csrfTokenOf, getSession, sessionStorage } from "~/session.server";
import stylesHref from "~/styles.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: stylesHref }];
export const meta: MetaFunction = () => [{ title: "Stock market data" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const session = await getSession(request);
  const hadToken = Boolean(session.get("csrf"));
  const csrf = csrfTokenOf(session);
  const notice = session.get("notice") ?? null;
  const headers = new Headers();
  // Only when the session changed (new token, notice read): no cookie churn on every page.
  if (!hadToken || notice) headers.append("Set-Cookie", await sessionStorage().commitSession(session));
  return json({ user: session.get("user") ?? null, csrf, notice, env: publicEnv() }, { headers });
}

export type RootData = ReturnType<typeof useLoaderData<typeof loader>>;

/** The root loader's data (user, CSRF token) from any route. */
export function useRootData(): RootData {
  return useRouteLoaderData<typeof loader>("root")!;
}

function Nav({ user, csrf }: { user: string | null; csrf: string | null }) {
  return (
    <header className="site-header">
      <Link to="/" className="brand">
        Stock market data
      </Link>
      <nav aria-label="Main">
        <NavLink to="/chart">Charts</NavLink>
        <NavLink to="/compare">Compare</NavLink>
        <NavLink to="/market">Market</NavLink>
        <NavLink to="/records">Records</NavLink>
        <NavLink to="/audit">Audit trail</NavLink>
        <NavLink to="/health">Data health</NavLink>
      </nav>
      <div className="account">
        {user ? (
          <form method="post" action="/logout">
            <span>
              Signed in as <strong>{user}</strong>
            </span>{" "}
            <input type="hidden" name="csrf" value={csrf ?? ""} />
            <button type="submit" className="link-button">
              Sign out
            </button>
          </form>
        ) : (
          <Link to="/login">Sign in</Link>
        )}
      </div>
    </header>
  );
}

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <Nav user={data?.user ?? null} csrf={data?.csrf ?? null} />
        <main id="main">
          {data?.notice ? (
            <p className="notice" role="status">
              {data.notice}
            </p>
          ) : null}
          {children}
        </main>
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

/** One boundary renders every status: 400-level refusals and 404s are thrown with `{message}`. */
export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    const message = typeof error.data === "object" && error.data && "message" in error.data ? String(error.data.message) : String(error.data || error.statusText);
    return (
      <section className="error-page" role="alert">
        <h1>
          {error.status} {error.statusText || titleOf(error.status)}
        </h1>
        <p>{message}</p>
        {error.status === 401 ? (
          <p>
            <Link to="/login">Sign in</Link>
          </p>
        ) : null}
        <p>
          <Link to="/">Back to the start page</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="error-page" role="alert">
      <h1>Something went wrong</h1>
      <p>The server could not show this page. Try again; if it keeps happening, check the server's log.</p>
    </section>
  );
}

function titleOf(status: number): string {
  return { 400: "Bad request", 401: "Sign-in required", 403: "Forbidden", 404: "Not found", 409: "Conflict", 429: "Too many attempts" }[status] ?? "Error";
}
