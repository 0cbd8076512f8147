import { TicketBrokerError } from "../errors.js";

/**
 * Errors of the sender (gateway) flow. Each names the rule that refused the params or the
 * payment; `details` carries the values compared and `hint` says what to do.
 *
 * @example
 * ```ts
 * try {
 *   validateTicketParams({ params, ... });
 * } catch (err) {
 *   if (err instanceof TicketParamsExpiredError) params = await requestNewParams();
 * }
 * ```
 */
export class TicketParamsExpiredError extends TicketBrokerError {}

/** The params' EV is not below their face value (winProb too close to 2^256, or face value 0). */
export class TicketParamsEVNotBelowFaceValueError extends TicketBrokerError {}

/** The params' EV per ticket is above the sender's `maxTicketEV`. */
export class TicketParamsEVTooHighError extends TicketBrokerError {}

/** The params' face value is above the sender's deposit / `depositMultiplier`. */
export class TicketParamsFaceValueTooHighError extends TicketBrokerError {}

/** The sender's own unlock ends before the tickets expire, so they could not be redeemed. */
export class TicketParamsSenderUnlockingError extends TicketBrokerError {}

/** The params are for another chain, broker, sender or are internally inconsistent. */
export class TicketParamsMismatchError extends TicketBrokerError {}

/** A payment would need tickets whose summed EV exceeds the sender's `maxTotalEV`. */
export class PaymentEVTooHighError extends TicketBrokerError {}

/** A nonce store could not reserve nonces (exhausted range, bad directory, bad configuration). */
export class NonceStoreError extends TicketBrokerError {}

/** A payment amount is not a positive bigint or Rational (wei): nothing is signed for it. */
export class InvalidPaymentAmountError extends TicketBrokerError {}
