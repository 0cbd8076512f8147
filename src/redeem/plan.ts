/**
 * The redemption plan: which of a recipient's winners can never pay, which to send now, which
 * wait and which are held back by a winner the sender cannot pay yet. Pure: it reads no chain
 * and no store, so every rule is testable with plain values. It builds the contract's own error
 * classes and uses the library's funds check ({@link checkTicketFunds}), so a winner the plan
 * refuses is refused for the same reason, with the same class, as the broker would.
 */
import type { SenderFunds } from "../chain/brokerReader.js";
import {
  TicketBrokerCallerNotRecipient,
  TicketBrokerContractError,
  TicketBrokerTicketNotWinning,
  TicketBrokerNonceAlreadyRedeemed,
  TicketBrokerNonceTooLarge,
  TicketBrokerTicketExpired,
  TicketBrokerUnauthorizedSigner,
} from "../contract/contractErrors.js";
import { TicketBrokerError } from "../errors.js";
import {
  assertAddress,
  assertArray,
  assertBigint,
  assertHasMethods,
  assertObject,
  assertWinningTicket,
} from "../ticket/inputs.js";
import { MAX_UINT96, hexToBytes, type Hex } from "../internal/bytes.js";
import { recoverTicketSigner } from "../ticket/recoverTicketSigner.js";
import { DEFAULT_GRACE_SECONDS } from "../recipient/defaults.js";
import type { StoredWinner, WinningTicket } from "../recipient/winnerStore.js";
import type { TicketHasher } from "../ticket/ticketDigest.js";
import { checkTicketFunds, validateTicket } from "../ticket/validateTicket.js";

/** A winner as the plan sees it: the stored winner, its state, and when it becomes redeemable. */
export interface PlanWinner extends StoredWinner {
  /**
   * When the params the winner used close (params deadline + the recipient's grace period, Unix
   * seconds): after it no lower nonce of the sender can still arrive, so the winner may be
   * redeemed once the chain time is past it. Written by the recipient with the winner; when
   * absent the plan computes `paramsDeadline + graceSeconds`.
   */
  readonly redeemableAt?: bigint;
}

/** What the broker says about one sender, read for the plan. */
export interface SenderChainState {
  /** Deposit, reserve and unlock end (getSenderInfo). */
  readonly funds: SenderFunds;
  /** claimableReserve(sender, recipient): this recipient's reserve allocation this round. */
  readonly claimable: bigint;
  /** highestRedeemedNonce(sender, recipient). */
  readonly highestRedeemedNonce: bigint;
  /**
   * signerValidUntil(sender, signer) by lowercase signer address, for every delegated signer of
   * the sender's winners (see {@link delegatedSigners}). A signer missing here counts as never
   * authorised (0).
   */
  readonly signerValidUntil: ReadonlyMap<string, bigint>;
}

/** A winner to send now, with the last second it can still be paid. */
export interface DueWinner {
  readonly winner: PlanWinner;
  /**
   * The last chain second at which this winner can be paid: the earliest of its expiry, the
   * second before the sender's unlock completes, and its delegated signer's validUntil.
   */
  readonly payableUntil: bigint;
  /** Wei of the face value that would come from the sender's reserve. */
  readonly fromReserve: bigint;
}

/** Why a due-looking winner is not sent yet. */
export type WaitingReason =
  /** Its params (or the recipient's grace period) are still open. */
  | "notYetRedeemable"
  /** A lower nonce of the same sender is not yet redeemable or blocked. */
  | "behindLowerNonce"
  /** A transaction in flight carries winners of the same sender; its outcome comes first. */
  | "senderInFlight";

