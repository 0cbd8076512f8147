import type { TicketBroker } from "../../typechain-types/index.js";
import type { BrokerReader } from "../chain/brokerReader.js";
import { decodeBrokerError } from "../contractErrors.js";
import type { TicketBrokerError } from "../errors.js";
import type { StoredWinner, WinnerStore, WinningTicket } from "./winnerStore.js";

/**
 * Contract errors after which a ticket can never be redeemed, whatever happens later. Not here,
 * because the sender can still make them pass before the ticket expires: insufficient funds
 * (it funds more), a completed unlock (its own funding or cancelUnlock relocks), an unauthorised
 * signer (it authorises the key again), and a ticket skipped behind an unpaid one in a batch.
 */
const PERMANENT_FAILURES = new Set([
  "TicketBrokerNonceAlreadyRedeemed",
  "TicketBrokerTicketExpired",
  "TicketBrokerRandMismatch",
  "TicketBrokerInvalidSignature",
  "TicketBrokerTicketNotWinning",
  "TicketBrokerCallerNotRecipient",
  "TicketBrokerNonceTooLarge",
]);

/** Whether a redemption error means the ticket can never succeed (else: retry later). */
export function isPermanentRedemptionFailure(error: TicketBrokerError): boolean {
  return PERMANENT_FAILURES.has(error.code);
}

/** The result of sending winners to the broker: the transaction and the failures by index. */
export interface RedemptionSubmission {
  /** Hash of the transaction, if one was mined. */
  readonly txHash?: string;
  /** Gas the transaction used, if mined. */
  readonly gasUsed?: bigint;
  /** Failed tickets by their index in the submitted list, with the decoded reason. */
  readonly failures: ReadonlyMap<number, TicketBrokerError>;
}

/**
 * Sends winning tickets to the broker. {@link ContractRedemptionClient} implements it over the
 * typed contract; tests can fake it.
 */
export interface RedemptionClient {
  /** Redeems the winners (one: `redeemWinningTicket`; more: `redeemWinningTickets`). */
  redeem(winners: readonly WinningTicket[]): Promise<RedemptionSubmission>;
}

/**
 * {@link RedemptionClient} over a TypeChain `TicketBroker` connected to the recipient's signer.
 * One winner goes through `redeemWinningTicket` (a revert is decoded with `decodeBrokerError`);
 * several through `redeemWinningTickets`, whose `TicketRedemptionFailed` events are decoded the
 * same way. A batch transaction that reverts as a whole fails every ticket with its reason.
 *
 * @example
 * ```ts
 * const client = new ContractRedemptionClient({ broker: broker.connect(orchestratorWallet) });
 * const { txHash, failures } = await client.redeem(winners);
 * ```
 */
export class ContractRedemptionClient implements RedemptionClient {
  readonly #broker: TicketBroker;

  constructor(options: { broker: TicketBroker }) {
    this.#broker = options.broker;
  }

