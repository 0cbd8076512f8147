/**
 * Structural checks for values that come from outside the library: a sender's params echoed
 * back, a ticket off the wire, an address from a configuration file. Each check throws
 * {@link InvalidInputError} naming the field, what it should be and what it was, before the
 * value can reach a file path, a provider (where a malformed address becomes an ENS lookup) or
 * arithmetic (where a number mixed with a bigint throws a bare TypeError).
 *
 * The checks are structural only (types, hex lengths, address format, integer ranges); the
 * rules of the protocol stay with the validators that apply them.
 */
import { TicketBrokerError } from "../errors.js";
import { checksumLowerHex } from "../internal/address.js";
import { MAX_UINT256, type Hex } from "../internal/bytes.js";
import type { WinningTicket } from "../recipient/winnerStore.js";
import type { TicketParams } from "./ticketParams.js";
import type { SignedTicket, Ticket } from "./ticketTypes.js";

/**
 * A value handed to the library has the wrong type or shape: `details.field` names it (a path
 * such as `signed.ticket.sender`), `details.expected` says what it must be and
 * `details.received` describes what it was.
 *
 * @example
 * ```ts
 * try {
 *   await recipient.receiveTicket(JSON.parse(body));
 * } catch (err) {
 *   if (err instanceof InvalidInputError) reply(400, `${err.details.field}: ${err.message}`);
 * }
 * ```
 */
export class InvalidInputError extends TicketBrokerError {}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})*$/;

/** A short, safe description of any value for error details (never throws, never huge). */
export function describeValue(value: unknown): string {
  try {
    if (value === null) return "null";
    if (Array.isArray(value)) return `an array of length ${value.length}`;
    switch (typeof value) {
      case "undefined":
        return "undefined";
      case "bigint":
        return `bigint ${clip(value.toString())}`;
      case "number":
        return `number ${String(value)}`;
      case "string":
        return `string ${clip(JSON.stringify(value))}`;
      case "boolean":
        return `boolean ${String(value)}`;
      case "symbol":
        return "a symbol";
      case "function":
        return "a function";
      default:
        return value instanceof Uint8Array ? `${value.length} bytes` : "an object";
    }
  } catch {
    return "an unprintable value";
  }
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function invalid(
  field: string,
  expected: string,
  value: unknown,
  hint?: string,
): InvalidInputError {
  return new InvalidInputError(`${field} must be ${expected}`, {
    details: { field, expected, received: describeValue(value) },
    hint: hint ?? `Pass ${field} as ${expected}.`,
  });
}

/** True for a plain object (not null, not an array). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Throws unless `value` is a non-null, non-array object. */
export function assertObject(
  value: unknown,
  field: string,
): asserts value is Record<string, unknown> {
  if (!isRecord(value)) throw invalid(field, "an object", value);
}

/**
 * Throws unless `value` is a 20-byte address: `0x` and 40 hex digits, all lowercase, all
 * uppercase, or mixed case with a valid EIP-55 checksum.
 */
export function assertAddress(value: unknown, field: string): asserts value is Hex {
  if (typeof value !== "string" || !ADDRESS.test(value)) {
    throw invalid(field, "a 0x-prefixed 20-byte hex address", value);
  }
  const digits = value.slice(2);
  const lower = digits.toLowerCase();
  if (digits !== lower && digits !== digits.toUpperCase() && checksumLowerHex(lower) !== value) {
    throw new InvalidInputError(`${field} has an invalid EIP-55 checksum`, {
      details: { field, expected: checksumLowerHex(lower), received: value },
      hint: `Check ${field} for a typo; a mixed-case address must carry its EIP-55 checksum (or pass it all lowercase).`,
    });
  }
}

/**
 * Throws unless `value` is `0x` and 40 hex digits in any case, without verifying an EIP-55
 * checksum: an O(1) check for hot paths whose addresses were checked once already.
 */
export function assertAddressShape(value: unknown, field: string): asserts value is Hex {
  if (typeof value !== "string" || !ADDRESS.test(value)) {
    throw invalid(field, "a 0x-prefixed 20-byte hex address", value);
  }
}

/** `value` checked with {@link assertAddress} and lowercased: the form to build keys and paths from. */
export function normalizeAddress(value: unknown, field: string): Hex {
  assertAddress(value, field);
  return value.toLowerCase() as Hex;
}

/** Throws unless `value` is `0x` followed by exactly `length` bytes of hex. */
export function assertHexBytes(
  value: unknown,
  length: number,
  field: string,
): asserts value is Hex {
  if (typeof value !== "string" || value.length !== 2 + 2 * length || !HEX_BYTES.test(value)) {
    throw invalid(field, `0x followed by ${length * 2} hex digits (${length} bytes)`, value);
  }
}

/** Throws unless `value` is `0x` followed by any whole number of bytes of hex. */
export function assertHex(value: unknown, field: string): asserts value is Hex {
  if (typeof value !== "string" || !HEX_BYTES.test(value)) {
    throw invalid(field, "0x followed by an even number of hex digits", value);
  }
}

/**
 * Throws unless `value` is a bigint in [min, max] (default [0, 2^256 − 1]); `"any"` accepts
 * every bigint.
 */
export function assertBigint(
  value: unknown,
  field: string,
  range: { min?: bigint; max?: bigint } | "any" = {},
): asserts value is bigint {
  if (range === "any") {
    if (typeof value !== "bigint")
      throw invalid(field, "a bigint", value, bigintHint(field, value));
    return;
  }
  const min = range.min ?? 0n;
  const max = range.max ?? MAX_UINT256;
  if (typeof value !== "bigint" || value < min || value > max) {
    const bounds = max === MAX_UINT256 ? `≥ ${min} and < 2^256` : `in [${min}, ${max}]`;
    throw invalid(field, `a bigint ${bounds}`, value, bigintHint(field, value, bounds));
  }
}

function bigintHint(field: string, value: unknown, bounds?: string): string | undefined {
  return typeof value === "number" || typeof value === "string"
    ? `Pass ${field} as a bigint${bounds === undefined ? "" : ` ${bounds}`} (BigInt(x) if it came as a number or JSON text).`
    : undefined;
}

/** Throws unless `value` is a string (`nonEmpty`: with at least one character). */
export function assertString(
  value: unknown,
  field: string,
  options: { nonEmpty?: boolean } = {},
): asserts value is string {
  if (typeof value !== "string" || (options.nonEmpty === true && value === "")) {
    throw invalid(field, options.nonEmpty === true ? "a non-empty string" : "a string", value);
  }
}

/** Throws unless `value` is an array (`nonEmpty`: with at least one item). */
export function assertArray(
  value: unknown,
  field: string,
  options: { nonEmpty?: boolean } = {},
): asserts value is unknown[] {
  if (!Array.isArray(value) || (options.nonEmpty === true && value.length === 0)) {
    throw invalid(field, options.nonEmpty === true ? "a non-empty array" : "an array", value);
  }
}

/** Throws unless `value` is a safe integer in [min, max] (default [0, 2^53 − 1]). */
export function assertInteger(
  value: unknown,
  field: string,
  range: { min?: number; max?: number } = {},
): asserts value is number {
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(field, `an integer in [${min}, ${max}]`, value);
  }
}

