/**
 * A JSON-RPC proxy in front of a `hardhat node` (test/support/hardhatNode.ts starts one) that the
 * test controls: take it down (connections reset), slow it, watch the methods that pass and act
 * when one does (e.g. crash right after a broadcast).
 */
import { createServer as createHttpServer, request, type Server } from "node:http";

import { listenOnLoopback } from "../support/listen.js";

interface RpcRequest {
  id: unknown;
  method: string;
  params?: unknown[];
}

/** A JSON-RPC proxy on loopback in front of `target`. */
export class RpcProxy {
  /** While true every request's connection is reset (the RPC is down). */
  down = false;
  /** Milliseconds added before forwarding each request. */
  delayMs = 0;
  /** Methods seen, in order. */
  readonly seen: string[] = [];
  /** Called after a request of `method` was answered by the node. */
  readonly after = new Map<string, (req: RpcRequest, response: unknown) => void>();
  url = "";
  #server: Server | undefined;

  constructor(readonly target: string) {}

  async start(): Promise<this> {
    this.#server = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        void (async () => {
          if (this.down) {
            req.socket.destroy();
            return;
          }
          if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
          const parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
          const list = Array.isArray(parsed) ? parsed : [parsed];
          for (const r of list) this.seen.push(r.method);
          const answer = await forward(this.target, body);
          if (this.down) {
            req.socket.destroy();
            return;
          }
          res.setHeader("content-type", "application/json");
          res.end(answer);
          const answers = JSON.parse(answer) as unknown;
          for (const [i, r] of list.entries()) {
            const hook = this.after.get(r.method);
            if (hook !== undefined) hook(r, Array.isArray(answers) ? answers[i] : answers);
          }
        })().catch(() => req.socket.destroy());
      });
    });
    this.url = await listenOnLoopback(this.#server);
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

function forward(target: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: "POST", headers: { "content-type": "application/json" } },
      (res) => {
        let out = "";
        res.on("data", (d: Buffer) => (out += d.toString()));
        res.on("end", () => resolve(out));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
