/**
 * What a redemption transaction costs, read from the chain: the gas from `eth_estimateGas`, the
 * fees from `eth_feeHistory` (or `eth_gasPrice`), and on Arbitrum the part of the gas that pays
 * for posting the calldata to L1, from the NodeInterface's `gasEstimateComponents`. Never a
 * constant.
 */
import { Interface } from "ethers";

import { ticketBrokerAbi } from "../contract/abi.js";
import { TicketBrokerError } from "../errors.js";
import {
  assertAddress,
  assertArray,
  assertBigint,
  assertHasMethods,
  assertHex,
  assertInteger,
  assertObject,
  assertWinningTicket,
} from "../ticket/inputs.js";
import type { Hex } from "../internal/bytes.js";
import type { WinningTicket } from "../recipient/winnerStore.js";

/** The one JSON-RPC call this module needs (ethers' JsonRpcProvider and Hardhat's provider have it). */
export interface JsonRpcSender {
  send(method: string, params: unknown[]): Promise<unknown>;
}

/** Arbitrum's NodeInterface, a virtual contract answered only over RPC. */
export const ARBITRUM_NODE_INTERFACE: Hex = "0x00000000000000000000000000000000000000C8";

/** Chains whose redemption cost has an L1 component read from the NodeInterface. */
export const ARBITRUM_CHAIN_IDS: readonly bigint[] = [42161n, 421614n];

const nodeInterface = new Interface([
  "function gasEstimateComponents(address to, bool contractCreation, bytes data) payable returns (uint64 gasEstimate, uint64 gasEstimateForL1, uint256 baseFee, uint256 l1BaseFeeEstimate)",
]);
const brokerInterface = new Interface(ticketBrokerAbi);

/** A fee or gas figure from the RPC could not be read. */
export class RedemptionCostError extends TicketBrokerError {}

/** The fees a transaction would pay now (wei per gas). */
export interface FeeQuote {
  /** Base fee of the next block. */
  readonly baseFeePerGas: bigint;
  /** Tip offered to the block producer. */
  readonly maxPriorityFeePerGas: bigint;
  /** The cap: twice the base fee plus the tip, so the transaction survives rising base fees. */
  readonly maxFeePerGas: bigint;
}

/** The cost of one redemption transaction, with the L2/L1 split. */
export interface RedemptionCost {
  /** Gas limit to send with (eth_estimateGas). */
  readonly gas: bigint;
  /** Part of `gas` that pays for the calldata's L1 posting (0 outside Arbitrum). */
  readonly l1Gas: bigint;
  /** `gas - l1Gas`: execution on L2. */
  readonly l2Gas: bigint;
  /** Price per gas expected to be paid: min(maxFee, baseFee + tip). */
  readonly gasPrice: bigint;
  /** gas × gasPrice (wei). */
  readonly costWei: bigint;
  readonly l1Wei: bigint;
  readonly l2Wei: bigint;
  readonly fees: FeeQuote;
  /** The L1 base fee the NodeInterface reported, when it was asked. */
  readonly l1BaseFeeEstimate?: bigint;
}

function toBigint(value: unknown, what: string): bigint {
  if (typeof value === "string" && /^0x[0-9a-fA-F]+$/.test(value)) return BigInt(value);
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  throw new RedemptionCostError(`The RPC answered ${JSON.stringify(value)} for ${what}`, {
    details: { what, value: String(value) },
    hint: "Check that the RPC endpoint is an Ethereum JSON-RPC node for the broker's chain.",
  });
}

/**
 * Current fees: the next block's base fee and the median tip of the last blocks from
 * `eth_feeHistory`; a node without it (or without EIP-1559) falls back to `eth_gasPrice`.
 *
 * @example
 * ```ts
 * const fees = await readFees(provider); // { baseFeePerGas, maxPriorityFeePerGas, maxFeePerGas }
 * ```
 */
export async function readFees(rpc: JsonRpcSender): Promise<FeeQuote> {
  assertHasMethods(rpc, "rpc", ["send"]);
  let history: { baseFeePerGas?: unknown[]; reward?: unknown[][] } | undefined;
  try {
    history = (await rpc.send("eth_feeHistory", ["0x5", "latest", [50]])) as typeof history;
  } catch {
    history = undefined;
  }
  const bases = history?.baseFeePerGas;
  if (bases !== undefined && bases.length > 0) {
    const baseFeePerGas = toBigint(bases[bases.length - 1], "the next base fee");
    const tips = (history?.reward ?? [])
      .map((r) => (r[0] === undefined ? undefined : toBigint(r[0], "a reward")))
      .filter((x): x is bigint => x !== undefined)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const maxPriorityFeePerGas = tips[Math.floor(tips.length / 2)] ?? 0n;
    return {
      baseFeePerGas,
      maxPriorityFeePerGas,
      maxFeePerGas: 2n * baseFeePerGas + maxPriorityFeePerGas,
    };
  }
  const gasPrice = toBigint(await rpc.send("eth_gasPrice", []), "eth_gasPrice");
  return { baseFeePerGas: gasPrice, maxPriorityFeePerGas: 0n, maxFeePerGas: gasPrice };
}