/** Throws unless `value` is a function (e.g. a method of an injected dependency). */
export function assertFunction(value: unknown, field: string): void {
  if (typeof value !== "function") throw invalid(field, "a function", value);
}

/** Throws unless `value` is an object with the named methods (an injected dependency). */
export function assertHasMethods(value: unknown, field: string, methods: readonly string[]): void {
  if (!isRecord(value)) {
    throw invalid(field, `an object with ${methods.join(", ")}`, value);
  }
  for (const m of methods) assertFunction(value[m], `${field}.${m}`);
}

/**
 * Throws unless `value` is a {@link Ticket}: addresses, bytes32 fields and uint256 integers.
 * With `checksum: false` the addresses are checked for shape only (no hashing).
 */
export function assertTicket(
  value: unknown,
  field = "ticket",
  options: { checksum?: boolean } = {},
): asserts value is Ticket {
  const address: (v: unknown, f: string) => asserts v is Hex =
    options.checksum === false ? assertAddressShape : assertAddress;
  assertObject(value, field);
  address(value["recipient"], `${field}.recipient`);
  address(value["sender"], `${field}.sender`);
  assertBigint(value["faceValue"], `${field}.faceValue`);
  assertBigint(value["winProb"], `${field}.winProb`);
  assertBigint(value["senderNonce"], `${field}.senderNonce`);
  assertHexBytes(value["recipientRandHash"], 32, `${field}.recipientRandHash`);
  assertBigint(value["expiry"], `${field}.expiry`);
  assertHexBytes(value["workId"], 32, `${field}.workId`);
}

