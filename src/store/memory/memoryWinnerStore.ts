import type { StoredWinner, WinningTicket } from "../../recipient/winnerStore.js";
import { checkMove, type WinnerMove } from "../winnerRules.js";
import {
  statusOfState,
  type DurableWinnerFilter,
  type DurableWinnerStore,
  type SubmittedWinners,
  type WinnerState,
} from "../winners.js";
import { refusal, storeArgs, winnerStoreArgs } from "../args.js";

interface PairTotals {
  /** Face value of the pair's pending and submitted winners. */
  unpaid: bigint;
}

/**
 * A {@link DurableWinnerStore} in memory, for tests and as the model the durable backends are
 * checked against. Face values are kept per (sender, recipient) and for all pending winners as
 * they move, so `pendingFaceValue` and `pendingSummary` never scan the winners.
 *
 * @example
 * ```ts
 * const winners = new MemoryDurableWinnerStore();
 * await winners.add(winner);
 * await winners.pendingSummary(); // { count: 1, faceValue: winner.ticket.faceValue }
 * ```
 */
export class MemoryDurableWinnerStore implements DurableWinnerStore {
  readonly #winners = new Map<string, StoredWinner>();
  readonly #pairs = new Map<string, PairTotals>();
  #pendingCount = 0;
  #pendingFace = 0n;

  add(winner: WinningTicket): Promise<void> {
    const refused = refusal(() => winnerStoreArgs.add(winner));
    if (refused !== undefined) return refused;
    const key = winner.digest.toLowerCase();
    if (!this.#winners.has(key)) {
      const stored: StoredWinner = { ...winner, status: "pending", state: "pending" };
      this.#winners.set(key, stored);
      this.#count(stored, 1);
    }
    return Promise.resolve();
  }

  list(filter: DurableWinnerFilter = {}): Promise<StoredWinner[]> {
    const refused = refusal(() => storeArgs.durableFilter(filter));
    if (refused !== undefined) return refused;
    const sender = filter.sender?.toLowerCase();
    return Promise.resolve(
      [...this.#winners.values()].filter(
        (w) =>
          (filter.status === undefined || w.status === filter.status) &&
          (filter.state === undefined || w.state === filter.state) &&
          (sender === undefined || w.ticket.sender.toLowerCase() === sender),
      ),
    );
  }

  get(digest: `0x${string}`): Promise<StoredWinner | undefined> {
    const refused = refusal(() => storeArgs.digest(digest));
    if (refused !== undefined) return refused;
    return Promise.resolve(this.#winners.get(digest.toLowerCase()));
  }

  pendingFaceValue(args: { sender: `0x${string}`; recipient: `0x${string}` }): Promise<bigint> {
    const refused = refusal(() => winnerStoreArgs.pair(args));
    if (refused !== undefined) return refused;
    return Promise.resolve(this.#pairs.get(pairKey(args.sender, args.recipient))?.unpaid ?? 0n);
  }

  pendingSummary(): Promise<{ count: number; faceValue: bigint }> {
    return Promise.resolve({ count: this.#pendingCount, faceValue: this.#pendingFace });
  }

  listSubmitted(): Promise<StoredWinner[]> {
    return this.list({ state: "submitted" });
  }

  markSubmitted(a: SubmittedWinners): Promise<void> {
    const refused = refusal(() => storeArgs.markSubmitted(a));
    if (refused !== undefined) return refused;
    const submission = {
      txHash: a.txHash,
      accountNonce: a.accountNonce,
      maxFeePerGas: a.maxFeePerGas,
      maxPriorityFeePerGas: a.maxPriorityFeePerGas,
      block: a.block,
    };
    return this.#moveAll("markSubmitted", a.digests, undefined, (w) => ({
      ...w,
      state: "submitted",
      status: "pending",
      submission,
    }));
  }

  markPendingAgain(a: { digests: `0x${string}`[]; reason: string }): Promise<void> {
    const refused = refusal(() => storeArgs.markPendingAgain(a));
    if (refused !== undefined) return refused;
    return this.#moveAll("markPendingAgain", a.digests, undefined, (w) => {
      const { submission: _dropped, ...rest } = w;
      return {
        ...rest,
        state: "pending",
        status: "pending",
        lastError: { code: "PendingAgain", message: a.reason },
      };
    });
  }

  markRedeemed(args: { digest: `0x${string}`; txHash: string }): Promise<void> {
    const refused = refusal(() => winnerStoreArgs.redeemed(args));
    if (refused !== undefined) return refused;
    return this.#moveAll("markRedeemed", [args.digest], args.txHash, (w) => ({
      ...w,
      state: "redeemed",
      status: "redeemed",
      txHash: args.txHash,
    }));
  }

  recordFailure(args: { digest: `0x${string}`; code: string; message: string }): Promise<void> {
    const refused = refusal(() => winnerStoreArgs.failure(args));
    if (refused !== undefined) return refused;
    return this.#moveAll("recordFailure", [args.digest], undefined, (w) => ({
      ...w,
      lastError: { code: args.code, message: args.message },
    }));
  }

  markUnredeemable(args: { digest: `0x${string}`; code: string; message: string }): Promise<void> {
    const refused = refusal(() => winnerStoreArgs.failure(args));
    if (refused !== undefined) return refused;
    return this.#moveAll("markUnredeemable", [args.digest], undefined, (w) => ({
      ...w,
      state: "unredeemable",
      status: "unredeemable",
      lastError: { code: args.code, message: args.message },
    }));
  }

  /** Checks every digest first, then moves them all: all or nothing. */
  #moveAll(
    move: WinnerMove,
    digests: readonly `0x${string}`[],
    txHash: string | undefined,
    next: (w: StoredWinner) => StoredWinner,
  ): Promise<void> {
    try {
      const todo: StoredWinner[] = [];
      for (const digest of new Set(digests.map((d) => d.toLowerCase()))) {
        const w = this.#winners.get(digest);
        const verdict = checkMove(
          move,
          digest,
          w === undefined ? undefined : { state: stateOf(w), txHash: w.txHash },
          txHash,
        );
        if (verdict === "apply") todo.push(w as StoredWinner);
      }
      for (const w of todo) {
        const moved = next(w);
        this.#count(w, -1);
        this.#count(moved, 1);
        this.#winners.set(w.digest.toLowerCase(), moved);
      }
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  #count(w: StoredWinner, sign: 1 | -1): void {
    const state = stateOf(w);
    const face = w.ticket.faceValue * BigInt(sign);
    if (state === "pending") {
      this.#pendingCount += sign;
      this.#pendingFace += face;
    }
    if (statusOfState(state) === "pending") {
      const key = pairKey(w.ticket.sender, w.ticket.recipient);
      const totals = this.#pairs.get(key) ?? { unpaid: 0n };
      totals.unpaid += face;
      if (totals.unpaid === 0n) this.#pairs.delete(key);
      else this.#pairs.set(key, totals);
    }
  }
}

function stateOf(w: StoredWinner): WinnerState {
  return w.state ?? w.status;
}

function pairKey(sender: string, recipient: string): string {
  return `${sender.toLowerCase()}|${recipient.toLowerCase()}`;
}
