/**
 * Off-chain validation of a received ticket with the contract's own rules, in the contract's
 * order (TicketBroker._validate), throwing the same-named errors. Losing tickets are valid
 * payment: they return `won: false` instead of throwing {@link TicketBrokerTicketNotWinning},
 * which applies only when redeeming.
 */
import {
  TicketBrokerCallerNotRecipient,
  TicketBrokerInsufficientFunds,
  TicketBrokerNonceAlreadyRedeemed,
  TicketBrokerNonceTooLarge,
  TicketBrokerRandMismatch,
  TicketBrokerSenderUnlocked,
  TicketBrokerTicketExpired,
  TicketBrokerUnauthorizedSigner,
} from "../contract/contractErrors.js";
import {
  InvalidInputError,
  assertAddress,
  assertBigint,
  assertHasMethods,
  assertObject,
  describeValue,
} from "./inputs.js";
import { checksumLowerHex } from "../internal/address.js";
import { MAX_UINT96, type Hex } from "../internal/bytes.js";
import { keccak256 } from "../internal/keccak.js";
import { recoverTicketPublicKey } from "./recoverTicketSigner.js";
import {
  STRUCT_RAND_HASH_OFFSET,
  STRUCT_SENDER_ADDRESS_OFFSET,
  STRUCT_WIN_PROB_OFFSET,
  type TicketHasher,
} from "./ticketDigest.js";
import { InvalidTicketFieldError, type SignedTicket, type Ticket } from "./ticketTypes.js";
import { drawWins, recipientRandHashBytes } from "./winDraw.js";

/**
 * The last rand and its commitment, and the last signer public key and its keccak: a recipient
 * validates many tickets with one rand from one sender, so each saves a keccak per ticket.
 */
let lastRand: bigint | undefined;
let lastRandHash: Buffer | undefined;
let lastPublicKey: Buffer | undefined;
let lastPublicKeyHash: Buffer | undefined;

/** keccak256(abi.encode(recipientRand)) ({@link recipientRandHashBytes}), kept for the next ticket. */
function randCommitment(recipientRand: bigint): Buffer {
  if (recipientRand === lastRand && lastRandHash !== undefined) return lastRandHash;
  let hash: Buffer;
  try {
    hash = recipientRandHashBytes(recipientRand);
  } catch (err) {
    throw new InvalidTicketFieldError("recipientRand is not a uint256", {
      details: {
        recipientRand:
          typeof recipientRand === "bigint" ? recipientRand : describeValue(recipientRand),
      },
      hint: "Pass the recipient's secret as a bigint in [0, 2^256 − 1].",
      cause: err instanceof InvalidTicketFieldError ? undefined : err,
    });
  }
  lastRand = recipientRand;
  lastRandHash = hash;
  return hash;
}

/** keccak256 of the 64 coordinate bytes of an uncompressed public key. */
function publicKeyHash(publicKey: Uint8Array): Buffer {
  const key = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength);
  if (lastPublicKey !== undefined && lastPublicKeyHash !== undefined && key.equals(lastPublicKey)) {
    return lastPublicKeyHash;
  }
  const hash = keccak256(key.subarray(1));
  lastPublicKey = Buffer.from(key);
  lastPublicKeyHash = hash;
  return hash;
}

/** What {@link validateTicket} needs. */
export interface ValidateTicketInput {
  /** The ticket and its signature as received. */
  signed: SignedTicket;
  /** A hasher for the broker's domain (so tickets for another chain or broker fail). */
  hasher: TicketHasher;
  /** The recipient's secret whose hash the ticket commits to. */
  recipientRand: bigint;
  /** The time to check expiry against, Unix seconds (e.g. the latest block's timestamp). */
  now: bigint;
  /** The recipient address that will redeem (the validating recipient itself). */
  caller: Hex;
  /** broker.highestRedeemedNonce(sender, recipient). */
  highestRedeemedNonce: bigint;
  /**
   * broker.signerValidUntil(sender, signer); only called for a signer other than the sender.
   * Pass `"checkedByCaller"` when that value has to be read asynchronously: the result then
   * names the delegated signer (`delegated: true`) and the caller must run
   * {@link checkSignerValidUntil} with it, the contract's last validation rule.
   */
  signerValidUntil: ((signer: Hex) => bigint) | "checkedByCaller";
}

