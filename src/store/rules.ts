import { Rational } from "../math/rational.js";
import {
  IdempotencyConflictError,
  InvalidStoreArgumentError,
  SessionOverdrawnError,
  SpendLimitReachedError,
} from "./errors.js";
import type { PaymentRecord, SpendLimit } from "./types.js";

/** Checks that a session amount is ≥ 0 (credits and debits only ever add to their totals). */
export function checkAmount(amount: Rational, name: "amount" | "tolerance"): Rational {
  if (amount.cmp(0n) < 0) {
    throw new InvalidStoreArgumentError(`A session ${name} must be ≥ 0 wei`, {
      details: { [name]: amount.toString() },
      hint: "Pass credits, debits and tolerances as non-negative wei amounts.",
    });
  }
  return amount;
}

/** Throws {@link SessionOverdrawnError} when balance − amount < −tolerance. */
export function checkDebit(
  sessionId: string,
  balance: Rational,
  amount: Rational,
  tolerance: Rational,
): Rational {
  const after = balance.sub(amount);
  if (after.add(tolerance).cmp(0n) < 0) {
    throw new SessionOverdrawnError("The session's credit does not cover this debit", {
      details: {
        sessionId,
        balance: balance.toString(),
        amount: amount.toString(),
        tolerance: tolerance.toString(),
      },
      hint: "Stop the work or ask the payer for more tickets before debiting again.",
    });
  }
  return after;
}

/** The idempotency verdict for a stored record and a new one with the same key. */
export function replayOrConflict(
  stored: PaymentRecord,
  rec: PaymentRecord,
): { replayed: true; record: PaymentRecord } {
  if (stored.requestHash !== rec.requestHash) {
    throw new IdempotencyConflictError(
      "This idempotency key was already used for a different request",
      {
        details: {
          idempotencyKey: rec.idempotencyKey,
          clientId: rec.clientId,
          storedRequestHash: stored.requestHash,
          requestHash: rec.requestHash,
        },
        hint: "Use a fresh idempotency key for a new request; reuse a key only to retry the same request.",
      },
    );
  }
  return { replayed: true, record: stored };
}

/** Rational as stored: numerator and denominator as decimal text. */
export function rationalFromText(num: string, den: string): Rational {
  return Rational.of(BigInt(num), BigInt(den));
}

/** Width of a zero-padded nonce: 2^96 has 29 decimal digits, so text order is number order. */
export const NONCE_TEXT_WIDTH = 30;

/** A non-negative bigint as fixed-width text whose string order is its numeric order. */
export function padNonce(n: bigint): string {
  if (n < 0n) {
    throw new InvalidStoreArgumentError("A nonce must be ≥ 0", {
      details: { nonce: n },
      hint: "Pass the ticket's senderNonce (an unsigned integer).",
    });
  }
  const s = n.toString();
  if (s.length > NONCE_TEXT_WIDTH) {
    throw new InvalidStoreArgumentError("A nonce is too large to store", {
      details: { nonce: n },
      hint: "Sender nonces are below 2^96; refuse this value.",
    });
  }
  return s.padStart(NONCE_TEXT_WIDTH, "0");
}

/**
 * Throws {@link SpendLimitReachedError} if `rec` would take its client past `limit`, given what
 * the client has `spent` since `limit.since` (the same rule in every backend).
 */
export function checkSpendLimit(rec: PaymentRecord, spent: bigint, limit: SpendLimit): void {
  if (spent + rec.evWei <= limit.limitWei) return;
  throw new SpendLimitReachedError("The payment would take the client past its spend limit", {
    details: {
      clientId: rec.clientId,
      spentWei: spent,
      evWei: rec.evWei,
      limitWei: limit.limitWei,
      since: limit.since,
    },
    hint: "Wait for the window to move on (older payments leave it), or raise the client's limit.",
  });
}
