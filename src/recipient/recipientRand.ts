import { createHmac } from "node:crypto";

import { describeValue } from "../ticket/inputs.js";
import type { TicketParams } from "../ticket/ticketParams.js";
import { IssueTicketParamsError } from "./errors.js";

/** Domain tag that keeps this HMAC's input apart from any other use of the same secret. */
const TAG = new TextEncoder().encode("TicketBroker.recipientRand.v1");

/** Bytes HMAC'd: the tag, then the fields at their fixed widths, nothing after them. */
const RAND_MESSAGE_LENGTH = TAG.length + 32 + 20 + 20 + 32 * 5 + 20;

/** The params fields the recipient's random value binds (all of them but the hash itself). */
export type RecipientRandInput = Omit<TicketParams, "recipientRandHash">;

/**
 * The recipient's secret random value for one params set, derived statelessly:
 * HMAC-SHA256(secret, tag ‖ seed ‖ recipient ‖ sender ‖ faceValue ‖ winProb ‖ expirationTime ‖
 * ticketExpiry ‖ chainId ‖ verifyingContract), every field at a fixed width (32-byte seed and
 * big-endian integers, 20-byte addresses) and nothing after the last field, read as a
 * big-endian uint256. The tag is the 29 ASCII bytes `TicketBroker.recipientRand.v1`; the whole
 * message is 281 bytes (test/vectors/recipientRand.json pins it). Changing any bound field changes the value,
 * so params a sender altered no longer match their `recipientRandHash`; the recipient keeps no
 * per-params state and re-derives the value from the params the sender echoes back.
 *
 * @example
 * ```ts
 * const rand = deriveRecipientRand({ secret, params });
 * recipientRandHash(rand) === params.recipientRandHash; // true for params this recipient issued
 * ```
 */
export function deriveRecipientRand(args: {
  secret: Uint8Array;
  params: RecipientRandInput;
}): bigint {
  if (
    typeof args !== "object" ||
    args === null ||
    typeof args.params !== "object" ||
    args.params === null
  ) {
    throw new IssueTicketParamsError("deriveRecipientRand needs { secret, params }", {
      details: { received: describeValue(args) },
      hint: "Pass the recipient secret (a Uint8Array of at least 32 bytes) and the params fields.",
    });
  }
  const { secret, params } = args;
  if (!(secret instanceof Uint8Array) || secret.length < 32) {
    throw new IssueTicketParamsError("The recipient secret is not at least 32 bytes", {
      details: { length: secret instanceof Uint8Array ? secret.length : describeValue(secret) },
      hint: "Use at least 32 random bytes (crypto.randomBytes(32)) as the secret and keep it private.",
    });
  }
  // tag ‖ seed (32) ‖ recipient (20) ‖ sender (20) ‖ five uint256 words ‖ verifyingContract (20),
  // written as hex (every field is checked first: the hex is exactly its width).
  const hex =
    fixedHex(params.seed, 32, "seed") +
    fixedHex(params.recipient, 20, "recipient") +
    fixedHex(params.sender, 20, "sender") +
    uint256(params.faceValue, "faceValue") +
    uint256(params.winProb, "winProb") +
    uint256(params.expirationTime, "expirationTime") +
    uint256(params.ticketExpiry, "ticketExpiry") +
    uint256(params.chainId, "chainId") +
    fixedHex(params.verifyingContract, 20, "verifyingContract");
  const message = Buffer.allocUnsafe(RAND_MESSAGE_LENGTH);
  message.set(TAG, 0);
  message.write(hex, TAG.length, "hex");
  return BigInt(`0x${createHmac("sha256", secret).update(message).digest("hex")}`);
}

const HEX_OF_LENGTH = new Map<number, RegExp>([
  [20, /^0x[0-9a-fA-F]{40}$/],
  [32, /^0x[0-9a-fA-F]{64}$/],
]);

/** The field's hex digits (without 0x), checked to be exactly `length` bytes. */
function fixedHex(value: string, length: 20 | 32, field: string): string {
  if (typeof value !== "string" || !HEX_OF_LENGTH.get(length)!.test(value)) {
    throw new IssueTicketParamsError(`Ticket params field ${field} is not ${length} bytes of hex`, {
      details: { field, value: describeValue(value) },
      hint: `Pass ${field} as 0x followed by ${length * 2} hex digits.`,
    });
  }
  return value.slice(2);
}

/** The value as 64 hex digits, checked to be a uint256. */
function uint256(value: bigint, field: string): string {
  if (typeof value !== "bigint" || value < 0n || value >= 1n << 256n) {
    throw new IssueTicketParamsError(`Ticket params field ${field} is not a uint256`, {
      details: { field, value },
      hint: `Pass ${field} as a bigint in [0, 2^256).`,
    });
  }
  return value.toString(16).padStart(64, "0");
}
