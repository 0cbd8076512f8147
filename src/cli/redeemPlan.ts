import type { BrokerReader } from "../chain/brokerReader.js";
import type { StoredWinner } from "../recipient/winnerStore.js";

/** One sender's pending winners, sorted out the way a redemption run would treat them now. */
export interface SenderPlan {
  readonly sender: `0x${string}`;
  /** Winners a run would send now, in nonce order. */
  readonly dueNow: StoredWinner[];
  /** Winners whose params (or a lower winner's) are still live, and when the first falls due. */
  readonly notDue: StoredWinner[];
  readonly dueAt: bigint | undefined;
  /** Winners held back although due (sender unlocked, or not enough funds), with the reason. */
  readonly held: StoredWinner[];
  readonly heldReason: string | undefined;
  /** Winners that can never be redeemed (at or below the redeemed mark, or expired). */
  readonly dead: StoredWinner[];
  readonly deadReason: string | undefined;
}

/**
 * Reads, without writing anything, what a redemption run ({@link Redeemer.redeemDue}) would do
 * with `recipient`'s pending winners at chain time `now`: per sender in ascending nonce order,
 * winners at or below the redeemed mark or expired are dead; the walk stops at the first winner
 * whose params deadline + `graceSeconds` has not passed (it and every later winner are due only
 * from then), at a completed unlock, and at the first winner the sender's deposit plus this
 * recipient's reserve allocation can no longer cover.
 */
export async function planRedemption(options: {
  recipient: `0x${string}`;
  winners: readonly StoredWinner[];
  reader: BrokerReader;
  graceSeconds: bigint;
}): Promise<{ now: bigint; senders: SenderPlan[] }> {
  const { recipient, reader, graceSeconds } = options;
  const now = await reader.now();
  const bySender = new Map<string, StoredWinner[]>();
  for (const w of options.winners) {
    if (w.status !== "pending" || w.ticket.recipient.toLowerCase() !== recipient.toLowerCase()) {
      continue;
    }
    const key = w.ticket.sender.toLowerCase();
    bySender.set(key, [...(bySender.get(key) ?? []), w]);
  }
  const senders: SenderPlan[] = [];
  for (const winners of bySender.values()) {
    winners.sort((a, b) =>
      a.ticket.senderNonce < b.ticket.senderNonce
        ? -1
        : a.ticket.senderNonce > b.ticket.senderNonce
          ? 1
          : 0,
    );
    const sender = (winners[0] as StoredWinner).ticket.sender;
    const [highest, funds, claimable] = await Promise.all([
      reader.highestRedeemedNonce(sender, recipient),
      reader.senderFunds(sender),
      reader.claimableReserve(sender, recipient),
    ]);
    const unlocked = funds.unlockEnd !== 0n && now >= funds.unlockEnd;
    let budget = funds.deposit + claimable;
    const plan = {
      sender,
      dueNow: [] as StoredWinner[],
      notDue: [] as StoredWinner[],
      dueAt: undefined as bigint | undefined,
      held: [] as StoredWinner[],
      heldReason: undefined as string | undefined,
      dead: [] as StoredWinner[],
      deadReason: undefined as string | undefined,
    };
    let stopped: "notDue" | "held" | undefined;
    for (const w of winners) {
      const t = w.ticket;
      if (stopped === "notDue") {
        plan.notDue.push(w);
        continue;
      }
      if (stopped === "held") {
        plan.held.push(w);
        continue;
      }
      if (t.senderNonce <= highest) {
        plan.dead.push(w);
        plan.deadReason = `nonce at or below the redeemed mark ${highest}`;
        continue;
      }
      if (now > t.expiry) {
        plan.dead.push(w);
        plan.deadReason = "expired";
        continue;
      }
      if (now <= w.paramsDeadline + graceSeconds) {
        stopped = "notDue";
        plan.dueAt = w.paramsDeadline + graceSeconds + 1n;
        plan.notDue.push(w);
        continue;
      }
      if (unlocked) {
        stopped = "held";
        plan.heldReason = `the sender completed its unlock at ${funds.unlockEnd}`;
        plan.held.push(w);
        continue;
      }
      if (t.faceValue > budget) {
        stopped = "held";
        plan.heldReason = `the sender can cover ${budget} wei, the next winner needs ${t.faceValue}`;
        plan.held.push(w);
        continue;
      }
      budget -= t.faceValue;
      plan.dueNow.push(w);
    }
    senders.push(plan);
  }
  return { now, senders };
}
