/**
 * The TicketBroker's custom errors as TypeScript classes, one per Solidity error and named
 * exactly like it, plus {@link decodeBrokerError} that turns revert data into them. The
 * off-chain validator throws the same classes, so a ticket refused off-chain and a ticket
 * refused by the contract look the same to the caller.
 */
import { Interface } from "ethers";

import { ticketBrokerAbi } from "./abi.js";
import { TicketBrokerError } from "../errors.js";

type Address = string;
type Bytes32 = string;

/** Options every contract error accepts. */
export interface BrokerErrorOptions {
  /** The underlying error (e.g. an ethers CALL_EXCEPTION), if any. */
  cause?: unknown;
  /** The raw ABI-encoded revert data, if the error came from the chain. */
  revertData?: string;
}

/**
 * Base of the errors that mirror a TicketBroker custom error. `details` holds the error's
 * arguments by their Solidity names; `revertData` the ABI-encoded revert, when it came from chain.
 */
export class TicketBrokerContractError extends TicketBrokerError {
  readonly revertData: string | undefined;
  constructor(
    message: string,
    details: Record<string, unknown>,
    hint: string,
    options: BrokerErrorOptions = {},
  ) {
    super(message, { details, hint, cause: options.cause });
    this.revertData = options.revertData;
  }
}

/** A funding call sent no ether. */
export class TicketBrokerZeroValue extends TicketBrokerContractError {
  constructor(_details: Record<string, never> = {}, options?: BrokerErrorOptions) {
    super("The funding call sent no ether", {}, "Send a non-zero value with the call.", options);
  }
}

/** `msg.value` is not the sum of the requested deposit and reserve amounts. */
export class TicketBrokerValueMismatch extends TicketBrokerContractError {
  constructor(
    details: { value: bigint; depositAmount: bigint; reserveAmount: bigint },
    options?: BrokerErrorOptions,
  ) {
    super(
      `Sent ${details.value} wei but asked for ${details.depositAmount} deposit + ${details.reserveAmount} reserve`,
      details,
      "Send exactly depositAmount + reserveAmount wei.",
      options,
    );
  }
}

/** A zero address was given where an account is required. */
export class TicketBrokerZeroAddress extends TicketBrokerContractError {
  constructor(_details: Record<string, never> = {}, options?: BrokerErrorOptions) {
    super("The zero address was given", {}, "Pass a real account address.", options);
  }
}

/** A balance would exceed the 96-bit storage width. */
export class TicketBrokerAmountTooLarge extends TicketBrokerContractError {
  constructor(details: { amount: bigint }, options?: BrokerErrorOptions) {
    super(
      `Balance ${details.amount} wei would exceed 2^96 − 1`,
      details,
      "Fund a smaller amount; balances are capped at 2^96 − 1 wei.",
      options,
    );
  }
}

/** The sender has nothing to unlock or withdraw. */
export class TicketBrokerNoFunds extends TicketBrokerContractError {
  constructor(details: { sender: Address }, options?: BrokerErrorOptions) {
    super(
      `Sender ${details.sender} has no funds`,
      details,
      "Fund the deposit or reserve first; there is nothing to unlock or withdraw.",
      options,
    );
  }
}

/** The sender already has an unlock in progress or completed. */
export class TicketBrokerAlreadyUnlocking extends TicketBrokerContractError {
  constructor(details: { sender: Address; unlockEnd: bigint }, options?: BrokerErrorOptions) {
    super(
      `Sender ${details.sender} is already unlocking (ends at ${details.unlockEnd})`,
      details,
      "Wait for the unlock to end and withdraw, or cancel it first.",
      options,
    );
  }
}

/** The sender has no unlock to cancel or complete. */
export class TicketBrokerNotUnlocking extends TicketBrokerContractError {
  constructor(details: { sender: Address }, options?: BrokerErrorOptions) {
    super(
      `Sender ${details.sender} is not unlocking`,
      details,
      "Call unlock() first and wait for the unlock period.",
      options,
    );
  }
}

