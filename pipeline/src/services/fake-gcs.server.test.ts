import { join } from "node:path";
import { Storage } from "@google-cloud/storage";
import { describe, expect, inject, it } from "vitest";
import { startFakeGcs } from "./fake-gcs.server.js";

/** A client that talks only to the emulator: no Google credentials, no metadata server. */
function emulatorStorage(endpoint: string): Storage {
  return new Storage({
    apiEndpoint: endpoint,
    projectId: "test-project",
    useAuthWithCustomEndpoint: false, // the default, spelled out: never look up Google credentials
    retryOptions: { autoRetry: false },
  });
}

describe("fake-gcs-server, the Cloud Storage emulator", () => {
  it("uploads and downloads objects through @google-cloud/storage", async () => {
    const storage = emulatorStorage(inject("gcsEndpoint"));
    const bucketName = `raw-${process.env.VITEST_POOL_ID ?? "0"}-${Date.now()}`;
    const [bucket] = await storage.createBucket(bucketName);

    const key = "polygon/grouped-daily/date=2024-01-02/response.json";
    const body = JSON.stringify({ status: "OK", resultsCount: 1, results: [{ T: "AAPL", c: 185.64 }] });
    await bucket.file(key).save(body, { contentType: "application/json", resumable: false });
    // A resumable upload follows the Location header the emulator returns (-external-url).
    const big = Buffer.alloc(300_000, "x");
    await bucket.file("big.bin").save(big, { resumable: true });

    const [downloaded] = await bucket.file(key).download();
    expect(downloaded.toString("utf8")).toBe(body);
    const [metadata] = await bucket.file(key).getMetadata();
    expect(metadata.contentType).toBe("application/json");
    const [bigBack] = await bucket.file("big.bin").download();
    expect(bigBack.equals(big)).toBe(true);

    const [files] = await bucket.getFiles({ prefix: "polygon/" });
    expect(files.map((file) => file.name)).toEqual([key]);
    const [exists] = await bucket.file("missing.json").exists();
    expect(exists).toBe(false);
  });

  it("a second emulator starts on its own port and stops", async () => {
    const server = await startFakeGcs();
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.endpoint).not.toBe(inject("gcsEndpoint"));
    expect((await fetch(`${server.endpoint}/storage/v1/b`)).status).toBe(200);
    await server.stop();
    await expect(fetch(`${server.endpoint}/storage/v1/b`)).rejects.toThrow();
  });

  it("a missing binary gives a sentence naming the fix", async () => {
    await expect(startFakeGcs({ binPath: join("/nonexistent", "fake-gcs-server") })).rejects.toThrow(
      "the Cloud Storage emulator (fake-gcs-server) is not built: run scripts/ensure-tools.sh, or set FAKE_GCS_BIN (there is no executable at /nonexistent/fake-gcs-server)",
    );
  });
});
