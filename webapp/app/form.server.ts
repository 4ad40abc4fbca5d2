/**
 * Reading a posted form defensively, for every action. The forms of this
 * site are a few hundred bytes of plain fields, each sent once, so anything
 * else is refused with a 4xx before it reaches validation or the database:
 * another encoding (415), a body past MAX_FORM_BYTES (413), a malformed body,
 * a field named like `symbol[$ne]` or a field sent twice (400). Such input is
 * refused rather than reinterpreted (first value wins, brackets ignored).
 */
import { json } from "@remix-run/node";

/** Far above any form here (a long password included), far below what could hurt the server. */
export const MAX_FORM_BYTES = 64 * 1024;
/** A body declared bigger than this is refused without reading it; smaller ones are read to the end (see readBody). */
const MAX_DRAIN_BYTES = 32 * 1024 * 1024;
const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];
/** The field names our forms use: letters, digits, `_` and `-`. */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

function refuse(status: 400 | 413 | 415, message: string): never {
  throw json({ message }, { status });
}

const TOO_BIG = `This form is too large (the limit is ${MAX_FORM_BYTES / 1024} KB): nothing was saved.`;

/**
 * The body, or null when it is over the limit. Whatever the outcome, the body
 * is read to its end (bytes past the limit are thrown away) up to
 * MAX_DRAIN_BYTES: a reply sent while the client is still uploading leaves
 * the rest of the upload in the connection, and the client then sees a reset
 * instead of the 4xx (or the next request on that connection fails).
 */
async function readBody(request: Request, keep = MAX_FORM_BYTES): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!request.body) return new Uint8Array(0);
  const declared = Number(request.headers.get("Content-Length") ?? "");
  if (declared > MAX_DRAIN_BYTES) {
    // Not worth reading: closing the stream ends the connection.
    await request.body.cancel().catch(() => undefined);
    return null;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size <= keep) chunks.push(value);
    else if (size > MAX_DRAIN_BYTES) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return size > keep ? null : new Uint8Array(Buffer.concat(chunks));
}

/**
 * Reads and throws away a body nobody read: a refusal before the form was
 * needed, or a post to a page without a form (405). See readBody for why.
 */
export async function discardBody(request: Request): Promise<void> {
  if (!request.body || request.bodyUsed || request.body.locked) return;
  await readBody(request, 0).catch(() => undefined);
}

/** The request's form, or a thrown 400/413/415 response saying what is wrong with it. */
export async function readForm(request: Request): Promise<FormData> {
  const contentType = request.headers.get("Content-Type") ?? "";
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (!FORM_TYPES.includes(type)) {
    await discardBody(request);
    refuse(415, `This address takes a form (${FORM_TYPES.join(" or ")})${type ? `, not ${type.slice(0, 60)}` : ""}: nothing was saved.`);
  }
  const body = await readBody(request);
  if (body === null) refuse(413, TOO_BIG);
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "Content-Type": contentType } }).formData();
  } catch {
    refuse(400, "The form could not be read (its body is malformed): reload the page and try again.");
  }
  const seen = new Set<string>();
  for (const name of form.keys()) {
    if (!FIELD_NAME.test(name)) refuse(400, `The form has a field named ${JSON.stringify(name.slice(0, 40))}, which no form of this site sends: nothing was saved.`);
    if (seen.has(name)) refuse(400, `The form sent the field "${name}" more than once: nothing was saved.`);
    seen.add(name);
  }
  return form;
}

/** A field's text as sent; empty when it is missing or a file (String() of a file would be "[object File]"). */
export function formText(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}
