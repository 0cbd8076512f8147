/**
 * The public surface of the off-chain library. Everything a gateway (sender) or orchestrator
 * (recipient) service needs is exported from here and nowhere else.
 */
export { TicketBrokerError } from "./errors.js";
export { Rational, InvalidRationalError } from "./rational.js";
export {
  WIN_PROB_SCALE,
  MAX_WIN_PROB,
  InvalidTicketValueError,
  ticketEV,
  winProbForEV,
  ticketCountFor,
} from "./ev.js";
