/** The Payment message: signed tickets with the params they were made on. */
import { Type, type Static } from "typebox";

import type { TicketParams } from "../ticket/ticketParams.js";
import type { SignedTicket } from "../ticket/ticketTypes.js";
import { messageChecker } from "./decode.js";
import { WireEncodeError } from "./errors.js";
import { WIRE_VERSION, decodeAddress, encodeAddress, field, fieldsOf } from "./fields.js";
import { signedTicketFromJson, signedTicketToJson, SignedTicketSchema } from "./ticket.js";
import {
  ticketParamsFromJson,
  ticketParamsToJson,
  TicketParamsSchema,
  VersionSchema,
} from "./ticketParams.js";

/** Most tickets one Payment message may carry. */
export const MAX_TICKETS_PER_PAYMENT = 256;

/**
 * A payment as it travels: the sender, the params exactly as the payee issued them, the signed
 * tickets made on them, and the signer's address when a delegate (not the sender) signed.
 */
export interface PaymentMessage {
  readonly sender: `0x${string}`;
  readonly params: TicketParams;
  readonly tickets: readonly SignedTicket[];
  /** The authorised signer that signed the tickets, when it is not the sender itself. */
  readonly delegate?: `0x${string}`;
}

/** JSON Schema of a Payment message (`$id` Payment). */
export const PaymentSchema = Type.Object(
  {
    version: VersionSchema,
    sender: field("address", "Whose deposit and reserve pay the tickets"),
    params: TicketParamsSchema,
    tickets: Type.Array(SignedTicketSchema, {
      minItems: 1,
      maxItems: MAX_TICKETS_PER_PAYMENT,
      description: `The signed tickets, in increasing nonce order (1 to ${MAX_TICKETS_PER_PAYMENT}).`,
    }),
    delegate: Type.Optional(
      field("address", "The authorised signer that signed the tickets, when it is not the sender"),
    ),
  },
  {
    $id: "Payment",
    title: "Payment",
    description:
      "Signed tickets with the params they were made on. The payee checks every ticket and credits the EV of those it accepts.",
    additionalProperties: false,
  },
);

/** The JSON shape of a Payment message. */
export type PaymentJson = Static<typeof PaymentSchema>;

const checker = messageChecker("Payment", PaymentSchema);

/** Encodes a payment as a version-1 JSON object (throws WireEncodeError on bad values). */
export function encodePayment(p: PaymentMessage): PaymentJson {
  const q = fieldsOf(p);
  const tickets = q.tickets;
  if (!Array.isArray(tickets) || tickets.length === 0 || tickets.length > MAX_TICKETS_PER_PAYMENT) {
    throw new WireEncodeError(
      `Cannot encode Payment: field /tickets must hold 1 to ${MAX_TICKETS_PER_PAYMENT} signed tickets`,
      {
        details: {
          field: "/tickets",
          message: "Payment",
          count: Array.isArray(tickets) ? tickets.length : null,
        },
        hint: `Split the payment into messages of at most ${MAX_TICKETS_PER_PAYMENT} tickets, or pay with params of a larger EV per ticket.`,
      },
    );
  }
  return {
    version: WIRE_VERSION,
    sender: encodeAddress("Payment", "/sender", q.sender),
    params: ticketParamsToJson("Payment", "/params", q.params as TicketParams),
    tickets: tickets.map((t, i) =>
      signedTicketToJson("Payment", `/tickets/${i}`, t as SignedTicket),
    ),
    ...(q.delegate === undefined
      ? {}
      : { delegate: encodeAddress("Payment", "/delegate", q.delegate) }),
  };
}

/**
 * Decodes a Payment message; throws WireDecodeError naming the field (e.g. `/tickets/0/signature`).
 * It checks the format only: whether the tickets match the params and the sender is for the payee
 * to decide (`Recipient.receiveTicket`).
 */
export function decodePayment(x: unknown): PaymentMessage {
  const j = checker.check(x);
  return {
    sender: decodeAddress("Payment", "/sender", j.sender),
    params: ticketParamsFromJson("Payment", "/params", j.params),
    tickets: j.tickets.map((t, i) => signedTicketFromJson("Payment", `/tickets/${i}`, t)),
    ...(j.delegate === undefined
      ? {}
      : { delegate: decodeAddress("Payment", "/delegate", j.delegate) }),
  };
}
