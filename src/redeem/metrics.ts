/**
 * What the redeemer reports after each round, for alerts: a plain snapshot handed to a callback,
 * and an adapter that keeps Prometheus gauges and counters current in a `prom-client` registry.
 */
import { Counter, Gauge, type Registry } from "prom-client";

import { InvalidInputError, assertHasMethods } from "../ticket/inputs.js";

/** The redeemer's state after one round. Wei as bigint. */
export interface RedeemerSnapshot {
  /** Whether this process held the leader lock and acted. */
  readonly leader: boolean;
  /** Winners waiting for a transaction, and their face value (the store's pending summary). */
  readonly pendingCount: number;
  readonly pendingFaceValue: bigint;
  /** Winners in a transaction not yet settled. */
  readonly submittedCount: number;
  /** Winners paid this round and their face value. */
  readonly redeemedCount: number;
  readonly redeemedFaceValue: bigint;
  /** Winners marked unredeemable this round, by error code. */
  readonly unredeemableByReason: Readonly<Record<string, number>>;
  /** Cost / face value of the last batch considered (sent or not); undefined if none. */
  readonly costRatio: number | undefined;
  /** The last decision's L1 and L2 cost (wei). */
  readonly l1CostWei: bigint;
  readonly l2CostWei: bigint;
  /** Senders with a winner they cannot pay now (insufficient funds, unlocked, signer revoked). */
  readonly sendersCannotPay: number;
  /** Due winners within the expiry margin of their last payable second. */
  readonly nearExpiry: number;
  /** Gas and wei spent on this round's transactions. */
  readonly gasUsed: bigint;
  /** The last round's error, if it failed (e.g. the RPC is down). */
  readonly error?: string;
}

/** Hooks the redeemer calls; all optional. */
export interface RedeemerMetrics {
  onRound?(snapshot: RedeemerSnapshot): void;
}

/**
 * {@link RedeemerMetrics} that updates `ticketbroker_redeemer_*` metrics in `registry`.
 *
 * @example
 * ```ts
 * const registry = new Registry();
 * const daemon = new RedeemerDaemon({ ...options, metrics: prometheusRedeemerMetrics(registry) });
 * // GET /metrics → await registry.metrics()
 * ```
 */
export function prometheusRedeemerMetrics(registry: Registry): RedeemerMetrics {
  assertHasMethods(registry, "registry", ["registerMetric", "getSingleMetric"]);
  if (registry.getSingleMetric("ticketbroker_redeemer_leader") !== undefined) {
    throw new InvalidInputError("The registry already holds the redeemer's metrics", {
      details: { field: "registry" },
      hint: "Register the redeemer's metrics once per registry (one redeemer per process).",
    });
  }
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `ticketbroker_redeemer_${name}`, help, labelNames, registers });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `ticketbroker_redeemer_${name}`, help, labelNames, registers });
  const leader = gauge("leader", "1 when this process holds the redeemer lock");
  const pending = gauge("pending_winners", "Winners waiting for a redemption transaction");
  const pendingWei = gauge("pending_face_value_wei", "Face value of the pending winners (wei)");
  const submitted = gauge("submitted_winners", "Winners in a transaction not yet settled");
  const redeemed = counter("redeemed_winners_total", "Winners paid");
  const redeemedWei = counter("redeemed_face_value_wei_total", "Face value paid (wei)");
  const unredeemable = counter("unredeemable_winners_total", "Winners found unredeemable", [
    "reason",
  ]);
  const ratio = gauge("cost_ratio", "Cost / face value of the last batch considered");
  const l1 = gauge("last_batch_cost_wei", "Cost of the last batch considered (wei)", ["layer"]);
  const cannotPay = gauge("senders_cannot_pay", "Senders with a winner they cannot pay now");
  const nearExpiry = gauge("winners_near_expiry", "Due winners within the expiry margin");
  const gas = counter("gas_used_total", "Gas used by redemption transactions");
  const errors = counter("round_errors_total", "Rounds that failed (RPC down, store error)");
  return {
    onRound(s) {
      leader.set(s.leader ? 1 : 0);
      if (s.error !== undefined) errors.inc();
      pending.set(s.pendingCount);
      pendingWei.set(Number(s.pendingFaceValue));
      submitted.set(s.submittedCount);
      redeemed.inc(s.redeemedCount);
      redeemedWei.inc(Number(s.redeemedFaceValue));
      for (const [reason, n] of Object.entries(s.unredeemableByReason))
        unredeemable.inc({ reason }, n);
      if (s.costRatio !== undefined) ratio.set(s.costRatio);
      l1.set({ layer: "l1" }, Number(s.l1CostWei));
      l1.set({ layer: "l2" }, Number(s.l2CostWei));
      cannotPay.set(s.sendersCannotPay);
      nearExpiry.set(s.nearExpiry);
      gas.inc(Number(s.gasUsed));
    },
  };
}
