import { Rational } from "../math/rational.js";
import { InvalidSessionConfigError } from "../pricing/errors.js";
import { sessionKey, type SessionId } from "./sessionKey.js";

/** A read-only view of a session balance and its running totals, all exact (wei). */
export interface SessionTotals {
  /** Σ credits − Σ debits. Negative when the recipient did work on credit (within tolerance). */
  readonly balance: Rational;
  /** Σ EV of the tickets credited. */
  readonly credited: Rational;
  /** Σ fees debited. */
  readonly debited: Rational;
}

/**
 * The exact balance of one session, shared by the sender and the recipient sides: credits are
 * ticket EVs, debits are fees. `balance === credited − debited` always holds; nothing is rounded.
 * Use it through {@link SenderSession} or {@link RecipientSession}.
 *
 * @example
 * ```ts
 * const s = new SenderSession({ sender, recipient, paramsId, faceValue, winProb, maxTotalEV });
 * s.credited.sub(s.debited).equals(s.balance); // always true
 * ```
 */
export class SessionLedger implements SessionTotals, SessionId {
  readonly sender: string;
  readonly recipient: string;
  readonly paramsId: string;
  /** The map key of this session, see {@link sessionKey}. */
  readonly key: string;
  private creditedTotal: Rational = Rational.ZERO;
  private debitedTotal: Rational = Rational.ZERO;

  constructor(id: SessionId) {
    this.key = sessionKey(id);
    this.sender = id.sender;
    this.recipient = id.recipient;
    this.paramsId = id.paramsId;
  }

  get balance(): Rational {
    return this.creditedTotal.sub(this.debitedTotal);
  }

  get credited(): Rational {
    return this.creditedTotal;
  }

  get debited(): Rational {
    return this.debitedTotal;
  }

  protected addCredit(amount: Rational): void {
    this.creditedTotal = this.creditedTotal.add(nonNegative(amount, "credit"));
  }

  protected addDebit(amount: Rational): void {
    this.debitedTotal = this.debitedTotal.add(nonNegative(amount, "debit"));
  }
}

/** Checks that an amount of wei is ≥ 0. */
export function nonNegative(amount: Rational | bigint, name: string): Rational {
  const r = Rational.from(amount);
  if (r.cmp(0n) < 0) {
    throw new InvalidSessionConfigError(`A session ${name} must be ≥ 0 wei, got ${r.toString()}`, {
      details: { [name]: r.toString() },
      hint: "Pass fees and EVs as non-negative wei amounts.",
    });
  }
  return r;
}
