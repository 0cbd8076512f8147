/**
 * The redeemer process's HTTP listener: `/metrics` (Prometheus text), `/healthz` (the process
 * answers: last round, leader or standby) and `/readyz` (each dependency answers). Plain
 * `node:http`: the redeemer takes no requests that change anything.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

import type { Registry } from "prom-client";

import type { RedeemerStatus } from "./observe.js";

/** One readiness probe: a name and a check that throws what is wrong. */
export interface RedeemerReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/** A listening redeemer HTTP server. */
export interface RedeemerHttpServer {
  /** Base URL, e.g. http://127.0.0.1:8937. */
  readonly url: string;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify(body));
};

async function probe(c: RedeemerReadinessCheck, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      c.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name: c.name, ok: true as const };
  } catch (err) {
    return { name: c.name, ok: false as const, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Listens on `host:port` (port 0: any free port) and answers the three routes; any other path
 * is 404, any method but GET and HEAD 405.
 *
 * @example
 * ```ts
 * const http = await serveRedeemerHttp({ host: "127.0.0.1", port: 8937, registry,
 *   status: observer.status, checks: [{ name: "store", check: () => store.ping() }] });
 * await http.close();
 * ```
 */
export async function serveRedeemerHttp(options: {
  host: string;
  port: number;
  registry: Registry;
  status: () => RedeemerStatus;
  checks: readonly RedeemerReadinessCheck[];
  /** Deadline of each readiness check (ms). Default 2,000. */
  timeoutMs?: number;
}): Promise<RedeemerHttpServer> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      json(res, 405, { status: 405, detail: "Only GET and HEAD are answered" });
      return;
    }
    if (path === "/metrics") {
      const text = await options.registry.metrics();
      res.setHeader("content-type", options.registry.contentType);
      res.end(text);
      return;
    }
    if (path === "/healthz") {
      const s = options.status();
      json(res, 200, {
        status: "ok",
        role: s.rounds === 0 ? "starting" : s.leader ? "leader" : "standby",
        leader: s.leader,
        rounds: s.rounds,
        lastRoundAt: s.lastRoundAt === undefined ? null : new Date(s.lastRoundAt).toISOString(),
        ...(s.lastError === undefined ? {} : { lastRoundError: s.lastError }),
      });
      return;
    }
    if (path === "/readyz") {
      const checks = await Promise.all(options.checks.map((c) => probe(c, timeoutMs)));
      const ok = checks.every((c) => c.ok);
      json(res, ok ? 200 : 503, { status: ok ? "ready" : "not ready", checks });
      return;
    }
    json(res, 404, { status: 404, detail: `No route ${path}: try /metrics, /healthz or /readyz` });
  };
  const server = createServer((req, res) => {
    answer(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { status: 500, detail: (err as Error).message });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = address !== null && typeof address === "object" ? address.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
