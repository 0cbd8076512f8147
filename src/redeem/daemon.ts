/**
 * The long-running redeemer: every interval, if it holds the leader lock for its recipient, it
 * settles transactions left in flight, plans the winners against the chain, decides from the
 * chain's cost whether a batch is worth sending, sends it and settles it. {@link redeemOnce}
 * runs one round; {@link runRedeemer} starts the loop.
 */
import type { BrokerReader } from "../chain/brokerReader.js";
import type { TicketBrokerContractError } from "../contract/contractErrors.js";
import { decodeBrokerError } from "../contract/contractErrors.js";
import type { TicketBrokerError } from "../errors.js";
import {
  InvalidInputError,
  assertAddress,
  assertBigint,
  assertFunction,
  assertHasMethods,
  assertInteger,
  assertObject,
  describeValue,
} from "../ticket/inputs.js";
import type { Hex } from "../internal/bytes.js";
import type { StoredWinner } from "../recipient/winnerStore.js";
import type { LeaderLock } from "../store/types.js";
import { TicketHasher } from "../ticket/ticketDigest.js";
import { TICKET_DOMAIN_NAME, TICKET_DOMAIN_VERSION } from "../ticket/ticketTypes.js";
import type { DurableWinnerStore } from "../store/winners.js";
import { loadChainState } from "./chainState.js";
import {
  isArbitrum,
  measureCostCurve,
  readFees,
  redemptionCalldata,
  type CostCurve,
  type JsonRpcSender,
} from "./cost.js";
import {
  assertEconomics,
  decideRedemption,
  type RedemptionDecision,
  type RedemptionEconomics,
} from "./decide.js";
import type { RedeemerMetrics, RedeemerSnapshot } from "./metrics.js";
import { isPermanentRedemptionError, planRedemption, type PlanWinner } from "./plan.js";
import {
  RedemptionTransactions,
  type Settlement,
  type TransactionSettings,
  type TransactionSigner,
} from "./transactions.js";

/** Everything a redeemer needs. */
export interface RedeemerOptions {
  /** The recipient whose winners are redeemed; `signer` must be this account. */
  readonly recipient: Hex;
  readonly store: DurableWinnerStore;
  /** One redeemer per recipient: without a lock this process always acts. */
  readonly locks?: LeaderLock;
  readonly reader: BrokerReader;
  /** JSON-RPC of the broker's chain (ethers JsonRpcProvider, Hardhat's provider). */
  readonly rpc: JsonRpcSender;
  /** Signs the recipient's transactions locally (an ethers Wallet). */
  readonly signer: TransactionSigner;
  readonly broker: Hex;
  readonly chainId: bigint;
  /** Read the L1 cost component from the NodeInterface. Default: chain id 42161 or 421614. */
  readonly arbitrum?: boolean;
  /** For winners stored without `redeemableAt`: the recipient's grace period. Default 60 s (DEFAULT_GRACE_SECONDS). */
  readonly graceSeconds?: bigint;
  readonly economics?: RedemptionEconomics;
  readonly transactions?: TransactionSettings;
  /** Time between rounds (ms). Default 15,000. */
  readonly intervalMs?: number;
  /** Most transactions in one round. Default 10. */
  readonly maxTransactionsPerRound?: number;
  readonly metrics?: RedeemerMetrics;
  /** Structured log lines (a pino logger's `info` fits: `(obj, msg) => void`). */
  readonly log?: (fields: Record<string, unknown>, message: string) => void;
}

/** What one round did. */
export interface RedeemerRoundReport {
  readonly leader: boolean;
  /** Transactions left in flight by an earlier round or process, settled now. */
  readonly reconciled: readonly Settlement[];
  /** Transactions sent and settled in this round. */
  readonly transactions: readonly Settlement[];
  /** Every redeem-or-wait decision taken, in order (the last one is a wait or the last send). */
  readonly decisions: readonly RedemptionDecision[];
  readonly unredeemable: readonly { winner: StoredWinner; error: TicketBrokerError }[];
  readonly blocked: readonly { winner: StoredWinner; error: TicketBrokerContractError }[];
  /** Winners that wait for their params to close or behind a lower nonce. */
  readonly waiting: number;
  readonly paid: bigint;
  readonly gasUsed: bigint;
}