/** The plan for one set of winners. */
export interface RedemptionPlan {
  /** Winners nothing can make pay, with the contract's error for them. */
  readonly unredeemable: readonly { winner: PlanWinner; error: TicketBrokerContractError }[];
  /** Winners to send now, per sender in ascending nonce order, senders by earliest deadline. */
  readonly due: readonly DueWinner[];
  /**
   * The first winner of each sender that the sender cannot pay now but may pay later (it funds
   * more, relocks, or authorises its signer again). Nothing above it is sent: a higher nonce
   * redeemed first would void it.
   */
  readonly blocked: readonly { winner: PlanWinner; error: TicketBrokerContractError }[];
  /** Winners that wait, with the reason and, when known, the time they become redeemable. */
  readonly waiting: readonly { winner: PlanWinner; reason: WaitingReason; until?: bigint }[];
}

/** The chain state for a sender the plan was not given. */
export class RedemptionPlanMissingStateError extends TicketBrokerError {}

/** Whether a contract error can never pass later for this ticket (else: the sender can fix it). */
export function isPermanentRedemptionError(error: TicketBrokerError): boolean {
  assertObject(error, "error");
  // Anything without a contract error's code (a raw provider error) may pass on a retry.
  const code: unknown = error.code;
  return typeof code === "string" && PERMANENT.has(code);
}

/**
 * Contract errors after which a ticket can never be redeemed, whatever happens later. Not here,
 * because the sender can still make them pass before the ticket expires: insufficient funds,
 * a completed unlock (it relocks by funding or cancelUnlock), an unauthorised signer (it
 * authorises the key again), and a ticket skipped behind an unpaid one in a batch.
 */
const PERMANENT = new Set([
  "TicketBrokerNonceAlreadyRedeemed",
  "TicketBrokerTicketExpired",
  "TicketBrokerRandMismatch",
  "TicketBrokerInvalidSignature",
  "TicketBrokerTicketNotWinning",
  "TicketBrokerCallerNotRecipient",
  "TicketBrokerNonceTooLarge",
]);

/** The signer that signed a winner (the sender itself or a delegate), checksummed. */
export function winnerSigner(winner: WinningTicket): Hex {
  assertWinningTicket(winner, "winner", { checksum: false });
  const digest = hexToBytes(winner.digest, 32);
  if (digest === undefined) return winner.ticket.sender;
  try {
    return recoverTicketSigner(digest, winner.signature);
  } catch {
    // A signature that does not recover fails on chain as InvalidSignature; the sender stands in.
    return winner.ticket.sender;
  }
}

/**
 * The delegated signers (not the sender itself) of the winners, by lowercase sender: the
 * addresses whose `signerValidUntil` the caller reads for {@link SenderChainState}.
 */
export function delegatedSigners(winners: readonly WinningTicket[]): Map<string, Set<string>> {
  assertArray(winners, "winners");
  const out = new Map<string, Set<string>>();
  for (const w of winners) {
    const signer = winnerSigner(w).toLowerCase();
    const sender = w.ticket.sender.toLowerCase();
    if (signer === sender) continue;
    const set = out.get(sender) ?? new Set<string>();
    set.add(signer);
    out.set(sender, set);
  }
  return out;
}

/**
 * Plans the redemption of `recipient`'s winners at chain time `now`.
 *
 * Per sender, in ascending nonce order, each pending winner is
 * - **unredeemable** when nothing can make it pay: not made out to `recipient`, its nonce at or
 *   below the broker's redeemed mark, expired, or a nonce above 2^96 − 1;
 * - **waiting** while its params are open (`now <= redeemableAt`), and so is every higher
 *   nonce of the sender, since a lower nonce may still arrive; every winner of a sender waits
 *   while a winner of that sender is `submitted` (its outcome decides the broker's mark);
 * - **blocked** when the sender cannot pay it now: its unlock completed, its delegated signer's
 *   validity passed, or the deposit + reserve allocation left after the earlier due winners do
 *   not cover it ({@link checkTicketFunds}); the higher nonces wait behind it;
 * - **due** otherwise, with the funds it uses subtracted from what the sender can still pay.
 *
 * @example
 * ```ts
 * const plan = planRedemption({ recipient, winners, chain, now, graceSeconds: 60n });
 * for (const { winner } of plan.due) console.log(winner.ticket.senderNonce);
 * ```
 */
