/**
 * The redeemer's transactions: its own account nonce, a record in the winner store before each
 * broadcast, receipts polled with a timeout, replacement with higher fees when a transaction is
 * stuck, a confirmation depth before a winner is final, and reconciliation from the chain when
 * the outcome is unknown (a dropped transaction, a nonce taken by another transaction, a crash).
 */
import { Interface, Transaction, type TransactionRequest } from "ethers";

import { ticketBrokerAbi } from "../contract/abi.js";
import { decodeBrokerError } from "../contract/contractErrors.js";
import { TicketBrokerError } from "../errors.js";
import {
  assertAddress,
  assertBigint,
  assertFunction,
  assertHasMethods,
  assertInteger,
  assertObject,
} from "../ticket/inputs.js";
import type { Hex } from "../internal/bytes.js";
import type { StoredWinner } from "../recipient/winnerStore.js";
import type { DurableWinnerStore } from "../store/winners.js";
import { readFees, redemptionCalldata, type FeeQuote, type JsonRpcSender } from "./cost.js";
import { isPermanentRedemptionError } from "./plan.js";

const broker = new Interface(ticketBrokerAbi);
const REDEEMED_TOPIC = broker.getEvent("WinningTicketRedeemed")?.topicHash as string;

/** Signs transactions locally (an ethers `Wallet` does). */
export interface TransactionSigner {
  getAddress(): Promise<string>;
  signTransaction(tx: TransactionRequest): Promise<string>;
}

/** A transaction could not be built or broadcast in a way that retrying cannot fix. */
export class RedemptionTransactionError extends TicketBrokerError {}

/** The settings of {@link RedemptionTransactions}. */
export interface TransactionSettings {
  /** Blocks a receipt must be deep (1 = the including block) before winners are `redeemed`. Default 1. */
  readonly confirmations?: number;
  /** How often to poll for the receipt (ms). Default 1,000. */
  readonly pollIntervalMs?: number;
  /** A transaction without a receipt this long after its last broadcast is replaced (ms). Default 30,000. */
  readonly stuckAfterMs?: number;
  /** Or this many new blocks since its broadcast. Default 0 (off). */
  readonly stuckAfterBlocks?: number;
  /** Fee increase of a replacement, basis points; at least 1,000 (+10%, what nodes require). Default 1,250. */
  readonly feeBumpBps?: bigint;
  /** Never offer more than this maxFeePerGas (wei); a stuck transaction at the cap just waits. */
  readonly maxFeePerGasCap?: bigint;
  /** Give up waiting after this long (ms); the winners stay `submitted` and are reconciled later. Default 300,000. */
  readonly receiptTimeoutMs?: number;
}

/** A transaction this process broadcast (or adopted after a restart) and has not settled. */
export interface InFlight {
  readonly winners: readonly StoredWinner[];
  readonly accountNonce: number;
  /** Every hash broadcast at this account nonce, oldest first: any of them may be mined. */
  readonly hashes: Hex[];
  /** The signed transaction of the last hash, for rebroadcasting (absent when adopted). */
  raw?: string;
  fees: FeeQuote;
  gasLimit: bigint;
  sentAt: number;
  sentBlock: bigint;
  replacements: number;
}

/** How a transaction's winners ended. */
export interface Settlement {
  /**
   * `mined`: a receipt at the confirmation depth decided each winner; `replaced`: the account
   * nonce was used by another transaction, the chain's events decided; `dropped`: no node knows
   * the transaction and its nonce is free, the winners are pending again; `timeout`: still
   * unknown, the winners stay submitted.
   */
  readonly kind: "mined" | "replaced" | "dropped" | "timeout";
  readonly txHash?: Hex;
  readonly gasUsed?: bigint;
  /** Effective gas price paid (wei), when mined. */
  readonly gasPrice?: bigint;
  readonly redeemed: { winner: StoredWinner; txHash: string }[];
  readonly unredeemable: { winner: StoredWinner; error: TicketBrokerError }[];
  readonly pendingAgain: { winner: StoredWinner; reason: string }[];
}