/** The price per gas a transaction with `fees` is expected to pay. */
export function effectiveGasPrice(fees: FeeQuote): bigint {
  assertFees(fees, "fees");
  const wanted = fees.baseFeePerGas + fees.maxPriorityFeePerGas;
  return wanted < fees.maxFeePerGas ? wanted : fees.maxFeePerGas;
}

/** Calldata redeeming `winners`: `redeemWinningTicket` for one, `redeemWinningTickets` for more. */
export function redemptionCalldata(
  winners: readonly WinningTicket[],
  options: { batch?: boolean } = {},
): Hex {
  assertArray(winners, "winners", { nonEmpty: true });
  winners.forEach((w, i) => assertWinningTicket(w, `winners[${i}]`, { checksum: false }));
  assertObject(options, "options");
  const first = winners[0];
  if (winners.length === 1 && first !== undefined && options.batch !== true) {
    return brokerInterface.encodeFunctionData("redeemWinningTicket", [
      first.ticket,
      first.signature,
      first.recipientRand,
    ]) as Hex;
  }
  return brokerInterface.encodeFunctionData("redeemWinningTickets", [
    winners.map((w) => ({
      ticket: w.ticket,
      signature: w.signature,
      recipientRand: w.recipientRand,
    })),
  ]) as Hex;
}

/** Whether a chain id is one whose cost has an L1 component. */
export function isArbitrum(chainId: bigint): boolean {
  return ARBITRUM_CHAIN_IDS.includes(chainId);
}

/**
 * Estimates one redemption transaction: `eth_estimateGas` from `from` to the broker, the current
 * fees, and with `arbitrum` the L1 part from `gasEstimateComponents(broker, false, calldata)` on
 * the NodeInterface (an `eth_call`, since that contract exists only in the node's RPC).
 *
 * @example
 * ```ts
 * const cost = await estimateRedemptionCost({ rpc: provider, broker, from: recipient,
 *   calldata: redemptionCalldata(winners), arbitrum: true });
 * console.log(cost.costWei, cost.l1Wei, cost.l2Wei);
 * ```
 */
export async function estimateRedemptionCost(args: {
  rpc: JsonRpcSender;
  broker: Hex;
  from: Hex;
  calldata: Hex;
  /** Read the L1 component (Arbitrum). Default: false. */
  arbitrum?: boolean;
  /** Fees already read for this round (saves a request per estimate). */
  fees?: FeeQuote;
}): Promise<RedemptionCost> {
  assertObject(args, "estimateRedemptionCost arguments");
  assertEndpoints(args);
  assertHex(args.calldata, "calldata");
  if (args.fees !== undefined) assertFees(args.fees, "fees");
  const { rpc, broker, from, calldata } = args;
  const tx = { from, to: broker, data: calldata };
  const [gasRaw, fees, components] = await Promise.all([
    rpc.send("eth_estimateGas", [tx]),
    args.fees ?? readFees(rpc),
    args.arbitrum === true
      ? rpc.send("eth_call", [
          {
            from,
            to: ARBITRUM_NODE_INTERFACE,
            data: nodeInterface.encodeFunctionData("gasEstimateComponents", [
              broker,
              false,
              calldata,
            ]),
          },
          "latest",
        ])
      : undefined,
  ]);
  const gas = toBigint(gasRaw, "eth_estimateGas");
  let l1Gas = 0n;
  let l1BaseFeeEstimate: bigint | undefined;
  if (components !== undefined) {
    const decoded = nodeInterface.decodeFunctionResult(
      "gasEstimateComponents",
      components as string,
    );
    l1Gas = decoded[1] as bigint;
    l1BaseFeeEstimate = decoded[3] as bigint;
    if (l1Gas > gas) l1Gas = gas;
  }
  const gasPrice = effectiveGasPrice(fees);
  const cost = {
    gas,
    l1Gas,
    l2Gas: gas - l1Gas,
    gasPrice,
    costWei: gas * gasPrice,
    l1Wei: l1Gas * gasPrice,
    l2Wei: (gas - l1Gas) * gasPrice,
    fees,
  };
  return l1BaseFeeEstimate === undefined ? cost : { ...cost, l1BaseFeeEstimate };
}

/**
 * A batch's cost as a line: a fixed part per transaction plus a part per ticket, in gas (L2 and
 * L1 apart) at one price. Measured from two estimates (1 ticket and N), so it is the chain's own
 * curve for these winners.
 */
export interface CostCurve {
  readonly fixedGas: bigint;
  readonly perTicketGas: bigint;
  /** The L1 share of fixedGas and perTicketGas. */
  readonly fixedL1Gas: bigint;
  readonly perTicketL1Gas: bigint;
  readonly gasPrice: bigint;
  readonly fees: FeeQuote;
  /** The batch size of the second estimate. */
  readonly sampledSize: number;
}

