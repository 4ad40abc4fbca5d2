/**
 * A stand-in for the Dagger engine's GraphQL API, for running the module's
 * functions where no engine can run. It knows the engine's real schema
 * (fixtures/dagger-v0.21.8.graphqls, plus the legacy `load<Type>FromID` fields
 * the engine still serves to clients older than v0.22), so every query the SDK
 * sends is validated against it; it executes nothing: objects are recorded as
 * calls (field, arguments, parent), leaves get placeholder values, IDs point
 * back at the recorded calls, and files of the host source directory are read
 * from disk. The SDK talks to it as to a real session (DAGGER_SESSION_PORT).
 *
 *   const engine = await startFakeEngine({ sourceDir: repoRoot });
 *   await engine.session(async () => { const id = await (await new Ci().build(engine.source())).id(); });
 *   engine.chain(id)  // [{ field: "container" }, { field: "from", args: { address: "node:…" } }, …]
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { connection, dag, type Directory } from "@dagger.io/dagger";
import { buildSchema, getNamedType, getNullableType, graphql, isEnumType, isInterfaceType, isListType, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from "graphql";

const SCHEMA_FILE = fileURLToPath(new URL("../fixtures/dagger-v0.21.8.graphqls", import.meta.url));

/** One resolved field: an object the engine would have built, or a leaf it would have computed. */
export interface Call {
  seq: number;
  field: string;
  args: Record<string, unknown>;
  parent?: Call;
  /** Named GraphQL type of the field's result. */
  type: string;
  /** For the host source directory only: its path on disk. */
  hostPath?: string;
}

export interface Op {
  field: string;
  args: Record<string, unknown>;
}

export interface FakeEngineOptions {
  /** The directory that `source()` stands for. */
  sourceDir: string;
  /** Returns a leaf value instead of the placeholder, or undefined for the default. May delay (a slow engine). */
  leaf?: (call: Call, engine: FakeEngine) => unknown;
}

/** The engine schema with the legacy ID surface (FooID scalars, load<Foo>FromID) that v0.21 clients use. */
function engineSchema(): GraphQLSchema {
  const sdl = readFileSync(SCHEMA_FILE, "utf8");
  const base = buildSchema(sdl);
  const idable = Object.values(base.getTypeMap()).filter((t) => (isObjectType(t) || isInterfaceType(t)) && !t.name.startsWith("__") && "id" in t.getFields());
  const legacy = idable.map((t) => `scalar ${t.name}ID\nextend type Query { load${t.name}FromID(id: ${t.name}ID!): ${t.name}! }`);
  return buildSchema(`${sdl}\n${legacy.join("\n")}`);
}

export class FakeEngine {
  readonly calls: Call[] = [];
  readonly queries: string[] = [];
  readonly errors: string[] = [];
  private readonly ids = new Map<string, Call>();
  private seq = 0;
  private readonly schema = engineSchema();
  private readonly sourceCall: Call;
  private server?: Server;

  constructor(private readonly opts: FakeEngineOptions) {
    this.sourceCall = { seq: 0, field: "(host source)", args: {}, type: "Directory", hostPath: opts.sourceDir };
    this.ids.set("host-source", this.sourceCall);
  }

  /** The host source directory, as a module function receives it. Use inside session(). */
  source(): Directory {
    return dag.loadDirectoryFromID("host-source" as never);
  }

  /** Runs fn with the SDK connected to this engine (as the Dagger runtime does for a function call). */
  async session(fn: () => Promise<void>): Promise<void> {
    process.env.DAGGER_SESSION_PORT = String(this.port());
    process.env.DAGGER_SESSION_TOKEN = "fake-session-token";
    try {
      await connection(fn);
    } finally {
      delete process.env.DAGGER_SESSION_PORT;
      delete process.env.DAGGER_SESSION_TOKEN;
    }
  }

  /** The call an ID stands for. */
  deref(id: unknown): Call {
    const call = typeof id === "string" ? this.ids.get(id) : undefined;
    if (!call) throw new Error(`unknown ID ${JSON.stringify(id)}`);
    return call;
  }

  /** The operations from the root query down to (and including) the call an ID or call stands for. */
  chain(idOrCall: unknown): Op[] {
    const ops: Op[] = [];
    for (let c: Call | undefined = typeof idOrCall === "object" ? (idOrCall as Call) : this.deref(idOrCall); c; c = c.parent) {
      ops.unshift({ field: c.field, args: c.args });
    }
    return ops;
  }

  /** Leaf calls of the given field, in the order the engine received them. */
  leaves(field: string): Call[] {
    return this.calls.filter((c) => c.field === field);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void this.answer(Buffer.concat(chunks).toString("utf8")).then((body) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private port(): number {
    const address = this.server?.address();
    if (!address || typeof address === "string") throw new Error("the fake engine is not started");
    return address.port;
  }

  private async answer(body: string): Promise<unknown> {
    const { query, variables } = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
    this.queries.push(query);
    const result = await graphql({ schema: this.schema, source: query, variableValues: variables ?? null, fieldResolver: this.resolve });
    for (const e of result.errors ?? []) this.errors.push(`${e.message}\n  in query: ${query.replace(/\s+/g, " ").slice(0, 400)}`);
    return result;
  }

  private readonly resolve: GraphQLFieldResolver<Call | undefined, unknown> = async (parent, args, _ctx, info) => {
    const field = info.fieldName;
    if (/^load\w+FromID$/.test(field)) return this.deref(args.id);
    const named = getNamedType(info.returnType);
    const call: Call = { seq: ++this.seq, field, args, parent, type: named.name };
    this.calls.push(call);
    if (isObjectType(named) || isInterfaceType(named)) return isListType(getNullableType(info.returnType)) ? [] : call;
    const custom = await this.opts.leaf?.(call, this);
    if (custom !== undefined) return custom;
    if (field === "id" || field === "sync") {
      const id = `${parent?.type ?? "Query"}#${call.seq}`;
      if (parent) this.ids.set(id, parent);
      return id;
    }
    if (field === "contents" && parent) return this.readHostFile(parent);
    if (isListType(getNullableType(info.returnType))) return [];
    if (isEnumType(named)) return named.getValues()[0]?.value;
    switch (named.name) {
      case "String":
        return `(${field})`;
      case "Int":
      case "Float":
        return 0;
      case "Boolean":
        return true;
      case "Void":
        return null;
      default:
        return "";
    }
  };

  /** contents of a file reached from the host source by directory()/file() steps; "" for anything else. */
  private readHostFile(file: Call): string {
    const steps: string[] = [];
    let c: Call | undefined = file;
    for (; c && !c.hostPath; c = c.parent) {
      if ((c.field === "file" || c.field === "directory") && typeof c.args.path === "string") steps.unshift(c.args.path);
      else return "";
    }
    return c?.hostPath ? readFileSync(path.join(c.hostPath, ...steps), "utf8") : "";
  }
}

export async function startFakeEngine(opts: FakeEngineOptions): Promise<FakeEngine> {
  return new FakeEngine(opts).start();
}