/**
 * Throws unless `value` is a {@link SignedTicket}: a well-formed ticket and a hex signature
 * (its length and encoding are judged by the validator, as the contract judges them).
 */
export function assertSignedTicket(
  value: unknown,
  field = "signed",
): asserts value is SignedTicket {
  assertObject(value, field);
  assertTicket(value["ticket"], `${field}.ticket`);
  assertHex(value["signature"], `${field}.signature`);
}

/**
 * Throws unless `value` is a {@link WinningTicket}: a well-formed ticket, a hex signature,
 * uint256 `recipientRand` and `paramsDeadline`, and a bytes32 `digest` (not recomputed: a
 * store keys the winner by it). `checksum: false` checks the ticket's addresses for shape only.
 */
export function assertWinningTicket(
  value: unknown,
  field = "winner",
  options: { checksum?: boolean } = {},
): asserts value is WinningTicket {
  assertObject(value, field);
  assertTicket(value["ticket"], `${field}.ticket`, options);
  assertHex(value["signature"], `${field}.signature`);
  assertBigint(value["recipientRand"], `${field}.recipientRand`);
  assertBigint(value["paramsDeadline"], `${field}.paramsDeadline`);
  assertHexBytes(value["digest"], 32, `${field}.digest`);
}

/**
 * Throws unless `value` is a {@link TicketParams}: every field present and typed, integers in
 * [0, 2^256 − 1]. With `ranges: false` the integers need only be bigints, for a caller whose
 * own range rules give a more specific error.
 */
export function assertTicketParams(
  value: unknown,
  field = "params",
  options: { ranges?: boolean } = {},
): asserts value is TicketParams {
  const range = options.ranges === false ? "any" : {};
  assertObject(value, field);
  assertAddress(value["recipient"], `${field}.recipient`);
  assertAddress(value["sender"], `${field}.sender`);
  assertBigint(value["faceValue"], `${field}.faceValue`, range);
  assertBigint(value["winProb"], `${field}.winProb`, range);
  assertHexBytes(value["recipientRandHash"], 32, `${field}.recipientRandHash`);
  assertHexBytes(value["seed"], 32, `${field}.seed`);
  assertBigint(value["expirationTime"], `${field}.expirationTime`, range);
  assertBigint(value["ticketExpiry"], `${field}.ticketExpiry`, range);
  assertBigint(value["chainId"], `${field}.chainId`, range);
  assertAddress(value["verifyingContract"], `${field}.verifyingContract`);
}

/** Throws unless `value` is `{ chainId, verifyingContract }` of a broker deployment. */
export function assertBrokerDomain(
  value: unknown,
  field = "domain",
): asserts value is { chainId: bigint; verifyingContract: Hex } {
  assertObject(value, field);
  assertBigint(value["chainId"], `${field}.chainId`, { min: 1n });
  assertAddress(value["verifyingContract"], `${field}.verifyingContract`);
}

/** The arguments of `Recipient.receiveTicket`: `{ signed: SignedTicket, params: TicketParams }`. */
export function assertReceiveTicketArgs(
  value: unknown,
): asserts value is { signed: SignedTicket; params: TicketParams } {
  assertObject(value, "receiveTicket arguments");
  assertSignedTicket(value["signed"], "signed");
  assertTicketParams(value["params"], "params");
}

/** True when `value` is an object whose prototype chain holds `cls` (no throw on odd inputs). */
export function isInstance(
  value: unknown,
  cls: abstract new (...args: never[]) => unknown,
): boolean {
  try {
    return value instanceof cls;
  } catch {
    return false;
  }
}

/**
 * The options of `new Recipient(...)`: a checked address (it names the recipient in every
 * params set and reaches the provider), a secret of bytes, and the injected dependencies.
 */
export function assertRecipientOptions(value: unknown): void {
  assertObject(value, "Recipient options");
  assertAddress(value["address"], "address");
  const secret = value["secret"];
  if (!(secret instanceof Uint8Array) || secret.length < 32) {
    throw invalid(
      "secret",
      "a Uint8Array of at least 32 bytes",
      secret,
      "Use at least 32 random bytes (crypto.randomBytes(32)) as the secret and keep it private.",
    );
  }
  assertHasMethods(value["hasher"], "hasher", ["digest"]);
  assertObject((value["hasher"] as Record<string, unknown>)["domain"], "hasher.domain");
  assertHasMethods(value["reader"], "reader", ["now", "senderFunds"]);
  assertObject(value["winners"], "winners");
  assertObject(value["policy"], "policy");
}
