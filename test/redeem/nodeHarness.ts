/**
 * A `hardhat node` in its own process group on a free port, and a JSON-RPC proxy in front of it
 * that the test controls: take it down (connections reset), slow it, watch the methods that
 * pass and act when one does (e.g. crash right after a broadcast).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer as createHttpServer, request, type Server } from "node:http";
import { createServer } from "node:net";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const BIN = path.join(ROOT, "node_modules", ".bin");
export const E2E = process.env.TICKETBROKER_E2E === "1";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(body.error.message);
  return body.result;
}

/** Starts `hardhat node`; resolves once it answers. */
export async function startNode(): Promise<{ url: string; node: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const node = spawn(path.join(BIN, "hardhat"), ["node", "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ""}` },
    stdio: "ignore",
    detached: true,
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (node.exitCode !== null) throw new Error(`hardhat node exited with ${node.exitCode}`);
    try {
      await rpc(url, "eth_chainId");
      return { url, node };
    } catch {
      if (Date.now() > deadline) throw new Error(`hardhat node did not answer at ${url}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** Stops a process started detached (its whole group), escalating to SIGKILL after 5 s. */
export function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const pid = child.pid;
    if (child.exitCode !== null || child.signalCode !== null || pid === undefined) return resolve();
    const escalate = setTimeout(() => signalGroup(pid, "SIGKILL"), 5_000);
    escalate.unref();
    child.once("exit", () => {
      clearTimeout(escalate);
      resolve();
    });
    signalGroup(pid, "SIGTERM");
  });
}

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
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("no address");
    this.url = `http://127.0.0.1:${address.port}`;
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