/** The sender's unlock period has not elapsed yet. */
export class TicketBrokerUnlockPending extends TicketBrokerContractError {
  constructor(
    details: { sender: Address; unlockEnd: bigint; timestamp: bigint },
    options?: BrokerErrorOptions,
  ) {
    super(
      `Unlock of ${details.sender} ends at ${details.unlockEnd}; it is ${details.timestamp}`,
      details,
      "Retry the withdrawal at or after unlockEnd.",
      options,
    );
  }
}

/** Only the ticket's recipient can redeem it. */
export class TicketBrokerCallerNotRecipient extends TicketBrokerContractError {
  constructor(details: { caller: Address; recipient: Address }, options?: BrokerErrorOptions) {
    super(
      `Caller ${details.caller} is not the ticket's recipient ${details.recipient}`,
      details,
      "Redeem from the recipient's account, or refuse tickets made out to another recipient.",
      options,
    );
  }
}

/** The ticket expired. */
export class TicketBrokerTicketExpired extends TicketBrokerContractError {
  constructor(details: { expiry: bigint; timestamp: bigint }, options?: BrokerErrorOptions) {
    super(
      `Ticket expired at ${details.expiry}; it is ${details.timestamp}`,
      details,
      "Drop the ticket; ask the sender for tickets on fresh params with a later expiry.",
      options,
    );
  }
}

/** keccak256 of the revealed value is not the ticket's recipientRandHash. */
export class TicketBrokerRandMismatch extends TicketBrokerContractError {
  constructor(
    details: { recipientRandHash: Bytes32; recipientRand: bigint },
    options?: BrokerErrorOptions,
  ) {
    super(
      `keccak256(recipientRand) does not match recipientRandHash ${details.recipientRandHash}`,
      details,
      "Use the recipientRand the ticket's params were issued with; the ticket may bind params the recipient never issued.",
      options,
    );
  }
}

/** The nonce is not above the highest nonce redeemed for the pair. */
export class TicketBrokerNonceAlreadyRedeemed extends TicketBrokerContractError {
  constructor(
    details: {
      sender: Address;
      recipient: Address;
      senderNonce: bigint;
      highestRedeemedNonce: bigint;
    },
    options?: BrokerErrorOptions,
  ) {
    super(
      `Nonce ${details.senderNonce} is not above the redeemed nonce ${details.highestRedeemedNonce}`,
      details,
      "Drop the ticket: a ticket with this or a higher nonce was already redeemed for this pair. Redeem winners in ascending nonce order.",
      options,
    );
  }
}

/** The nonce does not fit in 96 bits. */
export class TicketBrokerNonceTooLarge extends TicketBrokerContractError {
  constructor(details: { senderNonce: bigint }, options?: BrokerErrorOptions) {
    super(
      `Nonce ${details.senderNonce} does not fit in 96 bits`,
      details,
      "Senders must use nonces below 2^96; refuse this ticket.",
      options,
    );
  }
}

/** The signature is not a canonical 65-byte ECDSA signature of the ticket digest. */
export class TicketBrokerInvalidSignature extends TicketBrokerContractError {
  constructor(details: { digest: Bytes32 }, options?: BrokerErrorOptions) {
    super(
      `Invalid signature for ticket digest ${details.digest}`,
      details,
      "Sign the EIP-712 digest with a 65-byte r ‖ s ‖ v signature, low s and v ∈ {27, 28}; check the chain id and broker address of the domain.",
      options,
    );
  }
}

/** The ticket was signed by a key that is neither the sender nor authorised by it. */
export class TicketBrokerUnauthorizedSigner extends TicketBrokerContractError {
  constructor(details: { sender: Address; signer: Address }, options?: BrokerErrorOptions) {
    super(
      `Signer ${details.signer} may not sign tickets for ${details.sender}`,
      details,
      "The sender must authorizeSigner(signer) first. A revoked signer's tickets still count until its signerValidUntil (the revocation time plus one unlock period), whatever their expiry, and no longer after it. A wrong domain also recovers a wrong signer.",
      options,
    );
  }
}

/**
 * The ticket did not win. Only redemption raises it: {@link validateTicket} returns
 * `won: false` for losing tickets, which recipients accept as payment.
 */
