import { describe, expect, it } from "vitest";
import { createSessionStorage, csrfTokenOf, requireEditorWrite, rotateCsrf, safeRedirectPath, verifyCsrf } from "./session.server";

const storage = createSessionStorage({ secret: "s".repeat(32), secure: true });

async function requestWith(fields: Record<string, string>, session?: { user?: string; csrf?: boolean }): Promise<{ request: Request; csrf: string }> {
  const s = await storage.getSession();
  if (session?.user) s.set("user", session.user);
  const csrf = session?.csrf === false ? "" : csrfTokenOf(s);
  const cookie = (await storage.commitSession(s)).split(";")[0]!;
  const body = new URLSearchParams(fields);
  return { request: new Request("http://localhost/records/new", { method: "POST", body, headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" } }), csrf };
}

async function statusOf(p: Promise<unknown>): Promise<number | "ok"> {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (e instanceof Response) return e.status;
    throw e;
  }
}

describe("sessions", () => {
  it("the cookie is httpOnly, SameSite=Lax, Secure and signed", async () => {
    const s = await storage.getSession();
    s.set("user", "editor");
    const header = await storage.commitSession(s);
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Lax/);
    expect(header).toMatch(/Secure/);
    const [pair] = header.split(";");
    const tampered = `${pair!.slice(0, -3)}abc`;
    expect((await storage.getSession(tampered)).get("user")).toBeUndefined();
    const other = createSessionStorage({ secret: "t".repeat(32), secure: true });
    expect((await other.getSession(pair)).get("user")).toBeUndefined();
    expect((await storage.getSession(pair)).get("user")).toBe("editor");
  });
});

describe("CSRF", () => {
  it("a token is created once per session and rotated on demand", async () => {
    const s = await storage.getSession();
    const t = csrfTokenOf(s);
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfTokenOf(s)).toBe(t);
    expect(rotateCsrf(s)).not.toBe(t);
  });

  it("verifies only the session's own token", async () => {
    const s = await storage.getSession();
    const t = csrfTokenOf(s);
    const f = (v?: string) => {
      const fd = new FormData();
      if (v !== undefined) fd.set("csrf", v);
      return fd;
    };
    expect(verifyCsrf(s, f(t))).toBe(true);
    expect(verifyCsrf(s, f())).toBe(false);
    expect(verifyCsrf(s, f(""))).toBe(false);
    expect(verifyCsrf(s, f(`${t}x`))).toBe(false);
    expect(verifyCsrf(await storage.getSession(), f(""))).toBe(false);
  });

  it("a write needs a signed-in editor (401) and the CSRF token (403)", async () => {
    const anon = await requestWith({ csrf: "x" });
    expect(await statusOf(requireEditorWrite(anon.request, storage))).toBe(401);
    const noToken = await requestWith({}, { user: "editor" });
    expect(await statusOf(requireEditorWrite(noToken.request, storage))).toBe(403);
    const { csrf } = await requestWith({}, { user: "editor" });
    const wrong = await requestWith({ csrf }, { user: "editor" }); // another session's token
    expect(await statusOf(requireEditorWrite(wrong.request, storage))).toBe(403);
  });

  it("a write with session and token passes and returns the form", async () => {
    const s = await storage.getSession();
    s.set("user", "editor");
    const token = csrfTokenOf(s);
    const cookie = (await storage.commitSession(s)).split(";")[0]!;
    const request = new Request("http://localhost/x", {
      method: "POST",
      body: new URLSearchParams({ csrf: token, close: "1" }),
      headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
    });
    const r = await requireEditorWrite(request, storage);
    expect(r.user).toBe("editor");
    expect(r.form.get("close")).toBe("1");
  });

  it("redirects after sign-in stay on this site", () => {
    expect(safeRedirectPath("/records?x=1")).toBe("/records?x=1");
    expect(safeRedirectPath("//evil.example")).toBe("/");
    expect(safeRedirectPath("https://evil.example")).toBe("/");
    expect(safeRedirectPath("/\\evil.example")).toBe("/");
  });

  it("redirects refuse what a browser would read as another site, or what would break the header", () => {
    for (const to of ["/\t/evil.example", "/\n/evil.example", "/\r\nSet-Cookie: x=y", " /records", "/re cords", "x".repeat(3000)])
      expect(safeRedirectPath(to), JSON.stringify(to)).toBe("/");
    expect(safeRedirectPath("/chart/€?a=b#c")).toBe("/chart/%E2%82%AC?a=b#c");
    expect(safeRedirectPath("/%2F%2Fevil.example")).toBe("/%2F%2Fevil.example");
  });
});

describe("reading a posted form", () => {
  async function editorRequest(body: BodyInit, contentType?: string): Promise<Request> {
    const s = await storage.getSession();
    s.set("user", "editor");
    const cookie = (await storage.commitSession(s)).split(";")[0]!;
    return new Request("http://localhost/records/new", { method: "POST", body, headers: { Cookie: cookie, ...(contentType ? { "Content-Type": contentType } : {}) } });
  }
  const urlencoded = "application/x-www-form-urlencoded";

  it.each([
    ["JSON", "{}", "application/json", 415],
    ["plain text", "a=1", "text/plain", 415],
    ["no content type", new Uint8Array([97, 61, 49]), undefined, 415],
    ["a body over 64 KB", `a=${"x".repeat(70_000)}`, urlencoded, 413],
    ["multipart without a boundary", "--x--", "multipart/form-data", 400],
    ["a field in bracket syntax", "symbol%5B%24ne%5D=x", urlencoded, 400],
    ["a field sent twice", "symbol=A&symbol=B", urlencoded, 400],
    ["__proto__ as a field", "__proto__=x", urlencoded, 400],
  ] as const)("%s is refused (4xx) before the CSRF check", async (_what, body, type, status) => {
    expect(await statusOf(requireEditorWrite(await editorRequest(body, type), storage))).toBe(status);
  });

  it("a visitor's write is refused with 401 whatever its body", async () => {
    const request = new Request("http://localhost/records/new", { method: "POST", body: "{}", headers: { "Content-Type": "application/json" } });
    expect(await statusOf(requireEditorWrite(request, storage))).toBe(401);
  });
});
