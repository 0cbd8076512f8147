/** Errors of the x402 "lottery" scheme, on the paying (client) and the paid (server) side. */
import { TicketBrokerError } from "../errors.js";

/** A lottery paywall was configured with values it cannot work with. */
export class LotteryPaywallConfigError extends TicketBrokerError {}

/**
 * The server refused a payment (server side: the reason of a 402; client side: the paid retry
 * was answered with a 402 again). `details.reason` is the scheme's error code
 * (docs/x402-lottery.md), `details.code` the library error behind it when there is one.
 */
export class LotteryPaymentRefusedError extends TicketBrokerError {
  /** The scheme's error code, e.g. `ticket_refused`, `insufficient_credit`. */
  get reason(): string {
    return this.details.reason as string;
  }
}

/** Client side: the server asks more per request than the client's ceiling (`maxPrice`). */
export class LotteryPriceAboveCeilingError extends TicketBrokerError {}

/**
 * Client side: the server charged more than the `amount` it advertised (and the client
 * accepted), or a handler asked to charge more than the route's maximum (server side).
 */
export class LotteryOverchargeError extends TicketBrokerError {}

/** Client side: a 402 or a PAYMENT-RESPONSE the client cannot read, or with no lottery offer. */
export class LotteryChallengeError extends TicketBrokerError {}

/**
 * Server side: a payment's tickets were accepted but their credit could not be written (the
 * session store failed). Their nonces were released: the client resends the same
 * PAYMENT-SIGNATURE (answered 503 with `credit_unavailable` and Retry-After) and is credited once.
 */
export class LotteryCreditUnavailableError extends TicketBrokerError {}
