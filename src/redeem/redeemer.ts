import { BROKER_READER_METHODS, type BrokerReader } from "../chain/brokerReader.js";
import type { RedemptionClient } from "../chain/redemptionClient.js";
import type { TicketBrokerError } from "../errors.js";
import {
  InvalidInputError,
  assertAddress,
  assertBigint,
  assertHasMethods,
  assertObject,
  describeValue,
} from "../ticket/inputs.js";
import { loadChainState } from "./chainState.js";
import { isPermanentRedemptionError, planRedemption, type PlanWinner } from "./plan.js";
import { DEFAULT_GRACE_SECONDS } from "../recipient/defaults.js";
import type { StoredWinner, WinnerStore } from "../recipient/winnerStore.js";

export {
  ContractRedemptionClient,
  type RedemptionClient,
  type RedemptionSubmission,
} from "../chain/redemptionClient.js";

/** Whether a redemption error means the ticket can never succeed (else: retry later). */
export function isPermanentRedemptionFailure(error: TicketBrokerError): boolean {
  return isPermanentRedemptionError(error);
}

/** What one {@link Redeemer.redeemDue} run did. */
export interface RedemptionReport {
  /** Winners paid, with the transaction that paid them. */
  readonly redeemed: { readonly winner: StoredWinner; readonly txHash: string }[];
  /** Winners marked unredeemable in this run, with the reason. */
  readonly unredeemable: { readonly winner: StoredWinner; readonly error: string }[];
  /** Winners whose attempt failed for a reason that may pass; they stay pending. */
  readonly retryLater: { readonly winner: StoredWinner; readonly error: string }[];
  /** Pending winners not yet due (their params, or a lower winner's, are still live). */
  readonly waiting: number;
  /** Wei paid in this run. */
  readonly paid: bigint;
  /** Gas used by this run's transactions. */
  readonly gasUsed: bigint;
}

/**
 * Redeems the recipient's stored winners once, on the redemption plan ({@link planRedemption}):
 * per sender in ascending nonce order (the broker only accepts a nonce above the highest
 * redeemed one for the pair), winners that can never pay marked unredeemable (never deleted),
 * nothing sent past a winner whose params are still open or that the sender cannot pay now (the
 * reason is recorded on it), and the due ones sent in batches of at most `batchSize` through
 * the {@link RedemptionClient}. Every failure is decoded into the contract's error class;
 * permanent ones make the winner unredeemable, transient ones leave it pending, and after a
 * transient failure no further batch is sent for that sender (a higher nonce would void it).
 *
 * This is the one-shot form with a client that waits for its transaction. The long-running
 * redeemer (`RedeemerDaemon`, `redeemOnce`) adds the cost decision, the record before sending
 * and the reconciliation after a crash, on the same plan.
 *
 * @example
 * ```ts
 * const redeemer = new Redeemer({
 *   recipient: orchestrator.address, store, reader,
 *   client: new ContractRedemptionClient({ broker: broker.connect(wallet) }),
 *   graceSeconds: orchestrator.graceSeconds,
 * });
 * const report = await redeemer.redeemDue();
 * console.log(`paid ${report.paid} wei in ${report.redeemed.length} winners`);
 * ```
 */
export class Redeemer {
  readonly #recipient: `0x${string}`;
  readonly #store: WinnerStore;
  readonly #reader: BrokerReader;
  readonly #client: RedemptionClient;
  readonly #graceSeconds: bigint;
  readonly #batchSize: number;

