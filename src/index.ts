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
export {
  TICKET_EIP712_TYPES,
  TICKET_PRIMARY_TYPE,
  TICKET_DOMAIN_NAME,
  TICKET_DOMAIN_VERSION,
  TICKET_TYPE_STRING,
  TICKET_TYPEHASH,
  InvalidTicketFieldError,
  readTicketDomain,
  type Ticket,
  type TicketDomain,
  type SignedTicket,
  type Eip712DomainSource,
} from "./ticketTypes.js";
export { TicketHasher, ticketDigest } from "./ticketDigest.js";
export {
  RawKeyTicketSigner,
  EthersTicketSigner,
  TicketSignerError,
  type TicketSigner,
} from "./signTicket.js";
export { recoverTicketSigner } from "./recoverTicketSigner.js";
export { isWinningTicket, drawValue, recipientRandHash } from "./winDraw.js";
export {
  TicketBrokerContractError,
  TicketBrokerZeroValue,
  TicketBrokerValueMismatch,
  TicketBrokerZeroAddress,
  TicketBrokerAmountTooLarge,
  TicketBrokerNoFunds,
  TicketBrokerAlreadyUnlocking,
  TicketBrokerNotUnlocking,
  TicketBrokerUnlockPending,
  TicketBrokerCallerNotRecipient,
  TicketBrokerTicketExpired,
  TicketBrokerRandMismatch,
  TicketBrokerNonceAlreadyRedeemed,
  TicketBrokerNonceTooLarge,
  TicketBrokerInvalidSignature,
  TicketBrokerUnauthorizedSigner,
  TicketBrokerTicketNotWinning,
  TicketBrokerSenderUnlocked,
  TicketBrokerInsufficientFunds,
  TicketBrokerTransferFailed,
  TicketBrokerSignerNotAuthorized,
  TicketBrokerInvalidUnlockPeriod,
  TicketBrokerInvalidRoundLength,
  TicketBrokerInvalidRecipientPool,
  TicketBrokerUnknownRevert,
  BROKER_ERROR_SIGNATURES,
  decodeBrokerError,
  type BrokerErrorOptions,
} from "./contractErrors.js";
export {
  validateTicket,
  checkTicketFunds,
  type ValidateTicketInput,
  type ValidatedTicket,
  type TicketFundsInput,
} from "./validateTicket.js";
