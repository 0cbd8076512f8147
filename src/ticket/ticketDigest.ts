/**
 * The EIP-712 digest of a ticket, specialised for the one Ticket type: the domain separator is
 * computed once per broker, the nine 32-byte words of the struct are written straight into one
 * preallocated Buffer, and both hashes use native keccak.
 */
import {
  FieldFormatError,
  toHex,
  writeAddressWord,
  writeBytes32,
  writeUint256,
  type Hex,
} from "../internal/bytes.js";
import { describeValue } from "./inputs.js";
import { keccak256 } from "../internal/keccak.js";
import {
  InvalidTicketFieldError,
  TICKET_TYPEHASH,
  type Ticket,
  type TicketDomain,
} from "./ticketTypes.js";

const DOMAIN_TYPEHASH = keccak256(
  Buffer.from(
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
    "utf8",
  ),
);

/** Byte offsets of the ticket's words in the struct encoding (word 0 is the type hash). */
const OFF_RECIPIENT = 32;
const OFF_SENDER = 64;
const OFF_FACE_VALUE = 96;
const OFF_WIN_PROB = 128;
const OFF_NONCE = 160;
const OFF_RAND_HASH = 192;
const OFF_EXPIRY = 224;
const OFF_WORK_ID = 256;
const STRUCT_LENGTH = 288;

function fieldError(field: string, value: unknown, err: unknown): InvalidTicketFieldError {
  const expected = err instanceof FieldFormatError ? err.expected : "a valid value";
  return new InvalidTicketFieldError(`Ticket field ${field} is not ${expected}`, {
    details: { field, value: typeof value === "bigint" ? value : describeValue(value) },
    hint: `Give ${field} as ${expected}.`,
    cause: err,
  });
}

/**
 * Computes ticket digests for one broker domain. Not re-entrant (it reuses its buffers): use one
 * hasher per thread of work, which in Node means one is enough.
 *
 * @example
 * ```ts
 * const hasher = new TicketHasher(await readTicketDomain(broker));
 * const digest = hasher.digest(ticket); // 32-byte Uint8Array, equal to broker.getTicketDigest(ticket)
 * ```
 */
export class TicketHasher {
  /** The domain this hasher binds tickets to. */
  readonly domain: Readonly<TicketDomain>;
  /** keccak256 of the EIP-712 domain struct. */
  readonly domainSeparator: Hex;

  /** typehash ‖ eight ticket words. */
  private readonly struct = Buffer.alloc(STRUCT_LENGTH);
  /** 0x19 0x01 ‖ domain separator ‖ struct hash. */
  private readonly prefixed = Buffer.alloc(66);
  /** The recipient/sender strings whose bytes are in `struct` (skips re-parsing a repeated address). */
  private lastRecipient: string | undefined;
  private lastSender: string | undefined;

  constructor(domain: TicketDomain) {
    const words = Buffer.alloc(160);
    DOMAIN_TYPEHASH.copy(words, 0);
    if (typeof domain !== "object" || domain === null) {
      throw new InvalidTicketFieldError("The domain must be an object", {
        details: { domain: describeValue(domain) },
        hint: "Read the domain with readTicketDomain(broker).",
      });
    }
    if (typeof domain.name !== "string" || typeof domain.version !== "string") {
      throw new InvalidTicketFieldError("Domain name and version must be strings", {
        details: { name: describeValue(domain.name), version: describeValue(domain.version) },
        hint: "Read the domain with readTicketDomain(broker).",
      });
    }
    keccak256(Buffer.from(domain.name, "utf8")).copy(words, 32);
    keccak256(Buffer.from(domain.version, "utf8")).copy(words, 64);
    try {
      writeUint256(words, 96, domain.chainId);
    } catch (err) {
      throw fieldError("domain.chainId", domain.chainId, err);
    }
    try {
      writeAddressWord(words, 128, domain.verifyingContract);
    } catch (err) {
      throw fieldError("domain.verifyingContract", domain.verifyingContract, err);
    }
    const separator = keccak256(words);
    this.domain = Object.freeze({ ...domain });
    this.domainSeparator = toHex(separator);
    this.prefixed[0] = 0x19;
    this.prefixed[1] = 0x01;
    separator.copy(this.prefixed, 2);
    Buffer.from(TICKET_TYPEHASH.slice(2), "hex").copy(this.struct, 0);
  }

