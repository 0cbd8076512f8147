/** The TicketParams message: the terms a recipient issues, echoed unchanged with every payment. */
import { Type, type Static } from "typebox";

import type { TicketParams } from "../ticketParams.js";
import { messageChecker } from "./decode.js";
import {
  WIRE_VERSION,
  decodeAddress,
  decodeBytes,
  decodeUint,
  encodeAddress,
  encodeBytes,
  encodeUint,
  field,
  fieldsOf,
} from "./fields.js";

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

/** @internal Encodes params found at `at` inside message `msg`. */
export function ticketParamsToJson(msg: string, at: string, p: TicketParams): TicketParamsJson {
  const q = fieldsOf(p);
  return {
    version: WIRE_VERSION,
    recipient: encodeAddress(msg, `${at}/recipient`, q.recipient),
    sender: encodeAddress(msg, `${at}/sender`, q.sender),
    faceValue: encodeUint(msg, `${at}/faceValue`, q.faceValue, "uint256"),
    winProb: encodeUint(msg, `${at}/winProb`, q.winProb, "uint256"),
    recipientRandHash: encodeBytes(msg, `${at}/recipientRandHash`, q.recipientRandHash, "bytes32"),
    seed: encodeBytes(msg, `${at}/seed`, q.seed, "bytes32"),
    expirationTime: encodeUint(msg, `${at}/expirationTime`, q.expirationTime, "uint256"),
    ticketExpiry: encodeUint(msg, `${at}/ticketExpiry`, q.ticketExpiry, "uint256"),
    chainId: encodeUint(msg, `${at}/chainId`, q.chainId, "uint256"),
    verifyingContract: encodeAddress(msg, `${at}/verifyingContract`, q.verifyingContract),
  };
}

/** @internal Converts schema-checked params JSON found at `at` inside message `msg`. */
export function ticketParamsFromJson(msg: string, at: string, j: TicketParamsJson): TicketParams {
  return {
    recipient: decodeAddress(msg, `${at}/recipient`, j.recipient),
    sender: decodeAddress(msg, `${at}/sender`, j.sender),
    faceValue: decodeUint(msg, `${at}/faceValue`, j.faceValue, "uint256"),
    winProb: decodeUint(msg, `${at}/winProb`, j.winProb, "uint256"),
    recipientRandHash: decodeBytes(j.recipientRandHash),
    seed: decodeBytes(j.seed),
    expirationTime: decodeUint(msg, `${at}/expirationTime`, j.expirationTime, "uint256"),
    ticketExpiry: decodeUint(msg, `${at}/ticketExpiry`, j.ticketExpiry, "uint256"),
    chainId: decodeUint(msg, `${at}/chainId`, j.chainId, "uint256"),
    verifyingContract: decodeAddress(msg, `${at}/verifyingContract`, j.verifyingContract),
  };
}