/**
 * The redeemer loop for one recipient. `start()` runs a round now and then every `intervalMs`;
 * `stop()` waits for the round in progress and releases the lock. A round that fails (the RPC
 * is down) is logged and counted, and the next round starts over from the store and the chain:
 * nothing is kept in memory that the store and the chain do not also say.
 *
 * @example
 * ```ts
 * const daemon = new RedeemerDaemon({ recipient, store: store.winners, locks: store.locks,
 *   reader, rpc: provider, signer: wallet, broker, chainId: 42161n });
 * daemon.start();
 * // … on shutdown:
 * await daemon.stop();
 * ```
 */
export class RedeemerDaemon {
  readonly #o: RedeemerOptions;
  readonly #txs: RedemptionTransactions;
  readonly #hasher: TicketHasher;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;
  #reconciled = false;
  #leader = false;

  constructor(options: RedeemerOptions) {
    assertRedeemerOptions(options);
    this.#o = options;
    this.#hasher = new TicketHasher({
      name: TICKET_DOMAIN_NAME,
      version: TICKET_DOMAIN_VERSION,
      chainId: options.chainId,
      verifyingContract: options.broker,
    });
    this.#txs = new RedemptionTransactions({
      rpc: options.rpc,
      signer: options.signer,
      broker: options.broker,
      chainId: options.chainId,
      store: options.store,
      ...(options.transactions === undefined ? {} : { settings: options.transactions }),
    });
  }

  /** The name of the leader lock: one redeemer per recipient address. */
  get lockName(): string {
    return `redeemer:${this.#o.recipient.toLowerCase()}`;
  }

  /** Starts the loop (a round now, then every interval). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const loop = async () => {
      if (this.#stopped) return;
      this.#running = this.round().catch(() => undefined);
      await this.#running;
      if (!this.#stopped) this.#timer = setTimeout(() => void loop(), this.#o.intervalMs ?? 15_000);
    };
    void loop();
  }

  /** Stops the loop, waits for the round in progress, and releases the lock. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
    if (this.#leader) await this.#o.locks?.release(this.lockName);
    this.#leader = false;
  }

  /**
   * One round. Resolves with what it did; a failure (RPC, store) is reported to the metrics and
   * the log, then rethrown.
   */
  async round(): Promise<RedeemerRoundReport> {
    const o = this.#o;
    const report = {
      leader: false,
      reconciled: [] as Settlement[],
      transactions: [] as Settlement[],
      decisions: [] as RedemptionDecision[],
      unredeemable: [] as { winner: StoredWinner; error: TicketBrokerError }[],
      blocked: [] as { winner: StoredWinner; error: TicketBrokerContractError }[],
      waiting: 0,
      paid: 0n,
      gasUsed: 0n,
    };
    try {
      this.#leader = o.locks === undefined ? true : await o.locks.tryAcquire(this.lockName);
      report.leader = this.#leader;
      if (!this.#leader) {
        await this.#emit(report, undefined);
        return report;
      }
      if (!this.#reconciled || (await o.store.listSubmitted()).length > 0) {
        report.reconciled.push(...(await this.#txs.reconcileSubmitted()));
        this.#reconciled = true;
      }
      const maxTx = o.maxTransactionsPerRound ?? 10;
      for (let sent = 0; ; sent++) {
        const winners = (await o.store.list({ status: "pending" })).filter(
          (w) => w.ticket.recipient.toLowerCase() === o.recipient.toLowerCase(),
        ) as PlanWinner[];
        const { now, chain } = await loadChainState({
          reader: o.reader,
          recipient: o.recipient,
          winners,
        });
        const plan = planRedemption({
          recipient: o.recipient,
          winners,
          chain,
          now,
          hasher: this.#hasher,
          ...(o.graceSeconds === undefined ? {} : { graceSeconds: o.graceSeconds }),
        });
        for (const { winner, error } of plan.unredeemable) {
          await o.store.markUnredeemable({
            digest: winner.digest,
            code: error.code,
            message: error.message,
          });
          report.unredeemable.push({ winner, error });
        }
        if (sent === 0) {
          for (const b of plan.blocked) {
            await o.store.recordFailure({
              digest: b.winner.digest,
              code: b.error.code,
              message: b.error.message,
            });
          }
        }
        report.blocked = [...plan.blocked];
        report.waiting = plan.waiting.length;
        if (plan.due.length === 0 || sent >= maxTx) break;
        const fees = await readFees(o.rpc);
        let curve: CostCurve;
        try {
          curve = await measureCostCurve({
            rpc: o.rpc,
            broker: o.broker,
            from: o.recipient,
            winners: plan.due.slice(0, o.economics?.maxBatchSize ?? 50).map((d) => d.winner),
            sampleSize: o.economics?.maxBatchSize ?? 50,
            arbitrum: o.arbitrum ?? isArbitrum(o.chainId),
            fees,
          });
        } catch (err) {
          // A due winner that cannot even be estimated reverts: find out why and act on it.
          await this.#explainEstimateFailure(plan.due[0]?.winner, err, report);
          continue;
        }
        const decision = decideRedemption({
          due: plan.due,
          curve,
          now,
          ...(o.economics === undefined ? {} : { economics: o.economics }),
        });
        report.decisions.push(decision);
        o.log?.(
          {
            action: decision.action,
            reason: decision.reason,
            winners: decision.batch.length,
            faceValue: decision.faceValue.toString(),
            costWei: decision.costWei.toString(),
            l1Wei: decision.l1Wei.toString(),
            l2Wei: decision.l2Wei.toString(),
          },
          "redemption decision",
        );
        if (decision.action === "wait") break;
        const batch = decision.batch.map((d) => d.winner);
        let estimate: bigint;
        try {
          estimate = BigInt(
            (await o.rpc.send("eth_estimateGas", [
              { from: o.recipient, to: o.broker, data: redemptionCalldata(batch) },
            ])) as string,
          );
        } catch (err) {
          // A single winner goes through redeemWinningTicket, which reverts with its reason.
          await this.#explainEstimateFailure(batch[0], err, report);
          continue;
        }
        const inFlight = await this.#txs.submit({
          winners: batch,
          gasLimit: (estimate * 12n) / 10n,
          fees,
        });
        const settlement = await this.#txs.settle(inFlight);
        report.transactions.push(settlement);
        report.gasUsed += settlement.gasUsed ?? 0n;
        for (const r of settlement.redeemed) report.paid += r.winner.ticket.faceValue;
        report.unredeemable.push(...settlement.unredeemable);
        if (settlement.kind === "timeout") break;
      }
      for (const s of report.reconciled)
        for (const r of s.redeemed) report.paid += r.winner.ticket.faceValue;
      await this.#emit(report, undefined);
      return report;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      o.log?.({ error: message }, "redeemer round failed");
      await this.#emit(report, message).catch(() => undefined);
      throw err;
    }
  }

  async #explainEstimateFailure(
    winner: StoredWinner | undefined,
    err: unknown,
    report: { unredeemable: { winner: StoredWinner; error: TicketBrokerError }[] },
  ): Promise<void> {
    if (winner === undefined) throw err;
    let error: TicketBrokerError;
    try {
      await this.#o.rpc.send("eth_call", [
        { from: this.#o.recipient, to: this.#o.broker, data: redemptionCalldata([winner]) },
        "latest",
      ]);
      throw err; // the single winner passes: the failure was elsewhere (RPC): fail the round.
    } catch (callErr) {
      if (callErr === err) throw err;
      error = decodeBrokerError(callErr);
    }
    if (isPermanentRedemptionError(error)) {
      await this.#o.store.markUnredeemable({
        digest: winner.digest,
        code: error.code,
        message: error.message,
      });
      report.unredeemable.push({ winner, error });
      return;
    }
    await this.#o.store.recordFailure({
      digest: winner.digest,
      code: error.code,
      message: error.message,
    });
    throw err;
  }

  async #emit(
    report: {
      leader: boolean;
      transactions: Settlement[];
      reconciled: Settlement[];
      decisions: RedemptionDecision[];
      unredeemable: { winner: StoredWinner; error: TicketBrokerError }[];
      blocked: { winner: StoredWinner; error: TicketBrokerContractError }[];
      gasUsed: bigint;
    },
    error: string | undefined,
  ): Promise<void> {
    const hooks = this.#o.metrics;
    if (hooks?.onRound === undefined) return;
    const summary = await this.#o.store.pendingSummary();
    const submitted = (await this.#o.store.listSubmitted()).length;
    const settled = [...report.reconciled, ...report.transactions];
    const redeemed = settled.flatMap((s) => s.redeemed);
    const byReason: Record<string, number> = {};
    for (const u of report.unredeemable) byReason[u.error.code] = (byReason[u.error.code] ?? 0) + 1;
    const last = report.decisions[report.decisions.length - 1];
    const snapshot: RedeemerSnapshot = {
      leader: report.leader,
      pendingCount: summary.count,
      pendingFaceValue: summary.faceValue,
      submittedCount: submitted,
      redeemedCount: redeemed.length,
      redeemedFaceValue: redeemed.reduce((s, r) => s + r.winner.ticket.faceValue, 0n),
      unredeemableByReason: byReason,
      costRatio:
        last === undefined || last.faceValue === 0n
          ? undefined
          : Number((last.costWei * 1_000_000n) / last.faceValue) / 1_000_000,
      l1CostWei: last?.l1Wei ?? 0n,
      l2CostWei: last?.l2Wei ?? 0n,
      sendersCannotPay: new Set(report.blocked.map((b) => b.winner.ticket.sender.toLowerCase()))
        .size,
      nearExpiry: last?.nearExpiry ?? 0,
      gasUsed: report.gasUsed,
      ...(error === undefined ? {} : { error }),
    };
    hooks.onRound(snapshot);
  }
}