  /**
   * The EIP-712 digest of `ticket` under this domain (a fresh 32-byte array). Throws
   * {@link InvalidTicketFieldError} when a field is malformed or out of range.
   *
   * @example
   * ```ts
   * const digest = hasher.digest(ticket);
   * ```
   */
  digest(ticket: Ticket): Uint8Array {
    return this.digestBuffer(ticket);
  }

  /**
   * The digest as 0x-prefixed hex.
   *
   * @example
   * ```ts
   * const digestHex = hasher.digestHex(ticket); // "0x…" (66 characters)
   * ```
   */
  digestHex(ticket: Ticket): Hex {
    return toHex(this.digestBuffer(ticket));
  }

  /** @internal The digest as a Buffer; also leaves the struct words in place for {@link structWords}. */
  digestBuffer(ticket: Ticket): Buffer {
    if (typeof ticket !== "object" || ticket === null) {
      throw new InvalidTicketFieldError("The ticket must be an object", {
        details: { ticket: describeValue(ticket) },
        hint: "Pass a Ticket: { recipient, sender, faceValue, winProb, senderNonce, recipientRandHash, expiry, workId }.",
      });
    }
    this.writeStruct(ticket);
    keccak256(this.struct).copy(this.prefixed, 34);
    return keccak256(this.prefixed);
  }

  /**
   * @internal The encoded struct of the last ticket digested (typehash ‖ 8 words). Valid until
   * the next call; lets hot paths compare fields without re-encoding them.
   */
  structWords(): Buffer {
    return this.struct;
  }

  private writeStruct(t: Ticket): void {
    const s = this.struct;
    // A cache miss also when nothing is cached: a missing recipient must not match the empty cache.
    if (this.lastRecipient === undefined || t.recipient !== this.lastRecipient) {
      this.lastRecipient = undefined;
      try {
        writeAddressWord(s, OFF_RECIPIENT, t.recipient);
      } catch (err) {
        throw fieldError("recipient", t.recipient, err);
      }
      this.lastRecipient = t.recipient;
    }
    // A cache miss also when nothing is cached: a missing sender must not match the empty cache.
    if (this.lastSender === undefined || t.sender !== this.lastSender) {
      this.lastSender = undefined;
      try {
        writeAddressWord(s, OFF_SENDER, t.sender);
      } catch (err) {
        throw fieldError("sender", t.sender, err);
      }
      this.lastSender = t.sender;
    }
    let field = "faceValue";
    try {
      writeUint256(s, OFF_FACE_VALUE, t.faceValue);
      field = "winProb";
      writeUint256(s, OFF_WIN_PROB, t.winProb);
      field = "senderNonce";
      writeUint256(s, OFF_NONCE, t.senderNonce);
      field = "recipientRandHash";
      writeBytes32(s, OFF_RAND_HASH, t.recipientRandHash);
      field = "expiry";
      writeUint256(s, OFF_EXPIRY, t.expiry);
      field = "workId";
      writeBytes32(s, OFF_WORK_ID, t.workId);
    } catch (err) {
      throw fieldError(field, (t as unknown as Record<string, unknown>)[field], err);
    }
  }
}

/** Byte offset of the sender's 20 address bytes inside {@link TicketHasher.structWords}. */
export const STRUCT_SENDER_ADDRESS_OFFSET = OFF_SENDER + 12;
/** Byte offset of the 32-byte winProb word inside {@link TicketHasher.structWords}. */
export const STRUCT_WIN_PROB_OFFSET = OFF_WIN_PROB;
/** Byte offset of the 32-byte recipientRandHash inside {@link TicketHasher.structWords}. */
export const STRUCT_RAND_HASH_OFFSET = OFF_RAND_HASH;

/**
 * The EIP-712 digest of one ticket as hex. For many tickets keep a {@link TicketHasher}.
 *
 * @example
 * ```ts
 * const digest = ticketDigest(ticket, domain); // equals broker.getTicketDigest(ticket)
 * ```
 */
export function ticketDigest(ticket: Ticket, domain: TicketDomain): Hex {
  return new TicketHasher(domain).digestHex(ticket);
}
