import type { StoredWinner, WinnerStatus, WinnerStore } from "../recipient/winnerStore.js";

/**
 * Where a winner stands in redemption. `pending` waits for a transaction; `submitted` has one
 * broadcast (recorded before broadcasting); `redeemed` was paid; `unredeemable` never can be.
 *
 * Allowed moves: pending → submitted (and submitted → submitted to replace a stuck transaction),
 * submitted → pending (dropped, reverted, replaced by someone else), pending | submitted →
 * redeemed, pending | submitted → unredeemable, and unredeemable → redeemed (the chain said it
 * was paid after all: the chain's truth wins). `redeemed` is final.
 */
export type WinnerState = "pending" | "submitted" | "redeemed" | "unredeemable";

/** The legacy {@link WinnerStatus} of a state: a submitted winner is still unpaid, so `pending`. */
export function statusOfState(state: WinnerState): WinnerStatus {
  return state === "submitted" ? "pending" : state;
}

/** The transaction a submitted winner was sent in, recorded before it was broadcast. */
export interface WinnerSubmission {
  readonly txHash: `0x${string}`;
  readonly accountNonce: number;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  /** The block number seen when the transaction was built. */
  readonly block: bigint;
}

/** The winners {@link DurableWinnerStore.markSubmitted} records as sent in one transaction. */
export interface SubmittedWinners extends WinnerSubmission {
  /** The winners' digests. */
  readonly digests: `0x${string}`[];
}

/** Filter of {@link DurableWinnerStore.list}: `state` narrows further than `status`. */
export interface DurableWinnerFilter {
  status?: WinnerStatus;
  state?: WinnerState;
  sender?: `0x${string}`;
}

/**
 * A {@link WinnerStore} with the redemption state machine, shared by every replica of a payee and
 * its redeemer. Winners are never deleted. Every state move is atomic over all the digests it
 * names: either all move or none does, and a move from a state the machine does not allow throws
 * `WinnerStateTransitionError` without changing anything.
 *
 * `list({ status: "pending" })` returns submitted winners too (they are unpaid, and the recipient
 * counts them against the sender's funds); use `list({ state: "pending" })` for the winners that
 * wait for a transaction. `pendingFaceValue` counts pending and submitted winners.
 *
 * @example
 * ```ts
 * await winners.markSubmitted({ digests, txHash, accountNonce, maxFeePerGas, maxPriorityFeePerGas, block });
 * await provider.broadcastTransaction(signedTx);
 * // later, from the receipt:
 * await winners.markRedeemed({ digest, txHash });
 * ```
 */
export interface DurableWinnerStore extends WinnerStore {
  list(filter?: DurableWinnerFilter): Promise<StoredWinner[]>;
  /** The winner with this digest, or undefined. */
  get(digest: `0x${string}`): Promise<StoredWinner | undefined>;
  /** pending → submitted (or submitted → submitted, a replacement), recorded BEFORE broadcasting. */
  markSubmitted(a: SubmittedWinners): Promise<void>;
  /** submitted → pending (dropped/reverted/replaced by someone else, ticket still payable). */
  markPendingAgain(a: { digests: `0x${string}`[]; reason: string }): Promise<void>;
  /** Winners in state `submitted`, in insertion order. */
  listSubmitted(): Promise<StoredWinner[]>;
  /** Count and face value of winners in state `pending` (indexed, never a full scan). */
  pendingSummary(): Promise<{ count: number; faceValue: bigint }>;
}

/**
 * The rules of the state machine, shared by every backend: the states each move may start from.
 * A move listed with `same` is a no-op when the winner is already in the target state with the
 * same data (a retried call).
 */
export const WINNER_TRANSITIONS = {
  markSubmitted: ["pending", "submitted"],
  markPendingAgain: ["submitted"],
  markRedeemed: ["pending", "submitted", "unredeemable"],
  markUnredeemable: ["pending", "submitted"],
  recordFailure: ["pending", "submitted"],
} as const satisfies Record<string, readonly WinnerState[]>;
