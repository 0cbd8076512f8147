import { TicketBrokerError } from "../errors.js";

/**
 * Errors of the persistence layer (`src/store/`). Each says which rule refused the operation;
 * `details` carries the values compared and `hint` says what to do.
 *
 * @example
 * ```ts
 * try {
 *   await store.ledger.record(rec);
 * } catch (err) {
 *   if (err instanceof IdempotencyConflictError) reply(409, err.hint);
 * }
 * ```
 */
export class StoreError extends TicketBrokerError {}

/** The same idempotency key was used before with a different request body. */
export class IdempotencyConflictError extends StoreError {}

/**
 * A new payment record would take its client past the spend limit given to
 * `PaymentLedger.record` (nothing was recorded). `details`: clientId, spentWei (in the window
 * before this record), evWei, limitWei, since.
 */
export class SpendLimitReachedError extends StoreError {}

/** A debit would take a session balance below the allowed tolerance. */
export class SessionOverdrawnError extends StoreError {}

/** The database cannot be reached or refused the operation (connection, I/O, lock timeout). */
export class StoreUnavailableError extends StoreError {}

/** A winner was asked to move between redemption states the state machine does not allow. */
export class WinnerStateTransitionError extends StoreError {}

/** A store URL that `openStore` cannot parse or does not support. */
export class InvalidStoreUrlError extends StoreError {}

/** An argument a store refuses (negative amount, malformed value). */
export class InvalidStoreArgumentError extends StoreError {}

/** The database schema is newer than this software or a migration failed. */
export class StoreMigrationError extends StoreError {}