export class TicketBrokerTicketNotWinning extends TicketBrokerContractError {
  constructor(details: { digest: Bytes32; winProb: bigint }, options?: BrokerErrorOptions) {
    super(
      `Ticket ${details.digest} did not win`,
      details,
      "Only submit tickets for which validateTicket returned won = true.",
      options,
    );
  }
}

/** The sender's unlock completed; its tickets can no longer be redeemed. */
export class TicketBrokerSenderUnlocked extends TicketBrokerContractError {
  constructor(details: { sender: Address; unlockEnd: bigint }, options?: BrokerErrorOptions) {
    super(
      `Sender ${details.sender} finished unlocking at ${details.unlockEnd}`,
      details,
      "Stop accepting tickets from this sender; redeem winners before a sender's unlock ends.",
      options,
    );
  }
}

/** The deposit plus the recipient's reserve allocation cannot pay the face value. */
export class TicketBrokerInsufficientFunds extends TicketBrokerContractError {
  constructor(
    details: { sender: Address; available: bigint; needed: bigint },
    options?: BrokerErrorOptions,
  ) {
    super(
      `Sender ${details.sender} can pay ${details.available} wei of the ${details.needed} wei face value`,
      details,
      "Keep the ticket (it stays redeemable) and retry after the sender funds more or a new reserve round starts; lower the face value of new params.",
      options,
    );
  }
}

/**
 * In a batch, an earlier ticket of the same sender (at `index`) could not be paid, so this one
 * was skipped to keep that winner redeemable.
 */
export class TicketBrokerEarlierTicketUnpaid extends TicketBrokerContractError {
  constructor(details: { sender: Address; index: bigint }, options?: BrokerErrorOptions) {
    super(
      `Skipped: the sender ${details.sender}'s ticket at batch index ${details.index} could not be paid`,
      details,
      "Keep this ticket; redeem the unpaid one first once the sender can pay it, then this one.",
      options,
    );
  }
}

/** An ether transfer failed. */
export class TicketBrokerTransferFailed extends TicketBrokerContractError {
  constructor(details: { to: Address; amount: bigint }, options?: BrokerErrorOptions) {
    super(
      `Transfer of ${details.amount} wei to ${details.to} failed`,
      details,
      "Send to an address that accepts ether.",
      options,
    );
  }
}

/** `signer` is not an active signer of `sender`. */
export class TicketBrokerSignerNotAuthorized extends TicketBrokerContractError {
  constructor(details: { sender: Address; signer: Address }, options?: BrokerErrorOptions) {
    super(
      `${details.signer} is not an active signer of ${details.sender}`,
      details,
      "Only revoke a signer that is currently authorised.",
      options,
    );
  }
}

/** The constructor's unlock period is zero or longer than a year. */
export class TicketBrokerInvalidUnlockPeriod extends TicketBrokerContractError {
  constructor(details: { unlockPeriod: bigint }, options?: BrokerErrorOptions) {
    super(
      `Unlock period ${details.unlockPeriod} s is out of range`,
      details,
      "Deploy with an unlock period between 1 s and 365 days.",
      options,
    );
  }
}

/** The constructor's round length is zero or longer than a year. */
export class TicketBrokerInvalidRoundLength extends TicketBrokerContractError {
  constructor(details: { roundLength: bigint }, options?: BrokerErrorOptions) {
    super(
      `Round length ${details.roundLength} s is out of range`,
      details,
      "Deploy with a round length between 1 s and 365 days.",
      options,
    );
  }
}

/** The constructor's recipient pool is the zero address. */
export class TicketBrokerInvalidRecipientPool extends TicketBrokerContractError {
  constructor(_details: Record<string, never> = {}, options?: BrokerErrorOptions) {
    super(
      "The recipient pool is the zero address",
      {},
      "Deploy with a recipient pool contract address.",
      options,
    );
  }
}

/** Revert data that is none of the broker's errors (a panic, a string revert, or no data). */
export class TicketBrokerUnknownRevert extends TicketBrokerContractError {
  constructor(
    details: { data: string | undefined; reason?: string },
    options?: BrokerErrorOptions,
  ) {
    super(
      details.reason === undefined
        ? `Unrecognised revert ${details.data ?? "(no data)"}`
        : `Reverted: ${details.reason}`,
      details,
      "Check that the address is a TicketBroker of this version and that the call's arguments are well formed.",
      options,
    );
  }
}