  async redeem(winners: readonly WinningTicket[]): Promise<RedemptionSubmission> {
    const failAll = (err: unknown): RedemptionSubmission => {
      const error = decodeBrokerError(err);
      return { failures: new Map(winners.map((_, i) => [i, error])) };
    };
    let receipt;
    try {
      const tx =
        winners.length === 1 && winners[0] !== undefined
          ? await this.#broker.redeemWinningTicket(
              winners[0].ticket,
              winners[0].signature,
              winners[0].recipientRand,
            )
          : await this.#broker.redeemWinningTickets(
              winners.map((w) => ({
                ticket: w.ticket,
                signature: w.signature,
                recipientRand: w.recipientRand,
              })),
            );
      receipt = await tx.wait();
    } catch (err) {
      return failAll(err);
    }
    if (receipt === null) return failAll(new Error("transaction dropped"));
    const failures = new Map<number, TicketBrokerError>();
    for (const log of receipt.logs) {
      let parsed;
      try {
        parsed = this.#broker.interface.parseLog(log);
      } catch {
        continue;
      }
      if (parsed?.name === "TicketRedemptionFailed") {
        failures.set(
          Number(parsed.args.index as bigint),
          decodeBrokerError(parsed.args.reason as string),
        );
      }
    }
    return { txHash: receipt.hash, gasUsed: receipt.gasUsed, failures };
  }
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
 * Redeems the recipient's stored winners, per sender in ascending nonce order, because the
 * broker only accepts a nonce above the highest redeemed one for the pair: redeeming nonce 7
 * first would void a pending winner with nonce 5.
 *
 * For each sender it walks the pending winners by nonce and
 * - marks as unredeemable (never deletes) those at or below the broker's redeemed mark and
 *   those already expired: nothing can make them pay;
 * - keeps them all pending while the sender's unlock is complete (it may still relock);
 * - stops at the first winner whose params deadline + `graceSeconds` has not passed (a lower
 *   nonce could still arrive on live params) and never redeems past it;
 * - stops at the first winner the sender's deposit + this recipient's reserve allocation can
 *   no longer cover (a failure there would let higher nonces void it), recording the reason;
 * - sends the rest in batches of at most `batchSize` (`redeemWinningTickets`; a single winner
 *   with `redeemWinningTicket`), decodes every failure with `decodeBrokerError`, marks
 *   permanent failures unredeemable and leaves transient ones pending; after a transient
 *   failure (or a transaction without a receipt) it sends no further batch for that sender,
 *   since redeeming higher nonces would void the unpaid winner.
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
    /** Must equal the Recipient's grace period (default 60). */
    graceSeconds?: bigint;
    /** Most winners per transaction (default 50). */
    batchSize?: number;
  }) {
    this.#recipient = options.recipient;
    this.#store = options.store;
    this.#reader = options.reader;
    this.#client = options.client;
    this.#graceSeconds = options.graceSeconds ?? 60n;
    this.#batchSize = Math.max(1, options.batchSize ?? 50);
  }

  /** Redeems every pending winner that is due; see the class description for the rules. */
  async redeemDue(): Promise<RedemptionReport> {
    const report = {
      redeemed: [],
      unredeemable: [],
      retryLater: [],
      waiting: 0,
      paid: 0n,
      gasUsed: 0n,
    };
    const pending = (await this.#store.list({ status: "pending" })).filter(
      (w) => w.ticket.recipient.toLowerCase() === this.#recipient.toLowerCase(),
    );
    const bySender = new Map<string, StoredWinner[]>();
    for (const w of pending) {
      const key = w.ticket.sender.toLowerCase();
      bySender.set(key, [...(bySender.get(key) ?? []), w]);
    }
    for (const winners of bySender.values()) {
      winners.sort((a, b) =>
        a.ticket.senderNonce < b.ticket.senderNonce
          ? -1
          : a.ticket.senderNonce > b.ticket.senderNonce
            ? 1
            : 0,
      );
      await this.#redeemSender(winners, report);
    }
    return report;
  }

  async #redeemSender(
    winners: StoredWinner[],
    report: {
      redeemed: RedemptionReport["redeemed"][number][];
      unredeemable: RedemptionReport["unredeemable"][number][];
      retryLater: RedemptionReport["retryLater"][number][];
      waiting: number;
      paid: bigint;
      gasUsed: bigint;
    },
  ): Promise<void> {
    const first = winners[0];
    if (first === undefined) return;
    const sender = first.ticket.sender;
    const [now, highest, funds, claimable] = await Promise.all([
      this.#reader.now(),
      this.#reader.highestRedeemedNonce(sender, this.#recipient),
      this.#reader.senderFunds(sender),
      this.#reader.claimableReserve(sender, this.#recipient),
    ]);
    const unlocked = funds.unlockEnd !== 0n && now >= funds.unlockEnd;
    let budget = funds.deposit + claimable;
    const due: StoredWinner[] = [];
    let index = 0;
    for (; index < winners.length; index++) {
      const w = winners[index] as StoredWinner;
      const t = w.ticket;
      let dead: { code: string; message: string } | undefined;
      if (t.senderNonce <= highest) {
        dead = {
          code: "TicketBrokerNonceAlreadyRedeemed",
          message: `nonce ${t.senderNonce} is at or below the redeemed mark ${highest}`,
        };
      } else if (now > t.expiry) {
        dead = { code: "TicketBrokerTicketExpired", message: `expired at ${t.expiry}, now ${now}` };
      }
      if (dead !== undefined) {
        await this.#store.markUnredeemable({ digest: w.digest, ...dead });
        report.unredeemable.push({ winner: w, error: dead.code });
        continue;
      }
      if (now <= w.paramsDeadline + this.#graceSeconds) break;
      if (unlocked) {
        // Not permanent: the sender's own funding or cancelUnlock makes its tickets payable again.
        await this.#store.recordFailure({
          digest: w.digest,
          code: "TicketBrokerSenderUnlocked",
          message: `sender unlocked at ${funds.unlockEnd}; waiting for it to relock`,
        });
        report.retryLater.push({ winner: w, error: "TicketBrokerSenderUnlocked" });
        index++;
        break;
      }
      if (t.faceValue > budget) {
        const message = `needs ${t.faceValue} wei, sender can cover ${budget}`;
        await this.#store.recordFailure({
          digest: w.digest,
          code: "TicketBrokerInsufficientFunds",
          message,
        });
        report.retryLater.push({ winner: w, error: "TicketBrokerInsufficientFunds" });
        index++;
        break;
      }
      budget -= t.faceValue;
      due.push(w);
    }
    report.waiting += winners.length - index;
    for (let start = 0; start < due.length; start += this.#batchSize) {
      const batch = due.slice(start, start + this.#batchSize);
      const result = await this.#client.redeem(batch);
      let unpaid = false;
      report.gasUsed += result.gasUsed ?? 0n;
      for (const [i, w] of batch.entries()) {
        const error = result.failures.get(i);
        if (error === undefined && result.txHash !== undefined) {
          await this.#store.markRedeemed({ digest: w.digest, txHash: result.txHash });
          report.redeemed.push({ winner: w, txHash: result.txHash });
          report.paid += w.ticket.faceValue;
        } else if (error !== undefined && isPermanentRedemptionFailure(error)) {
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
          unpaid = true;
        }
      }
      if (unpaid) {
        // A winner of this batch is still payable later; a further batch would redeem higher
        // nonces and void it. The rest waits for the next run.
        report.waiting += due.length - (start + batch.length);
        break;
      }
    }
  }
}
