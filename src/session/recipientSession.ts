import { ticketEV } from "../ticket/ev.js";
import { Rational } from "../math/rational.js";
import {
  InsufficientSessionBalanceError,
  InvalidSessionConfigError,
  SessionPriceChangedError,
} from "../pricing/errors.js";
import { checkPrice, formatPrice, type Price } from "../pricing/price.js";
import type { ReceivedTicket } from "../recipient/recipient.js";
import type { TicketParams } from "../ticket/ticketParams.js";
import type { SignedTicket } from "../ticket/ticketTypes.js";
import { sessionIdForParams, sessionKey, type SessionId } from "./sessionKey.js";
import { SessionLedger, nonNegative } from "./sessionLedger.js";

/**
 * Default tolerance for a price change within one session: the sender's price may move up to 2×
 * up or down from the price the session started with (a currency price follows its feed).
 */
export const DEFAULT_MAX_PRICE_CHANGE_FACTOR: Rational = Rational.of(2n);

/** Options of {@link RecipientSession}. */
export interface RecipientSessionOptions extends SessionId {
  /** The price agreed when the session started. */
  startPrice: Price;
  /**
   * Refuse a payment whose price is above startPrice × factor or below startPrice / factor
   * (default {@link DEFAULT_MAX_PRICE_CHANGE_FACTOR}); ≥ 1.
   */
  maxPriceChangeFactor?: Rational | bigint;
  /** How far below zero (wei) the balance may go after a fee is debited (default 0). */
  tolerance?: Rational | bigint;
}

/** What {@link RecipientSession.receive} needs from the recipient: `Recipient` fits. */
export interface TicketReceiver {
  receiveTicket(args: { signed: SignedTicket; params: TicketParams }): Promise<ReceivedTicket>;
}

/** The outcome of {@link RecipientSession.receive}. */
export interface ReceivedPayment {
  /** Summed EV of the accepted tickets, credited to the session (wei, exact). */
  readonly credited: Rational;
  /** The accepted tickets, in payment order, as `receiveTicket` returned them. */
  readonly accepted: readonly (ReceivedTicket & { readonly index: number })[];
  /** The refused tickets, with the error each one broke (nothing is credited for them). */
  readonly refused: readonly { readonly index: number; readonly error: unknown }[];
}

/** A ticket as the recipient credits it. */
export interface CreditedTicket {
  readonly faceValue: bigint;
  /** probability × 2^256. */
  readonly winProb: bigint;
}

/**
 * The recipient's (orchestrator's) balance with one sender for one set of ticket params: it
 * credits the exact EV of each valid ticket received and debits the actual fee once the work is
 * done. It refuses a payment priced too far from the session's start price
 * ({@link SessionPriceChangedError}) and refuses work whose fee would take the balance below
 * −tolerance ({@link InsufficientSessionBalanceError}); a refusal changes nothing.
 *
 * @example
 * ```ts
 * const r = new RecipientSession({ sender, recipient, paramsId, startPrice: price, tolerance: 0n });
 * r.receivePayment({ tickets, price: paymentPrice }); // after validating each ticket
 * r.assertCanCharge({ fee: estimatedFee });           // before doing the work
 * r.charge({ fee: actualFee });                       // after the work, the exact actual fee
 * ```
 */
export class RecipientSession extends SessionLedger {
  /**
   * The session for `params`, keyed by the params themselves ({@link sessionIdForParams}).
   *
   * @example
   * ```ts
   * const session = RecipientSession.forParams({ params, startPrice: price });
   * ```
   */
  static forParams(
    options: Omit<RecipientSessionOptions, keyof SessionId> & { params: TicketParams },
  ): RecipientSession {
    const { params, ...rest } = options;
    return new RecipientSession({ ...rest, ...sessionIdForParams(params) });
  }

  readonly startPrice: Price;
  readonly maxPriceChangeFactor: Rational;
  readonly tolerance: Rational;

  constructor(options: RecipientSessionOptions) {
    super(options);
    checkPrice(options.startPrice, "startPrice");
    this.startPrice = options.startPrice;
    this.maxPriceChangeFactor = Rational.from(
      options.maxPriceChangeFactor ?? DEFAULT_MAX_PRICE_CHANGE_FACTOR,
    );
    this.tolerance = nonNegative(options.tolerance ?? 0n, "tolerance");
    if (this.maxPriceChangeFactor.cmp(1n) < 0) {
      throw new InvalidSessionConfigError("maxPriceChangeFactor must be ≥ 1", {
        details: { maxPriceChangeFactor: this.maxPriceChangeFactor.toString() },
        hint: "Use 1 to refuse any price change, 2 to allow halving or doubling.",
      });
    }
  }

  /** Whether a payment at `price` is within the allowed change from the start price. */
  acceptsPrice(price: Price): boolean {
    const start = this.startPrice.weiPerUnit;
    const now = price.weiPerUnit;
    return (
      price.unit === this.startPrice.unit &&
      now.cmp(start.mul(this.maxPriceChangeFactor)) <= 0 &&
      now.mul(this.maxPriceChangeFactor).cmp(start) >= 0
    );
  }