/** The outcome for a ticket that passed every check. */
export interface ValidatedTicket {
  /** The EIP-712 digest (32 bytes). */
  digest: Uint8Array;
  /** The recovered signer: `ticket.sender` as given when the sender signed, else checksummed. */
  signer: Hex;
  /**
   * Whether a key other than the sender's signed. With `signerValidUntil: "checkedByCaller"`
   * its validity is still to be checked with {@link checkSignerValidUntil}.
   */
  delegated: boolean;
  /** Whether the ticket wins (then redeem it; the contract refuses it otherwise). */
  won: boolean;
}

/**
 * Validates a received ticket as `redeemWinningTicket` would from `caller` at time `now`, and
 * draws it. Checks, in the contract's order: caller is the recipient, not expired, the rand
 * matches its commitment, the nonce is above `highestRedeemedNonce` and fits in 96 bits, the
 * signature is canonical, and the signer is the sender or a delegate whose validUntil is not
 * past at `now`.
 * A malformed field throws {@link InvalidTicketFieldError} before any of them.
 *
 * It does not check funds (see {@link checkTicketFunds}) nor what only the recipient knows
 * (params it issued, nonces already seen).
 *
 * @example
 * ```ts
 * const { won, signer, delegated } = validateTicket({
 *   signed, hasher, recipientRand, now: BigInt(block.timestamp), caller: recipient,
 *   highestRedeemedNonce: await broker.highestRedeemedNonce(signed.ticket.sender, recipient),
 *   signerValidUntil: (s) => validUntilCache.get(s) ?? 0n,
 * });
 * ```
 */
export function validateTicket(input: ValidateTicketInput): ValidatedTicket {
  assertValidateTicketInput(input);
  const { signed, hasher, recipientRand, now, caller, highestRedeemedNonce } = input;
  const ticket = signed.ticket;
  // Encodes and range-checks every field first; well-formed tickets see the contract's order.
  const digest = hasher.digestBuffer(ticket);
  const struct = hasher.structWords();

  if (caller.toLowerCase() !== ticket.recipient.toLowerCase()) {
    throw new TicketBrokerCallerNotRecipient({ caller, recipient: ticket.recipient });
  }
  if (now > ticket.expiry) {
    throw new TicketBrokerTicketExpired({ expiry: ticket.expiry, timestamp: now });
  }
  const randHash = randCommitment(recipientRand);
  if (randHash.compare(struct, STRUCT_RAND_HASH_OFFSET, STRUCT_RAND_HASH_OFFSET + 32) !== 0) {
    throw new TicketBrokerRandMismatch({
      recipientRandHash: ticket.recipientRandHash,
      recipientRand,
    });
  }
  if (ticket.senderNonce <= highestRedeemedNonce) {
    throw new TicketBrokerNonceAlreadyRedeemed({
      sender: ticket.sender,
      recipient: ticket.recipient,
      senderNonce: ticket.senderNonce,
      highestRedeemedNonce,
    });
  }
  if (ticket.senderNonce > MAX_UINT96) {
    throw new TicketBrokerNonceTooLarge({ senderNonce: ticket.senderNonce });
  }

  const won = drawWins(digest, recipientRand, struct, STRUCT_WIN_PROB_OFFSET);

  const publicKey = recoverTicketPublicKey(digest, signed.signature);
  const addressHash = publicKeyHash(publicKey);
  let signer: Hex;
  let delegated = false;
  if (
    addressHash.compare(
      struct,
      STRUCT_SENDER_ADDRESS_OFFSET,
      STRUCT_SENDER_ADDRESS_OFFSET + 20,
      12,
      32,
    ) === 0
  ) {
    signer = ticket.sender;
  } else {
    signer = checksumLowerHex(addressHash.toString("hex", 12, 32));
    delegated = true;
    if (input.signerValidUntil !== "checkedByCaller") {
      checkSignerValidUntil({
        sender: ticket.sender,
        signer,
        now,
        validUntil: input.signerValidUntil(signer),
      });
    }
  }
  return { digest, signer, delegated, won };
}

/**
 * Type and shape checks of {@link validateTicket}'s input, all O(1): the ticket's fields are
 * range-checked as the hasher encodes them and the signature as it is recovered, so a valid
 * ticket is not checked twice on the hot path.
 */
