import { ADJUSTMENTS } from "@stock-market/pipeline/model/adjust";
import { describe, expect, it } from "vitest";
import { ACTIONS_PARAMETERS, API_FORMATS, BARS_PARAMETERS } from "~/lib/api-params";
import { MOVERS_PARAMETERS } from "~/lib/market-params";
import { openApiDocument } from "./api-openapi.server";

type Param = { name: string; in: string; schema: { enum?: readonly string[] } };
const doc = openApiDocument();
const queryParams = (op: { parameters?: readonly unknown[] }) => ((op.parameters ?? []) as Param[]).filter((p) => p.in === "query");

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 and survives a JSON round trip unchanged", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it("documents exactly the query parameters each route accepts, with the routes' own value lists", () => {
    const bars = doc.paths["/api/v1/bars/{symbol}"].get;
    expect(queryParams(bars).map((p) => p.name)).toEqual([...BARS_PARAMETERS]);
    expect(queryParams(bars).find((p) => p.name === "adjustment")!.schema.enum).toEqual([...ADJUSTMENTS]);
    expect(queryParams(bars).find((p) => p.name === "format")!.schema.enum).toEqual([...API_FORMATS]);
    expect(queryParams(doc.paths["/api/v1/corporate-actions/{symbol}"].get).map((p) => p.name)).toEqual([...ACTIONS_PARAMETERS]);
    expect(queryParams(doc.paths["/api/v1/market/movers"].get).map((p) => p.name)).toEqual([...MOVERS_PARAMETERS]);
  });

  it("every $ref points at a schema it defines, and the bearer scheme is declared", () => {
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[A-Za-z]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(5);
    for (const r of refs) expect(Object.keys(doc.components.schemas)).toContain(r.slice(r.lastIndexOf("/") + 1, -1));
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });
});
