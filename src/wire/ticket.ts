/** The Ticket part and the SignedTicket message. */
import { Type, type Static } from "typebox";

import type { SignedTicket, Ticket } from "../ticket/ticketTypes.js";
import { messageChecker } from "./decode.js";
import {
  WIRE_VERSION,
  decodeBytes,
  encodeBytes,
  field,
  fieldsOf,
  type FieldKind,
} from "./fields.js";
import { decodeStruct, encodeStruct } from "./struct.js";
import { VersionSchema } from "./ticketParams.js";

/**
 * JSON Schema of a ticket (`$id` Ticket): the EIP-712 `Ticket` struct, field for field. A ticket
 * is a part of other messages and carries no version of its own.
 */
export const TicketSchema = Type.Object(
  {
    recipient: field("address", "Who is paid when the ticket wins"),
    sender: field("address", "Whose deposit and reserve pay the ticket"),
    faceValue: field("uint256", "Wei paid when the ticket wins"),
    winProb: field("uint256", "Win probability × 2^256"),
    senderNonce: field("uint96", "Counter per (sender, recipient), below 2^96"),
    recipientRandHash: field("bytes32", "The payee's commitment, copied from the params"),
    expiry: field("uint256", "Unix seconds; redeemable up to and including it"),
    workId: field("bytes32", "Binds the ticket to the work it pays for"),
  },
  {
    $id: "Ticket",
    title: "Ticket",
    description: "A lottery ticket: the EIP-712 Ticket struct the sender signs.",
    additionalProperties: false,
  },
);

/** JSON Schema of a SignedTicket message (`$id` SignedTicket). */
export const SignedTicketSchema = Type.Object(
  {
    version: VersionSchema,
    ticket: TicketSchema,
    signature: field(
      "signature",
      "EIP-712 signature of the ticket by the sender or its authorised signer",
    ),
  },
  {
    $id: "SignedTicket",
    title: "SignedTicket",
    description: "A ticket with its 65-byte EIP-712 signature (r ‖ s ‖ v, low s, v ∈ {27, 28}).",
    additionalProperties: false,
  },
);

/** The JSON shape of a ticket. */
export type TicketJson = Static<typeof TicketSchema>;
/** The JSON shape of a SignedTicket message. */
export type SignedTicketJson = Static<typeof SignedTicketSchema>;

const checker = messageChecker("SignedTicket", SignedTicketSchema);

/** Encodes a signed ticket as a version-1 JSON object (throws WireEncodeError on bad values). */
export function encodeSignedTicket(s: SignedTicket): SignedTicketJson {
  return signedTicketToJson("SignedTicket", "", s);
}

/** Decodes a SignedTicket message; throws WireDecodeError naming the field. */
export function decodeSignedTicket(x: unknown): SignedTicket {
  return signedTicketFromJson("SignedTicket", "", checker.check(x));
}

/** @internal */
export function signedTicketToJson(msg: string, at: string, s: SignedTicket): SignedTicketJson {
  const q = fieldsOf(s);
  return {
    version: WIRE_VERSION,
    ticket: ticketToJson(msg, `${at}/ticket`, q.ticket as Ticket),
    signature: encodeBytes(msg, `${at}/signature`, q.signature, "signature"),
  };
}

/** @internal */
export function signedTicketFromJson(msg: string, at: string, j: SignedTicketJson): SignedTicket {
  return {
    ticket: ticketFromJson(msg, `${at}/ticket`, j.ticket),
    signature: decodeBytes(j.signature),
  };
}

/** The kind of each Ticket field, in the EIP-712 struct's order. */
const TICKET_FIELDS = {
  recipient: "address",
  sender: "address",
  faceValue: "uint256",
  winProb: "uint256",
  senderNonce: "uint96",
  recipientRandHash: "bytes32",
  expiry: "uint256",
  workId: "bytes32",
} as const satisfies Record<keyof Ticket, FieldKind>;

/** @internal */
export function ticketToJson(msg: string, at: string, t: Ticket): TicketJson {
  return encodeStruct(TICKET_FIELDS, msg, at, t);
}

/** @internal */
export function ticketFromJson(msg: string, at: string, j: TicketJson): Ticket {
  return decodeStruct(TICKET_FIELDS, msg, at, j);
}