  constructor(options: {
    recipient: `0x${string}`;
    store: WinnerStore;
    reader: BrokerReader;
    client: RedemptionClient;
    /** For winners stored without `redeemableAt`: the Recipient's grace period (default {@link DEFAULT_GRACE_SECONDS}). */
    graceSeconds?: bigint;
    /** Most winners per transaction (default 50). */
    batchSize?: number;
  }) {
    assertObject(options, "Redeemer options");
    assertAddress(options.recipient, "recipient");
    assertHasMethods(options.store, "store", [
      "list",
      "markRedeemed",
      "recordFailure",
      "markUnredeemable",
    ]);
    assertHasMethods(options.reader, "reader", BROKER_READER_METHODS);
    assertHasMethods(options.client, "client", ["redeem"]);
    if (options.graceSeconds !== undefined) assertBigint(options.graceSeconds, "graceSeconds");
    if (
      options.batchSize !== undefined &&
      (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1)
    ) {
      throw new InvalidInputError("batchSize must be a positive integer", {
        details: { field: "batchSize", received: describeValue(options.batchSize) },
        hint: "Pass the most winners per transaction as a whole number ≥ 1 (default 50), or leave it out.",
      });
    }
    this.#recipient = options.recipient;
    this.#store = options.store;
    this.#reader = options.reader;
    this.#client = options.client;
    this.#graceSeconds = options.graceSeconds ?? DEFAULT_GRACE_SECONDS;
    this.#batchSize = Math.max(1, options.batchSize ?? 50);
  }

  /** Redeems every pending winner that is due; see the class description for the rules. */
  async redeemDue(): Promise<RedemptionReport> {
    const report = {
      redeemed: [] as RedemptionReport["redeemed"][number][],
      unredeemable: [] as RedemptionReport["unredeemable"][number][],
      retryLater: [] as RedemptionReport["retryLater"][number][],
      waiting: 0,
      paid: 0n,
      gasUsed: 0n,
    };
    const winners = (await this.#store.list({ status: "pending" })).filter(
      (w) => w.ticket.recipient.toLowerCase() === this.#recipient.toLowerCase(),
    ) as PlanWinner[];
    if (winners.length === 0) return report;
    const { now, chain } = await loadChainState({
      reader: this.#reader,
      recipient: this.#recipient,
      winners,
    });
    const plan = planRedemption({
      recipient: this.#recipient,
      winners,
      chain,
      now,
      graceSeconds: this.#graceSeconds,
    });
    for (const { winner, error } of plan.unredeemable) {
      await this.#store.markUnredeemable({
        digest: winner.digest,
        code: error.code,
        message: error.message,
      });
      report.unredeemable.push({ winner, error: error.code });
    }
    for (const { winner, error } of plan.blocked) {
      await this.#store.recordFailure({
        digest: winner.digest,
        code: error.code,
        message: error.message,
      });
      report.retryLater.push({ winner, error: error.code });
    }
    report.waiting = plan.waiting.length;
    // Batches in the plan's order; a sender with an unpaid winner sends nothing more.
    const stalled = new Set<string>();
    const due = plan.due.map((d) => d.winner);
    for (let start = 0; start < due.length;) {
      const batch: StoredWinner[] = [];
      for (; start < due.length && batch.length < this.#batchSize; start++) {
        const w = due[start] as StoredWinner;
        if (stalled.has(w.ticket.sender.toLowerCase())) {
          report.waiting++;
          continue;
        }
        batch.push(w);
      }
      if (batch.length === 0) break;
      const result = await this.#client.redeem(batch);
      report.gasUsed += result.gasUsed ?? 0n;
      for (const [i, w] of batch.entries()) {
        const error = result.failures.get(i);
        if (error === undefined && result.txHash !== undefined) {
          await this.#store.markRedeemed({ digest: w.digest, txHash: result.txHash });
          report.redeemed.push({ winner: w, txHash: result.txHash });
          report.paid += w.ticket.faceValue;
        } else if (error !== undefined && isPermanentRedemptionError(error)) {
          await this.#store.markUnredeemable({
            digest: w.digest,
            code: error.code,
            message: error.message,
          });
          report.unredeemable.push({ winner: w, error: error.code });
        } else {
          const code = error?.code ?? "TicketBrokerUnknownRevert";
          await this.#store.recordFailure({
            digest: w.digest,
            code,
            message: error?.message ?? "no receipt",
          });
          report.retryLater.push({ winner: w, error: code });
          stalled.add(w.ticket.sender.toLowerCase());
        }
      }
    }
    return report;
  }
}
