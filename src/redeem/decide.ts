/**
 * Whether to send a redemption now, and how many winners in it: the face value paid against
 * the chain's cost curve. Pure.
 */
import {
  assertArray,
  assertBigint,
  assertInteger,
  assertObject,
  assertWinningTicket,
} from "../ticket/inputs.js";
import { assertCostCurve, costAt, type CostCurve } from "./cost.js";
import type { DueWinner } from "./plan.js";

/** The redeemer's economic settings. */
export interface RedemptionEconomics {
  /**
   * Required surplus over the cost, in basis points: redeem when
   * Σ faceValue ≥ cost × (1 + marginBps / 10,000). Default 10,000 (face value ≥ 2 × cost).
   */
  readonly marginBps?: bigint;
  /**
   * A winner this close to the last second it can be paid (expiry, the sender's unlock end, its
   * signer's validity), in seconds, is redeemed as soon as its batch pays more than it costs,
   * whatever the margin. Default 3,600.
   */
  readonly expiryMarginSeconds?: bigint;
  /** Most winners in one transaction (calldata size, a block's gas). Default 50. */
  readonly maxBatchSize?: number;
  /** Most gas in one transaction; caps the batch size with the curve. Default 10,000,000. */
  readonly maxBatchGas?: bigint;
}

/** What the redeemer does with the due winners now. */
export interface RedemptionDecision {
  /** `redeem` the batch now, or `wait` (for more winners or lower fees). */
  readonly action: "redeem" | "wait";
  /**
   * `profitable`: the batch clears the margin; `nearExpiry`: a winner nears its last payable
   * second and the batch still pays more than it costs; `belowMargin`: not worth it yet;
   * `uneconomic`: a winner nears its end but its batch would cost more than it pays;
   * `nothingDue`: no winner is due.
   */
  readonly reason: "profitable" | "nearExpiry" | "belowMargin" | "uneconomic" | "nothingDue";
  /** The winners to send (for `redeem`), or the best batch considered (for `wait`). */
  readonly batch: readonly DueWinner[];
  /** Σ faceValue of `batch`. */
  readonly faceValue: bigint;
  /** The batch's cost in wei from the curve, with the L2/L1 split. */
  readonly costWei: bigint;
  readonly l1Wei: bigint;
  readonly l2Wei: bigint;
  readonly gas: bigint;
  /** The largest batch the curve and the limits allow. */
  readonly maxBatch: number;
  /** Winners due now that are within the expiry margin. */
  readonly nearExpiry: number;
}

const DEFAULTS = {
  marginBps: 10_000n,
  expiryMarginSeconds: 3_600n,
  maxBatchSize: 50,
  maxBatchGas: 10_000_000n,
};

/** The largest batch that fits the limits on `curve`. */
export function maxBatchSize(curve: CostCurve, economics: RedemptionEconomics = {}): number {
  assertCostCurve(curve);
  assertEconomics(economics);
  const byCount = Math.max(1, economics.maxBatchSize ?? DEFAULTS.maxBatchSize);
  const gasCap = economics.maxBatchGas ?? DEFAULTS.maxBatchGas;
  if (curve.perTicketGas === 0n) return byCount;
  const byGas = (gasCap - curve.fixedGas) / curve.perTicketGas;
  if (byGas < 1n) return 1;
  return byGas < BigInt(byCount) ? Number(byGas) : byCount;
}

/**
 * Decides on `due` (the plan's order: senders by earliest deadline, each by ascending nonce) at
 * chain time `now`. The batch is the first `maxBatch` due winners: the curve's fixed part makes
 * a fuller batch cheaper per winner, so the size is the largest the limits allow. It is sent
 * when its face value clears the margin; otherwise, if a winner is within the expiry margin,
 * the smallest prefix holding every such winner or the whole batch — whichever leaves more
 * after cost — is sent when it pays more than it costs. Else the redeemer waits.
 *
 * @example
 * ```ts
 * const d = decideRedemption({ due: plan.due, curve, now, economics: { marginBps: 2_000n } });
 * if (d.action === "redeem") await send(d.batch);
 * ```
 */
