import { ticketEV } from "../ticket/ev.js";
import { Rational } from "../math/rational.js";
import { InvalidSessionConfigError } from "../pricing/errors.js";
import { planPayment } from "../sender/createPayment.js";
import { checkTicketEV } from "../sender/validateTicketParams.js";
import type { TicketParams } from "../ticket/ticketParams.js";
import { sessionIdForParams, type SessionId } from "./sessionKey.js";
import { SessionLedger, nonNegative } from "./sessionLedger.js";

/** The tickets a sender must send with a piece of work. */
export interface PaymentPlan {
  /** How many tickets to send; 0 when the balance already covers the fee. */
  readonly ticketCount: bigint;
  /** ticketCount × ticket EV, exact. */
  readonly totalEV: Rational;
  /** The balance before the payment. */
  readonly balanceBefore: Rational;
  /** The balance after crediting the tickets (before the recipient debits the fee). */
  readonly balanceAfter: Rational;
}

/** Options of {@link SenderSession}. */
export interface SenderSessionOptions extends SessionId {
  /** Face value of the recipient's ticket params, in wei. */
  faceValue: bigint;
  /** Win probability of the recipient's ticket params (probability × 2^256). */
  winProb: bigint;
  /** The most EV one payment may carry (the sender's `maxTotalEV`), in wei. */
  maxTotalEV: Rational | bigint;
  /**
   * The most EV one ticket may carry (the sender's `maxTicketEV`), in wei; unchecked if omitted.
   * Above it the constructor throws `TicketParamsEVTooHighError`, as `validateTicketParams` does.
   */
  maxTicketEV?: Rational | bigint;
}

/**
 * The sender's (gateway's) balance with one recipient for one set of ticket params.
 *
 * A payment for a fee works like this, exactly (no floating point anywhere):
 * - if the balance already covers the fee, no ticket is sent (`ticketCount` 0): the credit left
 *   over from earlier over-payment pays for the work;
 * - otherwise ⌈(fee − balance) / EV⌉ tickets are sent (so at least one), and their EV is
 *   credited; any excess over the fee stays as credit for later work;
 * - a payment whose total EV would exceed `maxTotalEV` is refused with
 *   `PaymentEVTooHighError` and changes nothing (a total equal to the maximum is fine).
 *
 * When the recipient reports the actual fee of the work, {@link debitFee} it: both sides then hold
 * the same balance.
 *
 * With a `TicketSender`, plan once and credit only what was signed: ask {@link amountDue} for
 * the wei still owed, let `TicketSender.pay` turn it into tickets (count and EV computed there,
 * once), then {@link recordPayment} the payment it returned.
 *
 * ```ts
 * const session = SenderSession.forParams({ params, maxTotalEV });
 * const due = session.amountDue({ fee });
 * if (!due.isZero()) session.recordPayment(await gateway.pay({ params, amount: due, workId }));
 * ```
 *
 * @example
 * ```ts
 * const s = new SenderSession({ sender, recipient, paramsId, faceValue, winProb, maxTotalEV: 3n * 10n ** 12n });
 * const { ticketCount } = s.pay({ fee: estimate.fee }); // sign and send ticketCount tickets
 * // ... later, with the recipient's actual fee:
 * s.debitFee({ fee: actualFee });
 * ```
 */
export class SenderSession extends SessionLedger {
  /**
   * The session for `params`, keyed by the params themselves (see `sessionIdForParams`), with
   * their face value and win probability.
   */
  static forParams(
    options: Omit<SenderSessionOptions, keyof SessionId | "faceValue" | "winProb"> & {
      params: TicketParams;
    },
  ): SenderSession {
    const { params, ...rest } = options;
    return new SenderSession({
      ...rest,
      ...sessionIdForParams(params),
      faceValue: params.faceValue,
      winProb: params.winProb,
    });
  }

  /** EV of one ticket of these params, exact. */
  readonly ticketEV: Rational;
  readonly maxTotalEV: Rational;
  private readonly params: { faceValue: bigint; winProb: bigint };

  constructor(options: SenderSessionOptions) {
    super(options);
    this.ticketEV = ticketEV(options.faceValue, options.winProb);
    this.maxTotalEV = nonNegative(options.maxTotalEV, "maxTotalEV");
    this.params = { faceValue: options.faceValue, winProb: options.winProb };
    if (this.ticketEV.isZero()) {
      throw new InvalidSessionConfigError("Ticket params have zero EV", {
        details: { faceValue: options.faceValue, winProb: options.winProb },
        hint: "Ask the recipient for ticket params with a positive face value and win probability.",
      });
    }
    // The sender's rule, as validateTicketParams applies it (TicketParamsEVTooHighError).
    checkTicketEV({ ev: this.ticketEV, maxTicketEV: options.maxTicketEV });
  }

  /** The tickets a payment for `fee` needs, without changing the balance. */
  planPayment({ fee }: { fee: Rational | bigint }): PaymentPlan {
    const amount = nonNegative(fee, "fee");
    const balanceBefore = this.balance;
    if (balanceBefore.cmp(amount) >= 0) {
      return {
        ticketCount: 0n,
        totalEV: Rational.ZERO,
        balanceBefore,
        balanceAfter: balanceBefore,
      };
    }
    // The same planning (and maxTotalEV check) as every other payment the sender makes.
    const { count: ticketCount, totalEV } = planPayment({
      params: this.params,
      amount: amount.sub(balanceBefore),
      maxTotalEV: this.maxTotalEV,
    });
    return { ticketCount, totalEV, balanceBefore, balanceAfter: balanceBefore.add(totalEV) };
  }

  /**
   * Plans a payment for `fee` and credits the EV of its tickets before they exist; send exactly
   * `ticketCount`. Prefer {@link amountDue} with `TicketSender.pay` and {@link recordPayment}.
   */
  pay({ fee }: { fee: Rational | bigint }): PaymentPlan {
    const plan = this.planPayment({ fee });
    this.addCredit(plan.totalEV);
    return plan;
  }

  /**
   * The wei a payment for `fee` must still carry: fee − balance, or 0 when the balance already
   * covers it. Pass it as `amount` to `TicketSender.pay`, then {@link recordPayment}.
   */
  amountDue({ fee }: { fee: Rational | bigint }): Rational {
    const due = nonNegative(fee, "fee").sub(this.balance);
    return due.cmp(0n) > 0 ? due : Rational.ZERO;
  }

  /**
   * Credits a payment once its tickets are signed, with the total EV the payment computed.
   * Returns the new balance.
   */
  recordPayment(payment: { readonly totalEV: Rational }): Rational {
    this.addCredit(payment.totalEV);
    return this.balance;
  }

  /** Records the actual fee the recipient charged for the work (it may exceed the estimate). */
  debitFee({ fee }: { fee: Rational | bigint }): void {
    this.addDebit(nonNegative(fee, "fee"));
  }
}
