import { TicketBrokerError } from "../errors.js";

/**
 * Errors of the recipient (orchestrator) flow for what only the recipient knows. Rules the
 * contract also enforces are thrown as the contract's own error classes (from `validateTicket`).
 *
 * @example
 * ```ts
 * try {
 *   await recipient.receiveTicket({ signed, params });
 * } catch (err) {
 *   if (err instanceof TicketParamsNotIssuedError) refuseWork();
 * }
 * ```
 */
export class TicketParamsNotIssuedError extends TicketBrokerError {}

/** A ticket's fields differ from the params it claims to use, or the params are for someone else. */
export class TicketParamsMismatchOnReceiveError extends TicketBrokerError {}

/** The params' issuance deadline (plus the grace period) passed before the ticket arrived. */
export class TicketParamsExpiredOnReceiveError extends TicketBrokerError {}

/**
 * The params were issued before this recipient started: the nonces it received on them before
 * a restart are unknown, so a replayed ticket could be credited twice.
 */
export class TicketParamsFromEarlierRunError extends TicketBrokerError {}

/**
 * The ticket was signed by a delegated key the sender has revoked. The broker still honours the
 * key's tickets until its validUntil (so winners already accepted get paid), but a recipient
 * takes no new payment from it.
 */
export class TicketSignerRevokedError extends TicketBrokerError {}

/**
 * The nonce is not above the sender's nonce floor: the highest nonce the recipient received on
 * the sender's params that have closed, or held by one of its pending winners from an earlier
 * run. Nonces must rise from one params set to the next, or a sender could keep its lowest
 * winner on live params and hold back every redemption (see the Redeemer); and a winner below a
 * winner being redeemed could never be paid.
 */
export class TicketNonceBelowClosedParamsError extends TicketBrokerError {}

/** The sender used a nonce this recipient has already received from it. */
export class TicketNonceReusedError extends TicketBrokerError {}

/** The sender sent more tickets on one params set than the recipient allows. */
export class TicketParamsNonceLimitError extends TicketBrokerError {}

/** The sender cannot pay the face value: deposit + reserve allocation − pending winners is too low. */
export class SenderCannotPayError extends TicketBrokerError {}

/** The sender's unlock ends before the tickets expire, so winners could not be redeemed. */
export class SenderUnlockingError extends TicketBrokerError {}

/** Params cannot be issued with this configuration (bad secret, seed, gas inputs or windows). */
export class IssueTicketParamsError extends TicketBrokerError {}

/** The winner store cannot read or write its records. */
export class WinnerStoreError extends TicketBrokerError {}