function assertValidateTicketInput(input: unknown): asserts input is ValidateTicketInput {
  assertObject(input, "validateTicket input");
  assertObject(input["signed"], "signed");
  assertHasMethods(input["hasher"], "hasher", ["digestBuffer", "structWords"]);
  assertBigint(input["now"], "now", "any");
  assertBigint(input["highestRedeemedNonce"], "highestRedeemedNonce", "any");
  // Compared with ticket.recipient case-insensitively below: a string suffices here.
  if (typeof input["caller"] !== "string") {
    throw new InvalidInputError("caller must be the redeeming recipient's address", {
      details: { field: "caller", received: describeValue(input["caller"]) },
      hint: "Pass caller as the 0x-prefixed address of the recipient that will redeem the ticket.",
    });
  }
  const validUntil = input["signerValidUntil"];
  if (validUntil !== "checkedByCaller" && typeof validUntil !== "function") {
    throw new InvalidInputError('signerValidUntil must be a function or "checkedByCaller"', {
      details: { field: "signerValidUntil", received: describeValue(validUntil) },
      hint: 'Pass (signer) => broker.signerValidUntil(sender, signer) as a bigint, or "checkedByCaller" and run checkSignerValidUntil yourself.',
    });
  }
}

/**
 * The contract's last validation rule for a ticket signed by a delegated key: its tickets count
 * until its validUntil (judged at redemption time `now`). Throws
 * {@link TicketBrokerUnauthorizedSigner} otherwise.
 *
 * @example
 * ```ts
 * const v = validateTicket({ ...input, signerValidUntil: "checkedByCaller" });
 * if (v.delegated) {
 *   const validUntil = await reader.signerValidUntil(sender, v.signer);
 *   checkSignerValidUntil({ sender, signer: v.signer, now, validUntil });
 * }
 * ```
 */
export function checkSignerValidUntil(args: {
  sender: Hex;
  signer: Hex;
  now: bigint;
  validUntil: bigint;
}): void {
  assertObject(args, "checkSignerValidUntil arguments");
  assertAddress(args.sender, "sender");
  assertAddress(args.signer, "signer");
  assertBigint(args.now, "now");
  assertBigint(args.validUntil, "validUntil");
  if (args.now > args.validUntil) {
    throw new TicketBrokerUnauthorizedSigner({ sender: args.sender, signer: args.signer });
  }
}

/** What {@link checkTicketFunds} needs: the sender's state as the broker reports it. */
export interface TicketFundsInput {
  ticket: Ticket;
  /** Unix seconds at which redemption would run. */
  now: bigint;
  /** getSenderInfo(sender).deposit. */
  deposit: bigint;
  /** claimableReserve(sender, recipient): the recipient's reserve allocation this round. */
  reserveAllocation: bigint;
  /** getSenderInfo(sender).unlockEnd (0 when not unlocking). */
  unlockEnd: bigint;
}

/**
 * The contract's settlement checks (TicketBroker._settle), which run after
 * {@link validateTicket}'s: the sender's unlock has not completed, and the deposit plus the
 * recipient's reserve allocation covers the whole face value. Returns the part that would come
 * from the reserve.
 *
 * @example
 * ```ts
 * const info = await broker.getSenderInfo(sender);
 * checkTicketFunds({
 *   ticket, now, deposit: info.deposit, unlockEnd: info.unlockEnd,
 *   reserveAllocation: await broker.claimableReserve(sender, recipient),
 * });
 * ```
 */
export function checkTicketFunds(input: TicketFundsInput): { fromReserve: bigint } {
  assertObject(input, "checkTicketFunds input");
  const { ticket, now, deposit, reserveAllocation, unlockEnd } = input;
  assertObject(ticket, "ticket");
  assertAddress(ticket.sender, "ticket.sender");
  assertBigint(ticket.faceValue, "ticket.faceValue");
  assertBigint(now, "now");
  assertBigint(deposit, "deposit");
  assertBigint(reserveAllocation, "reserveAllocation");
  assertBigint(unlockEnd, "unlockEnd");
  if (unlockEnd !== 0n && now >= unlockEnd) {
    throw new TicketBrokerSenderUnlocked({ sender: ticket.sender, unlockEnd });
  }
  if (ticket.faceValue <= deposit) return { fromReserve: 0n };
  const fromReserve = ticket.faceValue - deposit;
  if (fromReserve > reserveAllocation) {
    throw new TicketBrokerInsufficientFunds({
      sender: ticket.sender,
      available: deposit + reserveAllocation,
      needed: ticket.faceValue,
    });
  }
  return { fromReserve };
}
