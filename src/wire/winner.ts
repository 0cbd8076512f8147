/** The Winner message: a winning ticket with everything needed to redeem it. */
import { Type, type Static } from "typebox";

import type { Ticket } from "../ticket/ticketTypes.js";
import type { WinningTicket } from "../recipient/winnerStore.js";
import { messageChecker } from "./decode.js";
import {
  WIRE_VERSION,
  decodeBytes,
  decodeUint,
  encodeBytes,
  encodeUint,
  field,
  fieldsOf,
} from "./fields.js";
import { ticketFromJson, ticketToJson, TicketSchema } from "./ticket.js";
import { VersionSchema } from "./ticketParams.js";

/** JSON Schema of a Winner message (`$id` Winner). */
export const WinnerSchema = Type.Object(
  {
    version: VersionSchema,
    ticket: TicketSchema,
    signature: field("signature", "The sender's (or its delegate's) EIP-712 signature"),
    recipientRand: field(
      "uint256",
      "The payee's revealed random value, preimage of the ticket's recipientRandHash (secret until redeemed)",
    ),
    paramsDeadline: field(
      "uint256",
      "Issuance deadline of the params the ticket used, Unix seconds",
    ),
    digest: field("bytes32", "The ticket's EIP-712 digest: the winner's identity"),
  },
  {
    $id: "Winner",
    title: "Winner",
    description:
      "A winning ticket with the payee's revealed rand: everything the broker needs to pay it. It contains a secret of the payee; it travels only between the payee's own processes.",
    additionalProperties: false,
  },
);

/** The JSON shape of a Winner message. */
export type WinnerJson = Static<typeof WinnerSchema>;

const checker = messageChecker("Winner", WinnerSchema);

/** Encodes a winning ticket as a version-1 JSON object (throws WireEncodeError on bad values). */
export function encodeWinner(w: WinningTicket): WinnerJson {
  const q = fieldsOf(w);
  return {
    version: WIRE_VERSION,
    ticket: ticketToJson("Winner", "/ticket", q.ticket as Ticket),
    signature: encodeBytes("Winner", "/signature", q.signature, "signature"),
    recipientRand: encodeUint("Winner", "/recipientRand", q.recipientRand, "uint256"),
    paramsDeadline: encodeUint("Winner", "/paramsDeadline", q.paramsDeadline, "uint256"),
    digest: encodeBytes("Winner", "/digest", q.digest, "bytes32"),
  };
}

/** Decodes a Winner message; throws WireDecodeError naming the field. */
export function decodeWinner(x: unknown): WinningTicket {
  const j = checker.check(x);
  return {
    ticket: ticketFromJson("Winner", "/ticket", j.ticket),
    signature: decodeBytes(j.signature),
    recipientRand: decodeUint("Winner", "/recipientRand", j.recipientRand, "uint256"),
    paramsDeadline: decodeUint("Winner", "/paramsDeadline", j.paramsDeadline, "uint256"),
    digest: decodeBytes(j.digest),
  };
}