/** Gas and wei of a batch of `n` on a curve, with the L2/L1 split. */
export function costAt(
  curve: CostCurve,
  n: number,
): {
  gas: bigint;
  l1Gas: bigint;
  costWei: bigint;
  l1Wei: bigint;
  l2Wei: bigint;
} {
  assertCostCurve(curve);
  assertInteger(n, "n");
  const k = BigInt(n);
  const gas = curve.fixedGas + curve.perTicketGas * k;
  const l1Gas = curve.fixedL1Gas + curve.perTicketL1Gas * k;
  return {
    gas,
    l1Gas,
    costWei: gas * curve.gasPrice,
    l1Wei: l1Gas * curve.gasPrice,
    l2Wei: (gas - l1Gas) * curve.gasPrice,
  };
}

/**
 * Measures the {@link CostCurve} for the first of `winners`: estimates a batch of 1 and of
 * N = min(winners, sampleSize), both through `redeemWinningTickets`, and derives
 * perTicket = (g(N) − g(1)) / (N − 1), fixed = g(1) − perTicket. With one winner the
 * per-ticket part is the whole estimate.
 *
 * @example
 * ```ts
 * const curve = await measureCostCurve({ rpc, broker, from, winners: due, sampleSize: 50 });
 * costAt(curve, 20).costWei;
 * ```
 */
export async function measureCostCurve(args: {
  rpc: JsonRpcSender;
  broker: Hex;
  from: Hex;
  winners: readonly WinningTicket[];
  sampleSize?: number;
  arbitrum?: boolean;
  fees?: FeeQuote;
}): Promise<CostCurve> {
  assertObject(args, "measureCostCurve arguments");
  assertEndpoints(args);
  assertArray(args.winners, "winners");
  if (args.sampleSize !== undefined) assertInteger(args.sampleSize, "sampleSize", { min: 1 });
  if (args.fees !== undefined) assertFees(args.fees, "fees");
  const n = Math.max(1, Math.min(args.winners.length, args.sampleSize ?? 50));
  if (args.winners.length === 0) {
    throw new RedemptionCostError("No winner to estimate a redemption with", {
      hint: "Measure the cost curve with at least one due winner.",
    });
  }
  const fees = args.fees ?? (await readFees(args.rpc));
  const estimate = (k: number) =>
    estimateRedemptionCost({
      rpc: args.rpc,
      broker: args.broker,
      from: args.from,
      calldata: redemptionCalldata(args.winners.slice(0, k), { batch: true }),
      fees,
      ...(args.arbitrum === undefined ? {} : { arbitrum: args.arbitrum }),
    });
  const one = await estimate(1);
  if (n === 1) {
    return {
      fixedGas: 0n,
      perTicketGas: one.gas,
      fixedL1Gas: 0n,
      perTicketL1Gas: one.l1Gas,
      gasPrice: one.gasPrice,
      fees,
      sampledSize: 1,
    };
  }
  const many = await estimate(n);
  const steps = BigInt(n - 1);
  const slope = (a: bigint, b: bigint) => {
    const d = (b - a + steps - 1n) / steps; // rounded up: never cheaper than measured
    return d < 0n ? 0n : d;
  };
  const perTicketGas = slope(one.gas, many.gas);
  const perTicketL1Gas = slope(one.l1Gas, many.l1Gas);
  const fixedGas = one.gas > perTicketGas ? one.gas - perTicketGas : 0n;
  const fixedL1Gas = one.l1Gas > perTicketL1Gas ? one.l1Gas - perTicketL1Gas : 0n;
  return {
    fixedGas,
    perTicketGas,
    fixedL1Gas: fixedL1Gas > fixedGas ? fixedGas : fixedL1Gas,
    perTicketL1Gas: perTicketL1Gas > perTicketGas ? perTicketGas : perTicketL1Gas,
    gasPrice: one.gasPrice,
    fees,
    sampledSize: n,
  };
}

/** O(1) checks of the endpoints every estimate takes. */
function assertEndpoints(args: Record<string, unknown>): void {
  assertHasMethods(args["rpc"], "rpc", ["send"]);
  assertAddress(args["broker"], "broker");
  assertAddress(args["from"], "from");
}

function assertFees(value: unknown, field: string): asserts value is FeeQuote {
  assertObject(value, field);
  assertBigint(value["baseFeePerGas"], `${field}.baseFeePerGas`);
  assertBigint(value["maxPriorityFeePerGas"], `${field}.maxPriorityFeePerGas`);
  assertBigint(value["maxFeePerGas"], `${field}.maxFeePerGas`);
}

/** @internal Throws unless `value` is a {@link CostCurve} (its gas figures and price). */
export function assertCostCurve(value: unknown, field = "curve"): asserts value is CostCurve {
  assertObject(value, field);
  for (const k of ["fixedGas", "perTicketGas", "fixedL1Gas", "perTicketL1Gas", "gasPrice"]) {
    assertBigint(value[k], `${field}.${k}`);
  }
}