/**
 * Custom errors the TicketBroker inherits from OpenZeppelin (EIP712's short strings,
 * ReentrancyGuard, SafeCast). The broker's own checks never raise them in normal use; they are
 * decoded by name like the rest so a revert always carries its Solidity name.
 */
export class InvalidShortString extends TicketBrokerContractError {
  constructor(_details: Record<string, never> = {}, options?: BrokerErrorOptions) {
    super(
      "The EIP-712 name or version is not a short string",
      {},
      "Only the constructor raises this; deploy with the broker's own EIP-712 name and version.",
      options,
    );
  }
}

/** A string longer than 31 bytes was given where a short string is stored (EIP-712 domain). */
export class StringTooLong extends TicketBrokerContractError {
  constructor(details: { str: string }, options?: BrokerErrorOptions) {
    super(
      `String "${details.str}" is longer than 31 bytes`,
      details,
      "Only the constructor raises this; deploy with the broker's own EIP-712 name and version.",
      options,
    );
  }
}

/** A call re-entered the broker while an ether transfer was in progress. */
export class ReentrancyGuardReentrantCall extends TicketBrokerContractError {
  constructor(_details: Record<string, never> = {}, options?: BrokerErrorOptions) {
    super(
      "Re-entrant call into the TicketBroker",
      {},
      "The receiving contract called back into the broker while being paid; withdraw to an address that does not call the broker from its receive function.",
      options,
    );
  }
}

/** A value did not fit the storage width it is cast to. */
export class SafeCastOverflowedUintDowncast extends TicketBrokerContractError {
  constructor(details: { bits: bigint; value: bigint }, options?: BrokerErrorOptions) {
    super(
      `Value ${details.value} does not fit in ${details.bits} bits`,
      details,
      "Pass a smaller amount or nonce; balances and nonces are stored in 96 bits.",
      options,
    );
  }
}

type ErrorClass = new (details: never, options?: BrokerErrorOptions) => TicketBrokerContractError;

/** The custom errors of the generated TicketBroker ABI (src/contract/abi.ts). */
type AbiError = Extract<(typeof ticketBrokerAbi)[number], { type: "error" }>;

/** The name of every custom error in the TicketBroker ABI, e.g. `"TicketBrokerInsufficientFunds"`. */
export type BrokerErrorName = AbiError["name"];

/**
 * Class by Solidity error name. `satisfies` makes a missing or an extra entry a compile error:
 * after a contract change regenerates src/contract/abi.ts, every new error needs its class here.
 */
const CLASSES = {
  InvalidShortString,
  ReentrancyGuardReentrantCall,
  SafeCastOverflowedUintDowncast,
  StringTooLong,
  TicketBrokerAlreadyUnlocking,
  TicketBrokerAmountTooLarge,
  TicketBrokerCallerNotRecipient,
  TicketBrokerEarlierTicketUnpaid,
  TicketBrokerInsufficientFunds,
  TicketBrokerInvalidRecipientPool,
  TicketBrokerInvalidRoundLength,
  TicketBrokerInvalidSignature,
  TicketBrokerInvalidUnlockPeriod,
  TicketBrokerNoFunds,
  TicketBrokerNonceAlreadyRedeemed,
  TicketBrokerNonceTooLarge,
  TicketBrokerNotUnlocking,
  TicketBrokerRandMismatch,
  TicketBrokerSenderUnlocked,
  TicketBrokerSignerNotAuthorized,
  TicketBrokerTicketExpired,
  TicketBrokerTicketNotWinning,
  TicketBrokerTransferFailed,
  TicketBrokerUnauthorizedSigner,
  TicketBrokerUnlockPending,
  TicketBrokerValueMismatch,
  TicketBrokerZeroAddress,
  TicketBrokerZeroValue,
} satisfies Record<BrokerErrorName, ErrorClass>;

const ABI_ERRORS: readonly AbiError[] = ticketBrokerAbi.filter(
  (item): item is AbiError => item.type === "error",
);

/**
 * The Solidity error signatures this module decodes, with parameter names
 * (`"TicketBrokerNoFunds(address sender)"`), read from the generated ABI at load time.
 */
