/**
 * The public surface of the off-chain library. Everything a gateway (sender) or orchestrator
 * (recipient) service needs is exported from here and nowhere else.
 */
export { TicketBrokerError } from "./errors.js";
export { Rational, InvalidRationalError } from "./rational.js";