export function planRedemption(args: {
  /** The redeeming recipient. */
  recipient: Hex;
  /** Winners in any order and state; only `pending` ones are planned. */
  winners: readonly PlanWinner[];
  /** Chain state by lowercase sender address, for every sender with a pending winner. */
  chain: ReadonlyMap<string, SenderChainState>;
  /** Chain time (latest block timestamp), Unix seconds. */
  now: bigint;
  /** Used only for winners without `redeemableAt`: the recipient's grace period (default {@link DEFAULT_GRACE_SECONDS}). */
  graceSeconds?: bigint;
  /**
   * The broker's EIP-712 hasher. With it, each due-looking winner also passes
   * {@link validateTicket} (rand commitment, signature, the draw): a winner the broker would
   * refuse for those is unredeemable before any gas is spent on it.
   */
  hasher?: TicketHasher;
}): RedemptionPlan {
  assertObject(args, "planRedemption arguments");
  assertAddress(args.recipient, "recipient");
  assertArray(args.winners, "winners");
  args.winners.forEach((w, i) => assertWinningTicket(w, `winners[${i}]`, { checksum: false }));
  assertHasMethods(args.chain, "chain", ["get"]);
  assertBigint(args.now, "now");
  if (args.graceSeconds !== undefined) assertBigint(args.graceSeconds, "graceSeconds");
  if (args.hasher !== undefined) assertHasMethods(args.hasher, "hasher", ["digestBuffer"]);
  const { recipient, now } = args;
  const grace = args.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  const unredeemable: { winner: PlanWinner; error: TicketBrokerContractError }[] = [];
  const blocked: { winner: PlanWinner; error: TicketBrokerContractError }[] = [];
  const waiting: { winner: PlanWinner; reason: WaitingReason; until?: bigint }[] = [];
  const dueBySender: DueWinner[][] = [];

  const bySender = new Map<string, PlanWinner[]>();
  for (const w of args.winners) {
    if (stateOf(w) !== "pending" && stateOf(w) !== "submitted") continue;
    const key = w.ticket.sender.toLowerCase();
    const list = bySender.get(key) ?? [];
    list.push(w);
    bySender.set(key, list);
  }

  for (const [sender, list] of bySender) {
    list.sort((a, b) => compareBigint(a.ticket.senderNonce, b.ticket.senderNonce));
    if (!list.some((w) => stateOf(w) === "pending")) continue;
    const state = args.chain.get(sender);
    if (state === undefined) {
      throw new RedemptionPlanMissingStateError(`No chain state for sender ${sender}`, {
        details: { sender },
        hint: "Read getSenderInfo, claimableReserve, highestRedeemedNonce and signerValidUntil for every sender with a pending winner (loadChainState does).",
      });
    }
    let deposit = state.funds.deposit;
    let claimable = state.claimable;
    const { unlockEnd } = state.funds;
    const due: DueWinner[] = [];
    // A transaction in flight decides the sender's redeemed mark and funds: nothing moves
    // until it is settled.
    let held: WaitingReason | undefined = list.some((w) => stateOf(w) === "submitted")
      ? "senderInFlight"
      : undefined;
    for (const w of list) {
      if (stateOf(w) === "submitted") continue;
      const t = w.ticket;
      const dead = permanentError(w, recipient, state.highestRedeemedNonce, now);
      if (dead !== undefined) {
        unredeemable.push({ winner: w, error: dead });
        continue;
      }
      if (held !== undefined) {
        waiting.push({ winner: w, reason: held });
        continue;
      }
      const opensAfter = w.redeemableAt ?? w.paramsDeadline + grace;
      if (now <= opensAfter) {
        waiting.push({ winner: w, reason: "notYetRedeemable", until: opensAfter + 1n });
        held = "behindLowerNonce";
        continue;
      }
      let payableUntil = t.expiry;
      const signer = winnerSigner(w);
      if (signer.toLowerCase() !== sender) {
        const validUntil = state.signerValidUntil.get(signer.toLowerCase()) ?? 0n;
        if (now > validUntil) {
          blocked.push({
            winner: w,
            error: new TicketBrokerUnauthorizedSigner({ sender: t.sender, signer }),
          });
          held = "behindLowerNonce";
          continue;
        }
        if (validUntil < payableUntil) payableUntil = validUntil;
      }
      if (args.hasher !== undefined) {
        const refused = validationError(w, args.hasher, recipient, state, now);
        if (refused !== undefined) {
          unredeemable.push({ winner: w, error: refused });
          continue;
        }
      }
      if (unlockEnd !== 0n && unlockEnd - 1n < payableUntil) payableUntil = unlockEnd - 1n;
      let fromReserve: bigint;
      try {
        ({ fromReserve } = checkTicketFunds({
          ticket: t,
          now,
          deposit,
          reserveAllocation: claimable,
          unlockEnd,
        }));
      } catch (err) {
        blocked.push({ winner: w, error: err as TicketBrokerContractError });
        held = "behindLowerNonce";
        continue;
      }
      // As the broker settles: the deposit pays first, then the reserve allocation.
      if (fromReserve === 0n) {
        deposit -= t.faceValue;
      } else {
        deposit = 0n;
        claimable -= fromReserve;
      }
      due.push({ winner: w, payableUntil, fromReserve });
    }
    if (due.length > 0) dueBySender.push(due);
  }

  // Senders whose winners must be paid soonest come first; each keeps its nonce order.
  dueBySender.sort((a, b) => compareBigint(earliest(a), earliest(b)));
  return { unredeemable, due: dueBySender.flat(), blocked, waiting };
}

