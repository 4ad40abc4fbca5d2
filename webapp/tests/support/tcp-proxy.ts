import { createServer, connect, type Socket } from "node:net";

/** A TCP proxy a test can pause or cut, to make a database read land late or fail for real. */
export interface TcpProxy {
  /** `host:port` to connect to instead of the target. */
  address: string;
  /** Holds back what the target sends until `resume`. */
  pause(): void;
  /** Delivers what was held back and forwards again. */
  resume(): void;
  /** Drops every connection and refuses new ones until `mend`. */
  cut(): void;
  mend(): void;
  /** Drops every connection and stops listening. */
  stop(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let held: [Socket, Buffer][] | null = null;
  let refusing = false;
  const drop = (pair: [Socket, Socket]) => {
    pairs.delete(pair);
    pair[0].destroy();
    pair[1].destroy();
  };
  const server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on("data", (d) => upstream.write(d));
    upstream.on("data", (d) => (held ? held.push([client, d]) : client.write(d)));
    // A connection that ends or fails on one side is closed on the other: the driver then sees a network error.
    for (const s of pair) {
      s.on("error", () => drop(pair));
      s.on("close", () => drop(pair));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    pause: () => void (held ??= []),
    resume: () => {
      const out = held ?? [];
      held = null;
      for (const [client, d] of out) if (!client.destroyed) client.write(d);
    },
    cut: () => {
      refusing = true;
      for (const pair of [...pairs]) drop(pair);
    },
    mend: () => void (refusing = false),
    stop: async () => {
      for (const pair of [...pairs]) drop(pair);
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