interface RpcReceipt {
  status: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  gasUsed: string;
  effectiveGasPrice?: string;
  logs: { address: string; topics: string[]; data: string; transactionHash: string }[];
}

const hexQty = (x: bigint | number) => `0x${BigInt(x).toString(16)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends redemption transactions for one recipient account and settles them. One transaction is
 * in flight at a time, so the account nonce is read once (`pending` count) and then kept
 * locally, and read again after a transaction was dropped. The account must be used by nothing
 * else while the redeemer runs (the leader lock gives one redeemer per recipient).
 *
 * @example
 * ```ts
 * const txs = new RedemptionTransactions({ rpc: provider, signer: wallet, broker, chainId, store });
 * const inFlight = await txs.submit({ winners, gasLimit, fees });
 * const settlement = await txs.settle(inFlight);
 * ```
 */
export class RedemptionTransactions {
  readonly #rpc: JsonRpcSender;
  readonly #signer: TransactionSigner;
  readonly #broker: Hex;
  readonly #chainId: bigint;
  readonly #store: DurableWinnerStore;
  readonly #s: Required<Omit<TransactionSettings, "maxFeePerGasCap">> & {
    maxFeePerGasCap?: bigint;
  };
  readonly #now: () => number;
  #address: Hex | undefined;
  #nextNonce: number | undefined;

  constructor(options: {
    rpc: JsonRpcSender;
    signer: TransactionSigner;
    broker: Hex;
    chainId: bigint;
    store: DurableWinnerStore;
    settings?: TransactionSettings;
    /** Clock in ms (tests). */
    now?: () => number;
  }) {
    assertObject(options, "RedemptionTransactions options");
    assertHasMethods(options.rpc, "rpc", ["send"]);
    assertHasMethods(options.signer, "signer", ["getAddress", "signTransaction"]);
    assertAddress(options.broker, "broker");
    assertBigint(options.chainId, "chainId", { min: 1n });
    assertHasMethods(options.store, "store", [
      "markSubmitted",
      "markPendingAgain",
      "listSubmitted",
    ]);
    if (options.settings !== undefined) assertTransactionSettings(options.settings);
    if (options.now !== undefined) assertFunction(options.now, "now");
    this.#rpc = options.rpc;
    this.#signer = options.signer;
    this.#broker = options.broker;
    this.#chainId = options.chainId;
    this.#store = options.store;
    const s = options.settings ?? {};
    const bump = s.feeBumpBps ?? 1_250n;
    this.#s = {
      confirmations: Math.max(1, s.confirmations ?? 1),
      pollIntervalMs: s.pollIntervalMs ?? 1_000,
      stuckAfterMs: s.stuckAfterMs ?? 30_000,
      stuckAfterBlocks: s.stuckAfterBlocks ?? 0,
      feeBumpBps: bump < 1_000n ? 1_000n : bump,
      receiptTimeoutMs: s.receiptTimeoutMs ?? 300_000,
      ...(s.maxFeePerGasCap === undefined ? {} : { maxFeePerGasCap: s.maxFeePerGasCap }),
    };
    this.#now = options.now ?? Date.now;
  }

  /** The account that sends (and must be the winners' recipient). */
  async address(): Promise<Hex> {
    this.#address ??= (await this.#signer.getAddress()) as Hex;
    return this.#address;
  }

  /** Forgets the local account nonce; the next submission reads it from the chain. */
  resyncNonce(): void {
    this.#nextNonce = undefined;
  }

  /**
   * Signs a transaction redeeming `winners` (in the given order), records it as `submitted` in
   * the store, then broadcasts it. If recording fails nothing is sent; if broadcasting fails the
   * record stays and {@link settle} rebroadcasts or reconciles.
   */
  async submit(args: {
    winners: readonly StoredWinner[];
    gasLimit: bigint;
    fees: FeeQuote;
  }): Promise<InFlight> {
    const from = await this.address();
    this.#nextNonce ??= Number(
      BigInt((await this.#rpc.send("eth_getTransactionCount", [from, "pending"])) as string),
    );
    const accountNonce = this.#nextNonce;
    const block = BigInt((await this.#rpc.send("eth_blockNumber", [])) as string);
    const inFlight: InFlight = {
      winners: args.winners,
      accountNonce,
      hashes: [],
      fees: args.fees,
      gasLimit: args.gasLimit,
      sentAt: this.#now(),
      sentBlock: block,
      replacements: 0,
    };
    await this.#signRecordBroadcast(inFlight, args.fees, block);
    this.#nextNonce = accountNonce + 1;
    return inFlight;
  }

  async #signRecordBroadcast(inFlight: InFlight, fees: FeeQuote, block: bigint): Promise<void> {
    const raw = await this.#signer.signTransaction({
      type: 2,
      chainId: this.#chainId,
      nonce: inFlight.accountNonce,
      to: this.#broker,
      data: redemptionCalldata(inFlight.winners),
      value: 0n,
      gasLimit: inFlight.gasLimit,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    const txHash = Transaction.from(raw).hash as Hex;
    await this.#store.markSubmitted({
      digests: inFlight.winners.map((w) => w.digest),
      txHash,
      accountNonce: inFlight.accountNonce,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      block,
    });
    inFlight.hashes.push(txHash);
    inFlight.raw = raw;
    inFlight.fees = fees;
    inFlight.sentAt = this.#now();
    inFlight.sentBlock = block;
    await this.#broadcast(raw);
  }

  /** Broadcasts; "already known" is success; other failures are left to settle(). */
  async #broadcast(raw: string): Promise<void> {
    try {
      await this.#rpc.send("eth_sendRawTransaction", [raw]);
    } catch (err) {
      const text = messageOf(err);
      if (/already known|known transaction|already imported|already exists/i.test(text)) return;
      // Nonce too low, RPC down, underpriced: settle() finds out from the chain what happened.
    }
  }

  /**
   * Waits for `inFlight` to be decided: polls receipts of every hash it was broadcast with,
   * rebroadcasts when the node forgot it, replaces it with fees raised by `feeBumpBps` (both
   * fees, same nonce) when stuck, waits for the confirmation depth, and reconciles from the
   * chain when its nonce was used by another transaction. RPC errors are retried until
   * `receiptTimeoutMs`.
   */
  async settle(inFlight: InFlight): Promise<Settlement> {
    const started = this.#now();
    const from = await this.address();
    let unknownPolls = 0;
    for (;;) {
      try {
        for (const hash of [...inFlight.hashes].reverse()) {
          const receipt = (await this.#rpc.send("eth_getTransactionReceipt", [
            hash,
          ])) as RpcReceipt | null;
          if (receipt === null) continue;
          const head = BigInt((await this.#rpc.send("eth_blockNumber", [])) as string);
          if (head - BigInt(receipt.blockNumber) + 1n < BigInt(this.#s.confirmations)) break;
          return await this.#applyReceipt(inFlight.winners, receipt);
        }
        const mined = Number(
          BigInt((await this.#rpc.send("eth_getTransactionCount", [from, "latest"])) as string),
        );
        if (mined > inFlight.accountNonce) {
          // Our nonce is used, yet none of our hashes has a receipt (or it is not deep enough).
          const anyReceipt = await this.#anyReceipt(inFlight.hashes);
          if (!anyReceipt) return await this.#reconcileWinners(inFlight.winners, "replaced");
        } else {
          const known = await this.#rpc.send("eth_getTransactionByHash", [
            inFlight.hashes[inFlight.hashes.length - 1],
          ]);
          if (known === null) {
            unknownPolls++;
            if (inFlight.raw !== undefined) await this.#broadcast(inFlight.raw);
            if (unknownPolls >= 3 && inFlight.raw === undefined) {
              return await this.#reconcileWinners(inFlight.winners, "dropped");
            }
          } else {
            unknownPolls = 0;
          }
          if (await this.#isStuck(inFlight)) await this.#replace(inFlight);
        }
      } catch {
        // The RPC is down or answered badly: try again until the timeout.
      }
      if (this.#now() - started >= this.#s.receiptTimeoutMs) {
        return { kind: "timeout", redeemed: [], unredeemable: [], pendingAgain: [] };
      }
      await sleep(this.#s.pollIntervalMs);
    }
  }

  async #anyReceipt(hashes: readonly Hex[]): Promise<boolean> {
    for (const h of hashes) {
      if ((await this.#rpc.send("eth_getTransactionReceipt", [h])) !== null) return true;
    }
    return false;
  }

  async #isStuck(inFlight: InFlight): Promise<boolean> {
    if (this.#now() - inFlight.sentAt >= this.#s.stuckAfterMs) return true;
    if (this.#s.stuckAfterBlocks > 0) {
      const head = BigInt((await this.#rpc.send("eth_blockNumber", [])) as string);
      if (head - inFlight.sentBlock >= BigInt(this.#s.stuckAfterBlocks)) return true;
    }
    return false;
  }

  /** Same nonce, both fees raised by at least feeBumpBps, and at least the network's current fees. */
  async #replace(inFlight: InFlight): Promise<void> {
    const bump = (x: bigint) => (x * (10_000n + this.#s.feeBumpBps) + 9_999n) / 10_000n;
    const market = await readFees(this.#rpc);
    let maxPriorityFeePerGas = max(
      bump(inFlight.fees.maxPriorityFeePerGas),
      market.maxPriorityFeePerGas,
    );
    let maxFeePerGas = max(bump(inFlight.fees.maxFeePerGas), market.maxFeePerGas);
    if (maxPriorityFeePerGas === 0n) maxPriorityFeePerGas = 1n;
    const cap = this.#s.maxFeePerGasCap;
    if (cap !== undefined && maxFeePerGas > cap) {
      // At the cap a replacement could not raise both fees by 10%: keep waiting.
      if (bump(inFlight.fees.maxFeePerGas) > cap) {
        inFlight.sentAt = this.#now();
        return;
      }
      maxFeePerGas = cap;
    }
    if (maxPriorityFeePerGas > maxFeePerGas) maxPriorityFeePerGas = maxFeePerGas;
    if (inFlight.gasLimit === 0n) {
      // Adopted after a restart: the gas limit was not recorded, so estimate it again.
      const gas = BigInt(
        (await this.#rpc.send("eth_estimateGas", [
          {
            from: await this.address(),
            to: this.#broker,
            data: redemptionCalldata(inFlight.winners),
          },
        ])) as string,
      );
      inFlight.gasLimit = (gas * 12n) / 10n;
    }
    const block = BigInt((await this.#rpc.send("eth_blockNumber", [])) as string);
    inFlight.replacements++;
    await this.#signRecordBroadcast(
      inFlight,
      { baseFeePerGas: market.baseFeePerGas, maxFeePerGas, maxPriorityFeePerGas },
      block,
    );
  }

  /** Decides every winner of a mined transaction from its receipt. */
  async #applyReceipt(winners: readonly StoredWinner[], receipt: RpcReceipt): Promise<Settlement> {
    const txHash = receipt.transactionHash as Hex;
    const out: Settlement = {
      kind: "mined",
      txHash,
      gasUsed: BigInt(receipt.gasUsed),
      ...(receipt.effectiveGasPrice === undefined
        ? {}
        : { gasPrice: BigInt(receipt.effectiveGasPrice) }),
      redeemed: [],
      unredeemable: [],
      pendingAgain: [],
    };
    const paid = new Set<string>();
    const failures = new Map<number, TicketBrokerError>();
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.#broker.toLowerCase()) continue;
      let parsed;
      try {
        parsed = broker.parseLog(log);
      } catch {
        continue;
      }
      if (parsed?.name === "WinningTicketRedeemed") {
        paid.add(pairNonce(parsed.args[0] as string, parsed.args[2] as bigint));
      } else if (parsed?.name === "TicketRedemptionFailed") {
        failures.set(Number(parsed.args[2] as bigint), decodeBrokerError(parsed.args[4] as string));
      }
    }
    let revertReason: TicketBrokerError | undefined;
    if (receipt.status !== "0x1") revertReason = await this.#revertReason(winners, receipt);
    for (const [i, w] of winners.entries()) {
      if (paid.has(pairNonce(w.ticket.sender, w.ticket.senderNonce))) {
        await this.#store.markRedeemed({ digest: w.digest, txHash });
        out.redeemed.push({ winner: w, txHash });
        continue;
      }
      const error = failures.get(i) ?? revertReason;
      await this.#failed(w, error, out, receipt.status === "0x1" ? "failed in batch" : "reverted");
    }
    return out;
  }

  /** The reason a reverted transaction gave, by replaying it as a call on the block it was in. */
  async #revertReason(
    winners: readonly StoredWinner[],
    receipt: RpcReceipt,
  ): Promise<TicketBrokerError | undefined> {
    try {
      await this.#rpc.send("eth_call", [
        { from: await this.address(), to: this.#broker, data: redemptionCalldata(winners) },
        hexQty(BigInt(receipt.blockNumber) - 1n),
      ]);
      return undefined;
    } catch (err) {
      return decodeBrokerError(err);
    }
  }

  async #failed(
    w: StoredWinner,
    error: TicketBrokerError | undefined,
    out: Settlement,
    context: string,
  ): Promise<void> {
    if (error !== undefined && isPermanentRedemptionError(error)) {
      await this.#store.markUnredeemable({
        digest: w.digest,
        code: error.code,
        message: error.message,
      });
      out.unredeemable.push({ winner: w, error });
      return;
    }
    const reason = `${context}: ${error?.code ?? "no reason"}`;
    await this.#store.markPendingAgain({ digests: [w.digest], reason });
    if (error !== undefined) {
      await this.#store.recordFailure({
        digest: w.digest,
        code: error.code,
        message: error.message,
      });
    }
    out.pendingAgain.push({ winner: w, reason });
  }

  /**
   * Decides submitted winners whose transaction has no usable receipt from the broker's own
   * record: a `WinningTicketRedeemed` event for the pair and nonce since the block the
   * submission was recorded at → `redeemed` with that event's transaction; otherwise the
   * winner was not paid → `pending` again (the plan then judges it against the redeemed mark).
   */
  async #reconcileWinners(
    winners: readonly StoredWinner[],
    kind: "replaced" | "dropped",
  ): Promise<Settlement> {
    const out: Settlement = { kind, redeemed: [], unredeemable: [], pendingAgain: [] };
    for (const w of winners) {
      const event = await this.findRedemption(w);
      if (event !== undefined) {
        await this.#store.markRedeemed({ digest: w.digest, txHash: event });
        out.redeemed.push({ winner: w, txHash: event });
      } else {
        const reason =
          kind === "dropped" ? "transaction dropped" : "account nonce used by another transaction";
        await this.#store.markPendingAgain({ digests: [w.digest], reason });
        out.pendingAgain.push({ winner: w, reason });
      }
    }
    // The account nonce was either never used or used by another transaction: read it again.
    this.resyncNonce();
    return out;
  }

  /** The transaction that paid `w`, from the broker's `WinningTicketRedeemed` events. */
  async findRedemption(w: StoredWinner): Promise<Hex | undefined> {
    const pad = (a: string) => `0x${a.slice(2).toLowerCase().padStart(64, "0")}`;
    const fromBlock = w.submission === undefined ? 0n : w.submission.block;
    const logs = (await this.#rpc.send("eth_getLogs", [
      {
        address: this.#broker,
        fromBlock: hexQty(fromBlock),
        toBlock: "latest",
        topics: [REDEEMED_TOPIC, pad(w.ticket.sender), pad(w.ticket.recipient)],
      },
    ])) as { data: string; topics: string[]; transactionHash: string }[];
    for (const log of logs) {
      const parsed = broker.parseLog(log);
      if (parsed !== null && (parsed.args[2] as bigint) === w.ticket.senderNonce) {
        return log.transactionHash as Hex;
      }
    }
    return undefined;
  }

  /**
   * After a restart: settles the winners recorded as `submitted`, grouped by the transaction
   * they were recorded with. A transaction with a receipt at depth decides its winners; one the
   * node still holds is adopted and settled (replaced if stuck); one nobody knows, or whose
   * nonce another transaction used, is decided from the broker's events.
   */
  async reconcileSubmitted(): Promise<Settlement[]> {
    const submitted = await this.#store.listSubmitted();
    const from = await this.address();
    const byTx = new Map<string, StoredWinner[]>();
    for (const w of submitted) {
      // Another recipient's transactions are its own redeemer's to settle.
      if (w.submission === undefined || w.ticket.recipient.toLowerCase() !== from.toLowerCase()) {
        continue;
      }
      const key = `${w.submission.accountNonce}:${w.submission.txHash.toLowerCase()}`;
      byTx.set(key, [...(byTx.get(key) ?? []), w]);
    }
    const out: Settlement[] = [];
    for (const winners of byTx.values()) {
      const s = (winners[0] as StoredWinner).submission;
      if (s === undefined) continue;
      const receipt = (await this.#rpc.send("eth_getTransactionReceipt", [
        s.txHash,
      ])) as RpcReceipt | null;
      if (receipt !== null) {
        const inFlight = this.#adopt(winners);
        out.push(await this.settle(inFlight));
        continue;
      }
      const mined = Number(
        BigInt((await this.#rpc.send("eth_getTransactionCount", [from, "latest"])) as string),
      );
      if (mined > s.accountNonce) {
        out.push(await this.#reconcileWinners(winners, "replaced"));
        continue;
      }
      const known = await this.#rpc.send("eth_getTransactionByHash", [s.txHash]);
      if (known === null) {
        out.push(await this.#reconcileWinners(winners, "dropped"));
        continue;
      }
      out.push(await this.settle(this.#adopt(winners)));
    }
    this.resyncNonce();
    return out;
  }

  #adopt(winners: StoredWinner[]): InFlight {
    const s = (winners[0] as StoredWinner).submission;
    if (s === undefined) {
      throw new RedemptionTransactionError("A submitted winner has no submission record", {
        details: { digest: winners[0]?.digest },
        hint: "The winner store must keep the transaction recorded by markSubmitted.",
      });
    }
    return {
      winners: [...winners].sort(byPairNonce),
      accountNonce: s.accountNonce,
      hashes: [s.txHash],
      fees: {
        baseFeePerGas: 0n,
        maxFeePerGas: s.maxFeePerGas,
        maxPriorityFeePerGas: s.maxPriorityFeePerGas,
      },
      gasLimit: 0n,
      sentAt: this.#now(),
      sentBlock: s.block,
      replacements: 0,
    };
  }
}

/** Orders winners by sender, then ascending nonce: the order a batch must keep. */
export function byPairNonce(a: StoredWinner, b: StoredWinner): number {
  const sa = a.ticket.sender.toLowerCase();
  const sb = b.ticket.sender.toLowerCase();
  if (sa !== sb) return sa < sb ? -1 : 1;
  return a.ticket.senderNonce < b.ticket.senderNonce
    ? -1
    : a.ticket.senderNonce > b.ticket.senderNonce
      ? 1
      : 0;
}

function pairNonce(sender: string, nonce: bigint): string {
  return `${sender.toLowerCase()}:${nonce}`;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const inner = (err as { error?: { message?: string } }).error?.message;
    return `${err.message} ${inner ?? ""}`;
  }
  return String(err);
}

/** @internal Throws unless `value` is a {@link TransactionSettings} (each field optional). */
export function assertTransactionSettings(
  value: unknown,
  field = "settings",
): asserts value is TransactionSettings {
  assertObject(value, field);
  for (const k of [
    "confirmations",
    "pollIntervalMs",
    "stuckAfterMs",
    "stuckAfterBlocks",
    "receiptTimeoutMs",
  ]) {
    if (value[k] !== undefined) assertInteger(value[k], `${field}.${k}`);
  }
  for (const k of ["feeBumpBps", "maxFeePerGasCap"]) {
    if (value[k] !== undefined) assertBigint(value[k], `${field}.${k}`);
  }
}