/** A winner's redemption state: durable stores keep `state`, plain ones only `status`. */
export function stateOf(w: StoredWinner): "pending" | "submitted" | "redeemed" | "unredeemable" {
  return w.state ?? w.status;
}

/** The contract error validateTicket finds for a winner (permanent ones only), or undefined. */
function validationError(
  w: PlanWinner,
  hasher: TicketHasher,
  recipient: Hex,
  state: SenderChainState,
  now: bigint,
): TicketBrokerContractError | undefined {
  try {
    const { won } = validateTicket({
      signed: { ticket: w.ticket, signature: w.signature },
      hasher,
      recipientRand: w.recipientRand,
      now,
      caller: recipient,
      highestRedeemedNonce: state.highestRedeemedNonce,
      // The signer's validity was checked above; here only the signature itself counts.
      signerValidUntil: () => now,
    });
    if (!won)
      return new TicketBrokerTicketNotWinning({ digest: w.digest, winProb: w.ticket.winProb });
    return undefined;
  } catch (err) {
    if (err instanceof TicketBrokerContractError && isPermanentRedemptionError(err)) return err;
    // Anything else (a malformed field) is left for the broker to judge.
    return undefined;
  }
}

function earliest(list: readonly DueWinner[]): bigint {
  let min = list[0]?.payableUntil ?? 0n;
  for (const d of list) if (d.payableUntil < min) min = d.payableUntil;
  return min;
}

function permanentError(
  w: PlanWinner,
  recipient: Hex,
  highest: bigint,
  now: bigint,
): TicketBrokerContractError | undefined {
  const t = w.ticket;
  if (t.recipient.toLowerCase() !== recipient.toLowerCase()) {
    return new TicketBrokerCallerNotRecipient({ caller: recipient, recipient: t.recipient });
  }
  if (now > t.expiry) return new TicketBrokerTicketExpired({ expiry: t.expiry, timestamp: now });
  if (t.senderNonce <= highest) {
    return new TicketBrokerNonceAlreadyRedeemed({
      sender: t.sender,
      recipient: t.recipient,
      senderNonce: t.senderNonce,
      highestRedeemedNonce: highest,
    });
  }
  if (t.senderNonce > MAX_UINT96)
    return new TicketBrokerNonceTooLarge({ senderNonce: t.senderNonce });
  return undefined;
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