/**
 * Runs one redeemer round and resolves with its report: what `ticketbroker recipient redeem`
 * and a cron job call.
 *
 * @example
 * ```ts
 * const report = await redeemOnce({ recipient, store: store.winners, reader, rpc: provider,
 *   signer: wallet, broker, chainId });
 * console.log(`paid ${report.paid} wei`);
 * ```
 */
export async function redeemOnce(options: RedeemerOptions): Promise<RedeemerRoundReport> {
  const daemon = new RedeemerDaemon(options);
  try {
    return await daemon.round();
  } finally {
    await daemon.stop();
  }
}

/**
 * Starts the redeemer loop and returns it; call `stop()` on shutdown. What
 * `ticketbroker serve redeemer` and the payee service (in process) call.
 */
export function runRedeemer(options: RedeemerOptions): RedeemerDaemon {
  const daemon = new RedeemerDaemon(options);
  daemon.start();
  return daemon;
}

/** Type and shape checks of {@link RedeemerOptions}, before anything starts. */
function assertRedeemerOptions(options: unknown): asserts options is RedeemerOptions {
  assertObject(options, "RedeemerDaemon options");
  const o = options;
  assertAddress(o["recipient"], "recipient");
  assertHasMethods(o["store"], "store", ["list", "markSubmitted", "markPendingAgain"]);
  if (o["locks"] !== undefined) assertHasMethods(o["locks"], "locks", ["tryAcquire", "release"]);
  assertHasMethods(o["reader"], "reader", ["now", "senderFunds", "claimableReserve"]);
  assertHasMethods(o["rpc"], "rpc", ["send"]);
  assertHasMethods(o["signer"], "signer", ["getAddress", "signTransaction"]);
  assertAddress(o["broker"], "broker");
  assertBigint(o["chainId"], "chainId", { min: 1n });
  if (o["arbitrum"] !== undefined && typeof o["arbitrum"] !== "boolean") {
    throw new InvalidInputError("arbitrum must be a boolean", {
      details: { field: "arbitrum", received: describeValue(o["arbitrum"]) },
      hint: "Pass arbitrum: true to read the L1 cost component, false not to, or leave it out.",
    });
  }
  if (o["graceSeconds"] !== undefined) assertBigint(o["graceSeconds"], "graceSeconds");
  if (o["economics"] !== undefined) assertEconomics(o["economics"]);
  if (o["intervalMs"] !== undefined) assertInteger(o["intervalMs"], "intervalMs", { min: 1 });
  if (o["maxTransactionsPerRound"] !== undefined) {
    assertInteger(o["maxTransactionsPerRound"], "maxTransactionsPerRound", { min: 1 });
  }
  if (o["metrics"] !== undefined) assertObject(o["metrics"], "metrics");
  if (o["log"] !== undefined) assertFunction(o["log"], "log");
}