  /**
   * Credits the EV of `tickets` (already validated) for a payment made at `price`. Prefer
   * {@link RecipientSession.receive}, which credits only the tickets the recipient accepted and
   * reuses the EV it computed. Refuses the
   * whole payment, crediting nothing, when the price moved more than `maxPriceChangeFactor`.
   * Returns the EV credited.
   */
  receivePayment({
    tickets,
    price,
  }: {
    tickets: readonly CreditedTicket[];
    price: Price;
  }): Rational {
    this.#checkPrice(price);
    let total = Rational.ZERO;
    for (const ticket of tickets) total = total.add(ticketEV(ticket.faceValue, ticket.winProb));
    this.addCredit(total);
    return total;
  }

  /**
   * Receives a payment and credits exactly what the recipient accepted: checks the price first
   * (a refused price receives and credits nothing), passes each ticket to
   * `recipient.receiveTicket`, and credits the sum of the EVs it returned for the tickets it
   * accepted. A refused ticket is reported in `refused` and credits nothing; the others stand.
   * Throws {@link InvalidSessionConfigError} for params of another session.
   *
   * @example
   * ```ts
   * const { credited, refused } = await session.receive({ recipient, params, tickets, price });
   * ```
   */
  async receive(args: {
    recipient: TicketReceiver;
    params: TicketParams;
    tickets: readonly SignedTicket[];
    price: Price;
  }): Promise<ReceivedPayment> {
    const key = sessionKey(sessionIdForParams(args.params));
    if (key !== this.key) {
      throw new InvalidSessionConfigError("These ticket params belong to another session", {
        details: { session: this.key, params: key },
        hint: "Credit a payment to the session of the params it was made with (RecipientSession.forParams).",
      });
    }
    this.#checkPrice(args.price);
    const accepted: (ReceivedTicket & { index: number })[] = [];
    const refused: { index: number; error: unknown }[] = [];
    for (const [index, signed] of args.tickets.entries()) {
      try {
        accepted.push({
          ...(await args.recipient.receiveTicket({ signed, params: args.params })),
          index,
        });
      } catch (error) {
        refused.push({ index, error });
      }
    }
    const credited = this.creditAccepted({ received: accepted });
    return { credited, accepted, refused };
  }

  /**
   * Credits the EVs `receiveTicket` returned for accepted tickets, as they are (no EV is
   * computed again). For callers that drive `receiveTicket` themselves, after checking the price
   * with {@link acceptsPrice}. Returns the EV credited.
   */
  creditAccepted({ received }: { received: readonly ReceivedTicket[] }): Rational {
    let total = Rational.ZERO;
    for (const r of received) total = total.add(r.ev);
    this.addCredit(total);
    return total;
  }

  /** Throws {@link SessionPriceChangedError} unless {@link acceptsPrice}. */
  #checkPrice(price: Price): void {
    if (!this.acceptsPrice(price)) {
      throw new SessionPriceChangedError(
        `Payment price ${formatPrice(price)} is more than ${this.maxPriceChangeFactor.toString()}× away from the session's ${formatPrice(this.startPrice)}`,
        {
          details: {
            price: price.weiPerUnit.toString(),
            unit: price.unit,
            startPrice: this.startPrice.weiPerUnit.toString(),
            startUnit: this.startPrice.unit,
            maxPriceChangeFactor: this.maxPriceChangeFactor.toString(),
          },
          hint: "Start a new session at the current price (fetch fresh ticket params and price).",
        },
      );
    }
  }

  /** Whether the balance can pay `fee` without going below −tolerance. */
  canCharge({ fee }: { fee: Rational | bigint }): boolean {
    return this.balance.sub(nonNegative(fee, "fee")).cmp(this.tolerance.mul(-1n)) >= 0;
  }

  /** Throws {@link InsufficientSessionBalanceError} unless {@link canCharge}. */
  assertCanCharge({ fee }: { fee: Rational | bigint }): void {
    if (!this.canCharge({ fee })) {
      const amount = Rational.from(fee);
      throw new InsufficientSessionBalanceError(
        `Session balance ${this.balance.toString()} wei cannot pay a fee of ${amount.toString()} wei (tolerance ${this.tolerance.toString()} wei)`,
        {
          details: {
            balance: this.balance.toString(),
            fee: amount.toString(),
            tolerance: this.tolerance.toString(),
            shortfall: amount.sub(this.balance).sub(this.tolerance).toString(),
          },
          hint: "The sender must send more tickets before this work is done.",
        },
      );
    }
  }

  /** Debits the actual fee of finished work; refuses (changing nothing) beyond the tolerance. */
  charge({ fee }: { fee: Rational | bigint }): void {
    this.assertCanCharge({ fee });
    this.addDebit(Rational.from(fee));
  }
}
