import { TicketBrokerError } from "../errors.js";

/**
 * A price, price setting or pixels-per-unit value is malformed or out of range.
 *
 * @example
 * ```ts
 * try {
 *   parsePricePerUnit("4.1e-13USD");
 * } catch (err) {
 *   if (err instanceof InvalidPriceError) console.error(err.hint); // shows the accepted forms
 * }
 * ```
 */
export class InvalidPriceError extends TicketBrokerError {}

/** Two prices (or a price and a piece of work) are for different units, e.g. pixels and seconds. */
export class PriceUnitMismatchError extends TicketBrokerError {}

/** A price is in a currency that needs a price feed, and no feed for that currency was given. */
export class MissingPriceFeedError extends TicketBrokerError {}

/** A price feed's pair does not have ETH on one side and the expected currency on the other. */
export class PriceFeedPairError extends TicketBrokerError {}

/** A price feed reports a different number of decimals from the configured one. */
export class PriceFeedDecimalsError extends TicketBrokerError {}

/** A price feed's latest answer is older than the configured maximum age (or incomplete). */
export class StalePriceFeedError extends TicketBrokerError {}

/** A price feed's latest answer is zero or negative. */
export class NonPositivePriceFeedAnswerError extends TicketBrokerError {}

/** Reading a price feed failed (RPC error, not a contract, wrong ABI). */
export class PriceFeedReadError extends TicketBrokerError {}

/** A price feed has not produced an answer yet: call `refresh()` first. */
export class PriceFeedNotReadyError extends TicketBrokerError {}

/** An output profile, duration or frame rate passed to fee estimation is invalid. */
export class InvalidFeeInputError extends TicketBrokerError {}

/** A session was configured with invalid values (EV, limits, tolerance, price factor). */
export class InvalidSessionConfigError extends TicketBrokerError {}

/** The recipient refuses work: its fee would take the session balance below the tolerance. */
export class InsufficientSessionBalanceError extends TicketBrokerError {}

/** The recipient refuses a payment: the sender's price moved too far from the session's start. */
export class SessionPriceChangedError extends TicketBrokerError {}
