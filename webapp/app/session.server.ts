/**
 * Sign-in sessions and CSRF protection. The session is a cookie signed with
 * SESSION_SECRET (httpOnly, SameSite=Lax, Secure in production) holding the
 * editor's name and a random CSRF token; every form renders the token and
 * every action checks it (a synchronizer token: a cross-site page can post
 * a form but cannot read the token out of ours).
 */
import { randomBytes } from "node:crypto";
import { createCookieSessionStorage, json, redirect, type Session, type SessionStorage } from "@remix-run/node";
import { getEnv } from "~/env.server";
import { discardBody, readForm } from "~/form.server";
import { safeEqual } from "~/password.server";

export interface SessionData {
  user: string;
  csrf: string;
}
export interface FlashData {
  notice: string;
}
export type AppSession = Session<SessionData, FlashData>;

export const SESSION_COOKIE = "__stock_session";

export function createSessionStorage(opts: { secret: string; secure: boolean }): SessionStorage<SessionData, FlashData> {
  return createCookieSessionStorage<SessionData, FlashData>({
    cookie: { name: SESSION_COOKIE, httpOnly: true, sameSite: "lax", secure: opts.secure, path: "/", secrets: [opts.secret], maxAge: 8 * 60 * 60 },
  });
}

const globalCache = globalThis as unknown as { __webappSessions?: SessionStorage<SessionData, FlashData> };

/** This process's session storage. Outside production a missing secret is replaced by a random one (sessions end at restart). */
export function sessionStorage(): SessionStorage<SessionData, FlashData> {
  if (!globalCache.__webappSessions) {
    const env = getEnv();
    let secret = env.SESSION_SECRET;
    if (!secret) {
      secret = randomBytes(32).toString("base64url");
      console.warn("SESSION_SECRET is not set: using a random one for this process (sign-ins end when it restarts).");
    }
    globalCache.__webappSessions = createSessionStorage({ secret, secure: env.cookieSecure });
  }
  return globalCache.__webappSessions;
}

export function getSession(request: Request, storage = sessionStorage()): Promise<AppSession> {
  return storage.getSession(request.headers.get("Cookie"));
}

/** The session's CSRF token, created (in the session; commit it) when missing. */
export function csrfTokenOf(session: AppSession): string {
  let token = session.get("csrf");
  if (!token) {
    token = randomBytes(32).toString("base64url");
    session.set("csrf", token);
  }
  return token;
}

/** A fresh token, e.g. at sign-in, so one seen before it is worth nothing after. */
export function rotateCsrf(session: AppSession): string {
  session.unset("csrf");
  return csrfTokenOf(session);
}

/** True when the form carries the session's CSRF token. */
export function verifyCsrf(session: AppSession, form: FormData): boolean {
  const sent = form.get("csrf");
  const expected = session.get("csrf");
  return typeof sent === "string" && typeof expected === "string" && expected.length > 0 && safeEqual(sent, expected);
}

/** Refusal of a write; thrown, so the route's error boundary renders it and nothing is written. */
function refuse(status: 401 | 403, message: string): never {
  throw json({ message }, { status });
}

/** Rejects any action whose form lacks the session's CSRF token (403), or is not a plain form (see readForm). Returns the form. */
export async function requireCsrf(request: Request, storage = sessionStorage()): Promise<{ session: AppSession; form: FormData }> {
  const session = await getSession(request, storage);
  const form = await readForm(request);
  if (!verifyCsrf(session, form)) {
    refuse(403, "This form is out of date or did not come from this site (the CSRF check failed): reload the page and try again.");
  }
  return { session, form };
}

/**
 * For every action that writes: a signed-in editor (else 401), a plain form
 * (else 400/413/415, see readForm) and a valid CSRF token (else 403). Thrown
 * refusals mean the action stops before writing; the body of a visitor's
 * write is thrown away unparsed.
 */
export async function requireEditorWrite(request: Request, storage = sessionStorage()): Promise<{ user: string; session: AppSession; form: FormData }> {
  const session = await getSession(request, storage);
  const user = session.get("user");
  if (!user) {
    await discardBody(request);
    refuse(401, "Only a signed-in editor can change records: sign in first.");
  }
  const form = await readForm(request);
  if (!verifyCsrf(session, form)) {
    refuse(403, "This form is out of date or did not come from this site (the CSRF check failed): reload the page and try again.");
  }
  return { user, session, form };
}

/** The signed-in editor's name, or null. */
export async function getUser(request: Request, storage = sessionStorage()): Promise<string | null> {
  return (await getSession(request, storage)).get("user") ?? null;
}

/** For loaders: with READ_REQUIRES_LOGIN=true, a visitor is sent to sign in first. */
export async function requireReader(request: Request): Promise<string | null> {
  const user = await getUser(request);
  if (!user && getEnv().READ_REQUIRES_LOGIN) {
    const url = new URL(request.url);
    throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
  }
  return user;
}

/** A redirect that also stores a one-time notice for the next page. */
export async function redirectWithNotice(session: AppSession, to: string, notice: string, storage = sessionStorage()): Promise<Response> {
  session.flash("notice", notice);
  return redirect(to, { headers: { "Set-Cookie": await storage.commitSession(session) } });
}

/**
 * Only same-site paths: `/x` but not `//evil.example`, `https://…`, or what a
 * browser reads as another site (`/\\evil`, `/\t/evil`: URL parsing drops tabs
 * and newlines); control characters would also break the Location header.
 */
export function safeRedirectPath(to: unknown, fallback = "/"): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (typeof to !== "string" || !to.startsWith("/") || to.length > 2000 || /[\x00-\x20\x7f\\]/.test(to)) return fallback;
  const base = "http://this.site";
  let resolved: URL;
  try {
    resolved = new URL(to, base);
  } catch {
    return fallback;
  }
  // Percent-encoded as the URL parser writes it: a header value must be ASCII.
  return resolved.origin === base ? `${resolved.pathname}${resolved.search}${resolved.hash}` : fallback;
}

/** For the pages of write forms: a visitor is sent to sign in first, then back. */
export async function requireEditorPage(request: Request): Promise<string> {
  const user = await getUser(request);
  if (!user) {
    const url = new URL(request.url);
    throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
  }
  return user;
}
