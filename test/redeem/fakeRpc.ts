/**
 * A tiny JSON-RPC server on loopback that answers the cost questions with figures a test
 * chooses: eth_estimateGas and the NodeInterface's gasEstimateComponents as lines in the batch
 * size, eth_feeHistory with a chosen base fee and tip. It counts the requests by method.
 */
import { createServer, type Server } from "node:http";

import { Interface } from "ethers";

import { ticketBrokerAbi } from "../../src/contract/abi.js";
import { listenOnLoopback } from "../support/listen.js";

const broker = new Interface(ticketBrokerAbi);
const nodeInterface = new Interface([
  "function gasEstimateComponents(address to, bool contractCreation, bytes data) payable returns (uint64 gasEstimate, uint64 gasEstimateForL1, uint256 baseFee, uint256 l1BaseFeeEstimate)",
]);

export interface FakeChainFigures {
  /** gas(n) = fixedGas + perTicketGas × n, total (L1 included, as Arbitrum's estimate is). */
  fixedGas: bigint;
  perTicketGas: bigint;
  /** The L1 part of it. */
  fixedL1Gas: bigint;
  perTicketL1Gas: bigint;
  baseFee: bigint;
  tip: bigint;
  l1BaseFee: bigint;
}

function ticketsIn(data: string): number {
  const parsed = broker.parseTransaction({ data });
  if (parsed?.name === "redeemWinningTickets") return (parsed.args[0] as unknown[]).length;
  return 1;
}

export class FakeRpc {
  figures: FakeChainFigures;
  readonly calls = new Map<string, number>();
  #server: Server | undefined;
  url = "";

  constructor(figures: FakeChainFigures) {
    this.figures = figures;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const request = JSON.parse(body) as
          | { id: number; method: string; params: unknown[] }
          | { id: number; method: string; params: unknown[] }[];
        const answer = Array.isArray(request)
          ? request.map((r) => this.#answer(r))
          : this.#answer(request);
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(answer));
      });
    });
    this.url = await listenOnLoopback(this.#server);
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  #answer(r: { id: number; method: string; params: unknown[] }): unknown {
    this.calls.set(r.method, (this.calls.get(r.method) ?? 0) + 1);
    const f = this.figures;
    const hex = (x: bigint) => `0x${x.toString(16)}`;
    const ok = (result: unknown) => ({ jsonrpc: "2.0", id: r.id, result });
    switch (r.method) {
      case "eth_chainId":
        return ok(hex(42161n));
      case "eth_estimateGas": {
        const n = BigInt(ticketsIn((r.params[0] as { data: string }).data));
        return ok(hex(f.fixedGas + f.perTicketGas * n));
      }
      case "eth_feeHistory":
        return ok({
          oldestBlock: "0x1",
          baseFeePerGas: [hex(f.baseFee), hex(f.baseFee)],
          reward: [[hex(f.tip)]],
          gasUsedRatio: [0.5],
        });
      case "eth_gasPrice":
        return ok(hex(f.baseFee + f.tip));
      case "eth_call": {
        const call = r.params[0] as { to: string; data: string };
        if (call.to.toLowerCase() !== "0x00000000000000000000000000000000000000c8") {
          return { jsonrpc: "2.0", id: r.id, error: { code: -32000, message: "unknown call" } };
        }
        const [, , data] = nodeInterface.decodeFunctionData("gasEstimateComponents", call.data);
        const n = BigInt(ticketsIn(data as string));
        return ok(
          nodeInterface.encodeFunctionResult("gasEstimateComponents", [
            f.fixedGas + f.perTicketGas * n,
            f.fixedL1Gas + f.perTicketL1Gas * n,
            f.baseFee,
            f.l1BaseFee,
          ]),
        );
      }
      default:
        return { jsonrpc: "2.0", id: r.id, error: { code: -32601, message: `no ${r.method}` } };
    }
  }
}