export const BROKER_ERROR_SIGNATURES: readonly string[] = ABI_ERRORS.map(
  (e) => `${e.name}(${e.inputs.map((i) => `${i.type} ${i.name}`).join(", ")})`,
);

let errorInterface: Interface | undefined;
const classByName: ReadonlyMap<string, ErrorClass> = new Map(Object.entries(CLASSES));

/** The broker's errors as an ethers Interface (selectors computed from the ABI). */
function brokerInterface(): Interface {
  errorInterface ??= new Interface(ABI_ERRORS);
  return errorInterface;
}

/** Where ethers, Hardhat and JSON-RPC errors keep revert data or the error that holds it. */
const REVERT_KEYS = ["data", "revertData", "error", "info", "cause", "revert"] as const;

/**
 * Finds ABI-encoded revert data in a thrown value: the value itself when it is a hex string, or
 * the first hex string under `data`, `revertData`, `error`, `info`, `cause` or `revert`, a few
 * levels deep (ethers nests the node's answer in `info.error.data`, Hardhat in `data.data`).
 * Data with a 4-byte selector wins over an empty `0x` found earlier; `0x` is returned only when
 * nothing longer is found.
 *
 * @example
 * ```ts
 * findRevertData({ info: { error: { data: "0x08c379a0..." } } }); // "0x08c379a0..."
 * ```
 */
export function findRevertData(value: unknown): string | undefined {
  let short: string | undefined;
  const visit = (v: unknown, depth: number): string | undefined => {
    if (typeof v === "string") {
      if (!/^0x([0-9a-fA-F]{2})*$/.test(v)) return undefined;
      if (v.length >= 10 || depth === 0) return v;
      short ??= v;
      return undefined;
    }
    if (v === null || typeof v !== "object" || depth > 6) return undefined;
    const obj = v as Record<string, unknown>;
    for (const key of REVERT_KEYS) {
      let child: unknown;
      try {
        child = obj[key];
      } catch {
        continue;
      }
      const found = visit(child, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(value, 0) ?? short;
}

/**
 * Turns revert data, or an error thrown by ethers for a reverted call (CALL_EXCEPTION), into
 * the matching typed error. Data that is not one of the broker's errors becomes a
 * {@link TicketBrokerUnknownRevert} (with the reason string of an `Error(string)` revert).
 *
 * @example
 * ```ts
 * try {
 *   await broker.redeemWinningTicket(ticket, signature, rand);
 * } catch (err) {
 *   const e = decodeBrokerError(err);
 *   if (e instanceof TicketBrokerInsufficientFunds) retryLater(e.details.available);
 * }
 * ```
 */
export function decodeBrokerError(revertData: string | unknown): TicketBrokerError {
  if (revertData instanceof TicketBrokerError) return revertData;
  const cause = typeof revertData === "string" ? undefined : revertData;
  const data = findRevertData(revertData);
  if (data !== undefined && data.length >= 10) {
    let parsed: ReturnType<Interface["parseError"]> = null;
    try {
      parsed = brokerInterface().parseError(data);
    } catch {
      parsed = null;
    }
    const cls = parsed === null ? undefined : classByName.get(parsed.name);
    if (parsed !== null && cls !== undefined) {
      const details: Record<string, unknown> = {};
      parsed.fragment.inputs.forEach((input, i) => {
        details[input.name] = parsed.args[i];
      });
      return new cls(details as never, { cause, revertData: data });
    }
    if (data.slice(0, 10).toLowerCase() === "0x08c379a0") {
      try {
        const [reason] = Interface.from(["error Error(string)"]).decodeErrorResult("Error", data);
        return new TicketBrokerUnknownRevert(
          { data, reason: String(reason) },
          { cause, revertData: data },
        );
      } catch {
        // Fall through to the generic case.
      }
    }
  }
  const reason =
    data === undefined && cause instanceof Error && cause.message !== ""
      ? cause.message
      : undefined;
  return new TicketBrokerUnknownRevert(
    reason === undefined ? { data } : { data, reason },
    data === undefined ? { cause } : { cause, revertData: data },
  );
}
