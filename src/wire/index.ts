/**
 * The wire format: versioned JSON for params, tickets, payments and winners. Each message has a
 * TypeBox schema (the JSON Schema for validation and OpenAPI, and the TypeScript type of its JSON
 * shape) and an encode/decode pair. See docs/wire-format.md.
 */
export { WireDecodeError, WireVersionError, WireEncodeError } from "./errors.js";
export { WIRE_VERSION } from "./fields.js";
export {
  VersionSchema,
  TicketParamsSchema,
  encodeTicketParams,
  decodeTicketParams,
  type TicketParamsJson,
} from "./ticketParams.js";
export {
  TicketSchema,
  SignedTicketSchema,
  encodeSignedTicket,
  decodeSignedTicket,
  type TicketJson,
  type SignedTicketJson,
} from "./ticket.js";
export {
  MAX_TICKETS_PER_PAYMENT,
  PaymentSchema,
  encodePayment,
  decodePayment,
  type PaymentMessage,
  type PaymentMessage as Payment,
  type PaymentJson,
} from "./payment.js";
export { WinnerSchema, encodeWinner, decodeWinner, type WinnerJson } from "./winner.js";
