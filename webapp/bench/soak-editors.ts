/**
 * The soak's editors: each signs in through the real form, then, until the
 * deadline, opens the edit form of one of its own records (taking the CSRF
 * token and the record's updatedAt from the HTML, as a browser would), posts
 * new values, and follows the redirect. Every acknowledged edit (302) is kept
 * with the values it wrote, for the verification afterwards. Now and then an
 * editor re-posts a form it has already saved (a stale updatedAt), which the
 * app must refuse with 409 and without writing.
 */
import { performance } from "node:perf_hooks";

export interface RecordKey {
  symbol: string;
  date: string;
}

export interface Edit extends RecordKey {
  values: { open: number; high: number; low: number; close: number; volume: number };
}

export interface EditorPlan {
  baseUrl: string;
  username: string;
  password: string;
  /** Editor number: its edits' volumes are unique to it. */
  index: number;
  keys: readonly RecordKey[];
  deadline: number;
  timeoutMs: number;
  /** Every n-th saved edit is followed by a stale re-post of the same form. */
  staleEvery: number;
}

export interface EditorOutcome {
  latencies: number[];
  statusCodes: Record<string, number>;
  unexpectedStatus: number;
  errors: number;
  errorSamples: string[];
  acknowledged: Edit[];
  /** Posts whose outcome is unknown (timeout, reset): they may or may not have been applied. */
  uncertain: Edit[];
  staleProbes: number;
  staleRefused: number;
}

/** A response other than the one the step expects (the request itself worked). */
class Unexpected extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const hidden = (html: string, name: string): string => {
  const input = new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`).exec(html)?.[0];
  const value = input && /\bvalue="([^"]*)"/.exec(input)?.[1];
  if (!value) throw new Unexpected(`no hidden input "${name}" in the page`);
  return value;
};

/** One editor's session against the server; resolves when the deadline has passed. */
export async function runEditor(p: EditorPlan, onEdit: () => void): Promise<EditorOutcome> {
  const out: EditorOutcome = { latencies: [], statusCodes: {}, unexpectedStatus: 0, errors: 0, errorSamples: [], acknowledged: [], uncertain: [], staleProbes: 0, staleRefused: 0 };
  const cookies = new Map<string, string>();
  let seq = 0;

  async function request(path: string, expect: number, form?: Record<string, string>): Promise<{ html: string; location: string | null }> {
    const t = performance.now();
    const r = await fetch(`${p.baseUrl}${path}`, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      signal: AbortSignal.timeout(p.timeoutMs),
      headers: { Cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; "), ...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    const html = await r.text();
    out.latencies.push(performance.now() - t);
    out.statusCodes[r.status] = (out.statusCodes[r.status] ?? 0) + 1;
    for (const c of r.headers.getSetCookie()) {
      const [pair = ""] = c.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    if (r.status !== expect) {
      out.unexpectedStatus++;
      throw new Unexpected(`${form ? "POST" : "GET"} ${path}: ${r.status}, expected ${expect}`, r.status);
    }
    return { html, location: r.headers.get("location") };
  }

  const fail = (e: unknown) => {
    if (!(e instanceof Unexpected)) out.errors++;
    if (out.errorSamples.length < 5) out.errorSamples.push(`editor ${p.index}: ${e instanceof Error ? e.message : String(e)}`);
  };

  const nextValues = (): Edit["values"] => {
    seq++;
    const base = 20 + ((p.index * 7 + seq) % 900) / 10;
    const f = (x: number) => Number(x.toFixed(2));
    // The volume identifies the edit: unique per editor and attempt.
    return { open: f(base), high: f(base + 2), low: f(base - 1), close: f(base + 1), volume: (p.index + 1) * 10_000_000 + seq };
  };
  const formOf = (csrf: string, updatedAt: string, k: RecordKey, v: Edit["values"]) => ({
    csrf,
    updatedAt,
    symbol: k.symbol,
    date: k.date,
    ...Object.fromEntries(Object.entries(v).map(([f, n]) => [f, String(n)])),
  });

  try {
    const login = await request("/login", 200);
    await request("/login", 302, { csrf: hidden(login.html, "csrf"), redirectTo: "/records", username: p.username, password: p.password });
  } catch (e) {
    fail(e);
    return out;
  }

  for (let n = 0; Date.now() < p.deadline; n++) {
    const key = p.keys[n % p.keys.length]!;
    const path = `/records/${encodeURIComponent(key.symbol)}/${key.date}`;
    let pending: Edit | undefined;
    try {
      const page = await request(path, 200);
      const csrf = hidden(page.html, "csrf");
      const seen = hidden(page.html, "updatedAt");
      pending = { ...key, values: nextValues() };
      const saved = await request(path, 302, formOf(csrf, seen, key, pending.values));
      out.acknowledged.push(pending);
      pending = undefined;
      onEdit();
      const after = await request(saved.location ?? "/records", 200);
      if (!after.html.includes(`Saved ${key.symbol} ${key.date}`)) throw new Unexpected(`no "Saved" notice after editing ${key.symbol} ${key.date}`);
      if (p.staleEvery > 0 && out.acknowledged.length % p.staleEvery === 0) {
        // The same form again, as from a second tab opened before the save: must be refused, nothing written.
        out.staleProbes++;
        const stale: Edit = { ...key, values: nextValues() };
        try {
          await request(path, 409, formOf(csrf, seen, key, stale.values));
          out.staleRefused++;
        } catch (e) {
          // Accepted: the stale values are now stored, so they count as saved (and the run fails on the unexpected status).
          if (e instanceof Unexpected && e.status === 302) out.acknowledged.push(stale);
          throw e;
        }
      }
    } catch (e) {
      // A post that got no 302 may still have written (a timeout, or a 500 after the update): the verification must know.
      if (pending) out.uncertain.push(pending);
      fail(e);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return out;
}
