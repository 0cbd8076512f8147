/**
 * A JSON-RPC endpoint on loopback answering from an in-process chain (Hardhat's provider), so
 * entry points that take an `rpcUrl` run against it.
 */
import { createServer, type Server } from "node:http";

/** The part of Hardhat's EIP-1193 provider the endpoint forwards to. */
export interface RequestProvider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** Listens on 127.0.0.1 (any free port); `close()` stops it. */
export async function jsonRpcEndpoint(
  provider: RequestProvider,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const answer = async (m: { id: unknown; method: string; params?: unknown[] }) => {
    try {
      const result = await provider.request({ method: m.method, params: m.params ?? [] });
      return { jsonrpc: "2.0", id: m.id, result };
    } catch (err) {
      const e = err as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: m.id,
        error: { code: e.code ?? -32000, message: e.message ?? "error", data: e.data },
      };
    }
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const parsed = JSON.parse(body) as unknown;
      const reply = Array.isArray(parsed)
        ? Promise.all(parsed.map(answer))
        : answer(parsed as never);
      void reply.then((r) => {
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify(r, (_k, v: unknown) =>
            typeof v === "bigint" ? `0x${v.toString(16)}` : v,
          ),
        );
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const a = server.address();
  if (a === null || typeof a === "string") throw new Error("no address");
  return {
    url: `http://127.0.0.1:${a.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
