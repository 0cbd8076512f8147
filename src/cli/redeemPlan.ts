import type { BrokerReader } from "../chain/brokerReader.js";
import type { TicketBrokerContractError } from "../contract/contractErrors.js";
import { loadChainState } from "../redeem/chainState.js";
import { planRedemption, type PlanWinner, type RedemptionPlan } from "../redeem/plan.js";
import type { StoredWinner } from "../recipient/winnerStore.js";

/** One sender's pending winners, as the library's redemption plan sorts them now. */
export interface SenderPlan {
  readonly sender: `0x${string}`;
  /** Winners a run would send now, in nonce order. */
  readonly dueNow: StoredWinner[];
  /** Winners whose params (or a lower winner's) are still open, and when the first falls due. */
  readonly notDue: StoredWinner[];
  readonly dueAt: bigint | undefined;
  /** Winners held back although due (the sender cannot pay the first now), with the reason. */
  readonly held: StoredWinner[];
  readonly heldReason: string | undefined;
  /** Winners that can never be redeemed (at or below the redeemed mark, expired, ...). */
  readonly dead: StoredWinner[];
  readonly deadReason: string | undefined;
}

/**
 * Reads, without writing anything, what a redemption run ({@link Redeemer.redeemDue}) would do
 * with `recipient`'s pending winners now. The rules are the library's ({@link planRedemption}
 * over {@link loadChainState}), the same plan the `Redeemer` and the redeemer daemon act on;
 * this only regroups it per sender for display. `due` is the plan's send order, which the
 * `Redeemer` cuts into batches.
 */
export async function readRedemptionPlan(options: {
  recipient: `0x${string}`;
  winners: readonly StoredWinner[];
  reader: BrokerReader;
  /** For winners stored without `redeemableAt`: the recipient's grace period. */
  graceSeconds: bigint;
}): Promise<{ now: bigint; due: StoredWinner[]; senders: SenderPlan[] }> {
  const { recipient, reader, graceSeconds } = options;
  // As the Redeemer does: only this recipient's pending winners are planned.
  const winners = options.winners.filter(
    (w) => w.status === "pending" && w.ticket.recipient.toLowerCase() === recipient.toLowerCase(),
  ) as PlanWinner[];
  if (winners.length === 0) return { now: await reader.now(), due: [], senders: [] };
  const { now, chain } = await loadChainState({ reader, recipient, winners });
  const plan = planRedemption({ recipient, winners, chain, now, graceSeconds });
  return { now, due: plan.due.map((d) => d.winner), senders: bySender(winners, plan) };
}

interface MutableSenderPlan {
  sender: `0x${string}`;
  dueNow: StoredWinner[];
  notDue: StoredWinner[];
  dueAt: bigint | undefined;
  held: StoredWinner[];
  heldReason: string | undefined;
  dead: StoredWinner[];
  deadReason: string | undefined;
  /** The sender's first winner that stopped the walk was blocked (else: not yet redeemable). */
  blocked: boolean;
}

/** Regroups a plan per sender (senders in the order of their lowest nonce's first appearance). */
function bySender(winners: readonly PlanWinner[], plan: RedemptionPlan): SenderPlan[] {
  const out = new Map<string, MutableSenderPlan>();
  const of = (w: StoredWinner): MutableSenderPlan => {
    const key = w.ticket.sender.toLowerCase();
    let p = out.get(key);
    if (p === undefined) {
      p = {
        sender: w.ticket.sender,
        dueNow: [],
        notDue: [],
        dueAt: undefined,
        held: [],
        heldReason: undefined,
        dead: [],
        deadReason: undefined,
        blocked: false,
      };
      out.set(key, p);
    }
    return p;
  };
  for (const w of [...winners].sort(byNonce)) of(w);
  for (const { winner, error } of plan.unredeemable) {
    const p = of(winner);
    p.dead.push(winner);
    p.deadReason = reason(error);
  }
  for (const { winner } of plan.due) of(winner).dueNow.push(winner);
  for (const { winner, error } of plan.blocked) {
    const p = of(winner);
    p.blocked = true;
    p.held.push(winner);
    p.heldReason = reason(error);
  }
  for (const { winner, reason: why, until } of plan.waiting) {
    const p = of(winner);
    if (why === "notYetRedeemable") {
      p.notDue.push(winner);
      if (until !== undefined && (p.dueAt === undefined || until < p.dueAt)) p.dueAt = until;
    } else if (why === "senderInFlight") {
      p.held.push(winner);
      p.heldReason = "a redemption of this sender is in flight";
    } else if (p.blocked) {
      p.held.push(winner);
    } else {
      p.notDue.push(winner);
    }
  }
  const senders: SenderPlan[] = [];
  for (const { blocked: _blocked, ...p } of out.values()) {
    for (const list of [p.dueNow, p.notDue, p.held, p.dead]) list.sort(byNonce);
    senders.push(p);
  }
  return senders;
}

function reason(error: TicketBrokerContractError): string {
  return `${error.code}: ${error.message}`;
}

function byNonce(a: StoredWinner, b: StoredWinner): number {
  const x = a.ticket.senderNonce;
  const y = b.ticket.senderNonce;
  return x < y ? -1 : x > y ? 1 : 0;
}
