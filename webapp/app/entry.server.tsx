import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable, type EntryContext } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { renderToPipeableStream } from "react-dom/server";
import { EnvError, getEnv } from "~/env.server";
import { discardBody } from "~/form.server";

// Validate the configuration when the server loads the build, not at the first
// request: a bad value stops the start with every problem listed.
try {
  getEnv();
} catch (e) {
  if (!(e instanceof EnvError)) throw e;
  console.error(e.message);
  process.exit(2);
}

const ABORT_DELAY = 5_000;

/**
 * A body no action read (a post to a page without a form: 405) is read to its
 * end before answering, so the client's next request on the connection is not
 * reset. The same for Remix's data requests.
 */
export async function handleDataRequest(response: Response, { request }: { request: Request }) {
  await discardBody(request);
  return response;
}

/** Renders the whole page before sending it (no deferred data here, so nothing to stream). */
export default async function handleRequest(request: Request, status: number, headers: Headers, remixContext: EntryContext) {
  await discardBody(request);
  return new Promise<Response>((resolve, reject) => {
    let failed = false;
    const { pipe, abort } = renderToPipeableStream(<RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} />, {
      onAllReady() {
        const body = new PassThrough();
        headers.set("Content-Type", "text/html; charset=utf-8");
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("X-Frame-Options", "DENY");
        headers.set("Referrer-Policy", "same-origin");
        resolve(new Response(createReadableStreamFromReadable(body), { headers, status: failed ? 500 : status }));
        pipe(body);
      },
      onShellError: reject,
      onError(error) {
        failed = true;
        console.error(error);
      },
    });
    setTimeout(abort, ABORT_DELAY);
  });
}
