/** The TicketParams message: the terms a recipient issues, echoed unchanged with every payment. */
import { Type, type Static } from "typebox";

import type { TicketParams } from "../ticket/ticketParams.js";
import { messageChecker } from "./decode.js";
import { WIRE_VERSION, field, type FieldKind } from "./fields.js";
import { decodeStruct, encodeStruct } from "./struct.js";

/** The `version` property every message starts with. */
export const VersionSchema = Type.Literal(WIRE_VERSION, {
  description: "Version of the wire format; always 1.",
});

/** JSON Schema of a TicketParams message (`$id` TicketParams). */
export const TicketParamsSchema = Type.Object(
  {
    version: VersionSchema,
    recipient: field("address", "Who the tickets pay: the payee's address, which redeems them"),
    sender: field("address", "Whose deposit and reserve pay the tickets"),
    faceValue: field("uint256", "Wei paid when a ticket wins"),
    winProb: field("uint256", "Win probability × 2^256"),
    recipientRandHash: field(
      "bytes32",
      "keccak256(abi.encode(recipientRand)): the payee's commitment",
    ),
    seed: field("bytes32", "Random bytes that make this params set unique"),
    expirationTime: field(
      "uint256",
      "Issuance deadline, Unix seconds: no ticket is created with these params after it",
    ),
    ticketExpiry: field(
      "uint256",
      "Redemption deadline, Unix seconds, copied into every ticket's expiry",
    ),
    chainId: field("uint256", "Chain id of the TicketBroker deployment"),
    verifyingContract: field("address", "Address of the TicketBroker the tickets are for"),
  },
  {
    $id: "TicketParams",
    title: "TicketParams",
    description:
      "Ticket terms a payee issues to one sender. Send them back unchanged (byte for byte after decoding) with every ticket made on them.",
    additionalProperties: false,
  },
);

/** The JSON shape of a TicketParams message. */
export type TicketParamsJson = Static<typeof TicketParamsSchema>;

const checker = messageChecker("TicketParams", TicketParamsSchema);

/** Encodes params as a version-1 JSON object (throws WireEncodeError on out-of-range values). */
export function encodeTicketParams(p: TicketParams): TicketParamsJson {
  return ticketParamsToJson("TicketParams", "", p);
}

/**
 * Decodes a TicketParams message, checking every field; addresses come out checksummed, bytes
 * lowercase. Throws WireDecodeError (WireVersionError for another version) naming the field.
 *
 * @example
 * ```ts
 * const params = decodeTicketParams(await (await fetch(`${payee}/params`)).json());
 * ```
 */
export function decodeTicketParams(x: unknown): TicketParams {
  return ticketParamsFromJson("TicketParams", "", checker.check(x));
}

/** The kind of each TicketParams field, in wire order (after `version`). */
const TICKET_PARAMS_FIELDS = {
  recipient: "address",
  sender: "address",
  faceValue: "uint256",
  winProb: "uint256",
  recipientRandHash: "bytes32",
  seed: "bytes32",
  expirationTime: "uint256",
  ticketExpiry: "uint256",
  chainId: "uint256",
  verifyingContract: "address",
} as const satisfies Record<keyof TicketParams, FieldKind>;

/** @internal Encodes params found at `at` inside message `msg`. */
export function ticketParamsToJson(msg: string, at: string, p: TicketParams): TicketParamsJson {
  return { version: WIRE_VERSION, ...encodeStruct(TICKET_PARAMS_FIELDS, msg, at, p) };
}

/** @internal Converts schema-checked params JSON found at `at` inside message `msg`. */
export function ticketParamsFromJson(msg: string, at: string, j: TicketParamsJson): TicketParams {
  return decodeStruct(TICKET_PARAMS_FIELDS, msg, at, j);
}
