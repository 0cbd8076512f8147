import { ticketEV } from "./ev.js";
import { assertAddress, assertHexBytes, assertObject } from "./inputs.js";
import type { Rational } from "../math/rational.js";
import type { Ticket } from "./ticketTypes.js";

/**
 * The terms a recipient (orchestrator) offers a sender (gateway) for its tickets. The recipient
 * issues them; the sender signs tickets that copy `recipient`, `sender`, `faceValue`, `winProb`,
 * `recipientRandHash` and `ticketExpiry` (as the ticket's `expiry`), and echoes the whole object
 * back with every ticket so the recipient can re-derive its secret random value statelessly.
 *
 * Two deadlines, both Unix seconds:
 * - `expirationTime` is the issuance deadline: the sender creates no ticket with these params
 *   after it, and the recipient accepts none shortly after it. Once it has passed, no ticket
 *   on these params can still arrive, so the recipient may redeem their winners in nonce order.
 * - `ticketExpiry` is the redemption deadline written into each ticket's `expiry`; it is later
 *   than `expirationTime` so that winners can still be redeemed after the params expire.
 *
 * The broker domain (`chainId`, `verifyingContract`) says which deployment the tickets are for.
 * Prices per unit of work are not part of the params; the pricing module handles them.
 *
 * @example
 * ```ts
 * const params: TicketParams = await recipient.issueParams({ sender: gateway.address });
 * ticketParamsEV(params).toDecimalString(); // "1000000000000.000001"
 * ```
 */
export interface TicketParams {
  /** Who the tickets pay (the orchestrator's address, which redeems them). */
  readonly recipient: `0x${string}`;
  /** Whose deposit and reserve pay the tickets (the gateway's address). */
  readonly sender: `0x${string}`;
  /** Wei paid when a ticket wins. */
  readonly faceValue: bigint;
  /** Win probability × 2^256. */
  readonly winProb: bigint;
  /** keccak256(abi.encode(recipientRand)): the recipient's commitment. */
  readonly recipientRandHash: `0x${string}`;
  /** 32 random bytes that make each params set (and its recipientRand) unique. */
  readonly seed: `0x${string}`;
  /** Issuance deadline (Unix seconds): no ticket is created with these params after it. */
  readonly expirationTime: bigint;
  /** Redemption deadline (Unix seconds) put into every ticket's `expiry`; after `expirationTime`. */
  readonly ticketExpiry: bigint;
  /** Chain id of the broker deployment. */
  readonly chainId: bigint;
  /** Address of the TicketBroker the tickets are for. */
  readonly verifyingContract: `0x${string}`;
}

/**
 * Expected value in wei of one ticket made with `params`, exactly.
 *
 * @example
 * ```ts
 * ticketParamsEV({ ...params, faceValue: 1000n, winProb: 1n << 255n }).equals(500n); // true
 * ```
 */
export function ticketParamsEV(params: Pick<TicketParams, "faceValue" | "winProb">): Rational {
  assertObject(params, "params");
  return ticketEV(params.faceValue, params.winProb);
}

/**
 * A string that identifies one params set: its sender and its recipientRandHash (the hash of a
 * value bound to every field, so two params sets never share it).
 *
 * @example
 * ```ts
 * ticketParamsKey(params); // "0xsender…:0xrandhash…"
 * ```
 */
export function ticketParamsKey(
  params: Pick<TicketParams, "sender" | "recipientRandHash">,
): string {
  assertObject(params, "params");
  assertAddress(params.sender, "params.sender");
  assertHexBytes(params.recipientRandHash, 32, "params.recipientRandHash");
  return `${params.sender.toLowerCase()}:${params.recipientRandHash.toLowerCase()}`;
}

/**
 * The ticket a sender signs with `params`: it copies the params' terms (their `ticketExpiry` as
 * its `expiry`) and adds the sender's nonce and the work it pays for.
 *
 * @example
 * ```ts
 * const ticket = ticketForParams({ params, senderNonce: 7n, workId: segmentHash });
 * ```
 */
export function ticketForParams(args: {
  params: TicketParams;
  senderNonce: bigint;
  workId: `0x${string}`;
}): Ticket {
  assertObject(args, "ticketForParams arguments");
  const { params } = args;
  assertObject(params, "params");
  return {
    recipient: params.recipient,
    sender: params.sender,
    faceValue: params.faceValue,
    winProb: params.winProb,
    senderNonce: args.senderNonce,
    recipientRandHash: params.recipientRandHash,
    expiry: params.ticketExpiry,
    workId: args.workId,
  };
}