export function decideRedemption(args: {
  due: readonly DueWinner[];
  curve: CostCurve;
  now: bigint;
  economics?: RedemptionEconomics;
}): RedemptionDecision {
  assertObject(args, "decideRedemption arguments");
  assertArray(args.due, "due");
  args.due.forEach((d, i) => {
    assertObject(d, `due[${i}]`);
    assertWinningTicket(d.winner, `due[${i}].winner`, { checksum: false });
    assertBigint(d.payableUntil, `due[${i}].payableUntil`, "any");
    assertBigint(d.fromReserve, `due[${i}].fromReserve`);
  });
  assertCostCurve(args.curve);
  assertBigint(args.now, "now", "any");
  if (args.economics !== undefined) assertEconomics(args.economics);
  const { due, curve, now } = args;
  const e = args.economics ?? {};
  const marginBps = e.marginBps ?? DEFAULTS.marginBps;
  const soon = e.expiryMarginSeconds ?? DEFAULTS.expiryMarginSeconds;
  const maxBatch = maxBatchSize(curve, e);
  const batch = due.slice(0, maxBatch);
  const urgent = (d: DueWinner) => d.payableUntil - now <= soon;
  const nearExpiry = due.filter(urgent).length;
  const summary = (
    action: RedemptionDecision["action"],
    reason: RedemptionDecision["reason"],
    chosen: readonly DueWinner[],
  ): RedemptionDecision => {
    const c = costAt(curve, chosen.length);
    return {
      action,
      reason,
      batch: chosen,
      faceValue: sum(chosen),
      costWei: chosen.length === 0 ? 0n : c.costWei,
      l1Wei: chosen.length === 0 ? 0n : c.l1Wei,
      l2Wei: chosen.length === 0 ? 0n : c.l2Wei,
      gas: chosen.length === 0 ? 0n : c.gas,
      maxBatch,
      nearExpiry,
    };
  };
  if (batch.length === 0) return summary("wait", "nothingDue", batch);
  const full = costAt(curve, batch.length).costWei;
  if (sum(batch) * 10_000n >= full * (10_000n + marginBps)) {
    return summary("redeem", "profitable", batch);
  }
  let lastUrgent = -1;
  batch.forEach((d, i) => {
    if (urgent(d)) lastUrgent = i;
  });
  if (lastUrgent < 0) return summary("wait", "belowMargin", batch);
  const prefix = batch.slice(0, lastUrgent + 1);
  const net = (xs: readonly DueWinner[]) => sum(xs) - costAt(curve, xs.length).costWei;
  const best = net(batch) >= net(prefix) ? batch : prefix;
  if (net(best) > 0n) return summary("redeem", "nearExpiry", best);
  return summary("wait", "uneconomic", prefix);
}

function sum(xs: readonly DueWinner[]): bigint {
  let total = 0n;
  for (const x of xs) total += x.winner.ticket.faceValue;
  return total;
}

/** @internal Throws unless `value` is a {@link RedemptionEconomics} (each field optional). */
export function assertEconomics(value: unknown): asserts value is RedemptionEconomics {
  assertObject(value, "economics");
  const e = value;
  if (e["marginBps"] !== undefined) assertBigint(e["marginBps"], "economics.marginBps");
  if (e["expiryMarginSeconds"] !== undefined) {
    assertBigint(e["expiryMarginSeconds"], "economics.expiryMarginSeconds");
  }
  if (e["maxBatchSize"] !== undefined) {
    assertInteger(e["maxBatchSize"], "economics.maxBatchSize", { min: 1 });
  }
  if (e["maxBatchGas"] !== undefined) assertBigint(e["maxBatchGas"], "economics.maxBatchGas");
}
