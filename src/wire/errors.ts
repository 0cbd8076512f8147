/** The errors of the wire format: a message that cannot be decoded, or a value that cannot be encoded. */
import { TicketBrokerError } from "../errors.js";

/**
 * A JSON message does not decode: a field is missing, has the wrong type, breaks its pattern or
 * range, is not allowed, or an address has a bad EIP-55 checksum. `details.field` is the JSON
 * pointer (RFC 6901) of the offending field, e.g. `/tickets/0/signature`; `details.message` names
 * the message kind, `details.expected` says what the field must be.
 *
 * @example
 * ```ts
 * try {
 *   decodePayment(JSON.parse(body));
 * } catch (err) {
 *   if (err instanceof WireDecodeError) reply.code(400).send({ field: err.field, hint: err.hint });
 * }
 * ```
 */
export class WireDecodeError extends TicketBrokerError {
  /** JSON pointer of the offending field ("" for the whole message). */
  get field(): string {
    return this.details.field as string;
  }
}

/**
 * A message (or a message embedded in it) carries a `version` this library does not read. Only
 * version 1 exists. It is a {@link WireDecodeError}, with `details.field` pointing at the version.
 */
export class WireVersionError extends WireDecodeError {}

/**
 * A value handed to an `encode…` function cannot be encoded: a bigint out of range or not a
 * bigint, hex of the wrong length, or an address with a bad checksum. `details.field` is the
 * JSON pointer the field would have had.
 */
export class WireEncodeError extends TicketBrokerError {}
