import { WinnerStoreError } from "../recipient/errors.js";
import type { StoredWinner } from "../recipient/winnerStore.js";
import { WinnerStateTransitionError } from "./errors.js";
import { WINNER_TRANSITIONS, type WinnerState } from "./winners.js";

/** A state-machine move, named as the {@link DurableWinnerStore} method that makes it. */
export type WinnerMove = keyof typeof WINNER_TRANSITIONS;

/** The target state of each move (`recordFailure` keeps the state). */
export const MOVE_TARGET: Record<WinnerMove, WinnerState | undefined> = {
  markSubmitted: "submitted",
  markPendingAgain: "pending",
  markRedeemed: "redeemed",
  markUnredeemable: "unredeemable",
  recordFailure: undefined,
};

/**
 * Decides a move for one winner: `"apply"`, `"noop"` (a retried call that already took effect:
 * redeemed again by the same transaction, unredeemable again) or throws: an unknown digest
 * throws `WinnerStoreError`, a move from a state it may not start from throws
 * `WinnerStateTransitionError`. Shared by every backend so they refuse the same moves.
 */
export function checkMove(
  move: WinnerMove,
  digest: string,
  current: { state: WinnerState; txHash?: string | undefined } | undefined,
  txHash?: string,
): "apply" | "noop" {
  if (current === undefined) {
    throw new WinnerStoreError("No stored winner has this digest", {
      details: { digest, move },
      hint: "Pass the digest of a winner previously added to this store.",
    });
  }
  if (move === "markRedeemed" && current.state === "redeemed") {
    if (current.txHash?.toLowerCase() === txHash?.toLowerCase()) return "noop";
  }
  if (move === "markUnredeemable" && current.state === "unredeemable") return "noop";
  const allowed = WINNER_TRANSITIONS[move] as readonly WinnerState[];
  if (!allowed.includes(current.state)) {
    throw new WinnerStateTransitionError(`A ${current.state} winner cannot move by ${move}`, {
      details: { digest, state: current.state, move, allowedFrom: allowed },
      hint:
        current.state === "redeemed"
          ? "The winner is already paid; read its txHash and stop redeeming it."
          : "Read the winner's state again (another replica may have moved it) and act on that.",
    });
  }
  return "apply";
}

/** Whether a winner counts against its sender's funds: pending or submitted, not yet paid. */
export function isUnpaid(w: StoredWinner): boolean {
  return w.status === "pending";
}
