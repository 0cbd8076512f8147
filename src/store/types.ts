import type { ReplayStore } from "../recipient/replayStore.js";
import type { Rational } from "../math/rational.js";
import type { NonceStore } from "../sender/nonceStore.js";
import type { DurableWinnerStore } from "./winners.js";

/**
 * One signed payment as the signer recorded it, keyed by (clientId, idempotencyKey): a retried
 * request with the same key and body gets the stored `response` back instead of new tickets.
 */
export interface PaymentRecord {
  readonly idempotencyKey: string;
  /** The API client (key id) that asked for the payment. */
  readonly clientId: string;
  /** A hash of the request body; the same key with another hash is a conflict. */
  readonly requestHash: string;
  readonly sender: `0x${string}`;
  readonly recipient: `0x${string}`;
  readonly sessionId: string;
  /** Expected value of the tickets signed, wei rounded up. Counted against spend limits. */
  readonly evWei: bigint;
  /** The response returned to the client (plain JSON: no bigint, no undefined). */
  readonly response: unknown;
  /** When it was recorded (Unix milliseconds or seconds: the caller's choice, used consistently). */
  readonly createdAt: bigint;
}

/**
 * The signer's audit ledger of payments, with idempotency and spend windows.
 *
 * @example
 * ```ts
 * const { replayed, record } = await ledger.record(rec);
 * if (replayed) return record.response; // a retry: the same tickets, none minted
 * ```
 */
export interface PaymentLedger {
  /**
   * Atomic. Same key + same requestHash → `{ replayed: true, record: stored }`; same key + other
   * requestHash → throws `IdempotencyConflictError`; new key → inserts, `{ replayed: false }`.
   * With `spendLimit`, a new key is inserted only if the client's `evWei` recorded since
   * `spendLimit.since` plus this record's stays ≤ `spendLimit.limitWei`, decided in the same
   * atomic step (across processes too); otherwise it throws `SpendLimitReachedError` and records
   * nothing. A replay is returned whatever the limit.
   */
  record(
    rec: PaymentRecord,
    options?: { spendLimit?: SpendLimit },
  ): Promise<{ replayed: boolean; record: PaymentRecord }>;
  get(idempotencyKey: string, clientId: string): Promise<PaymentRecord | undefined>;
  /** Sum of `evWei` recorded for clientId with createdAt ≥ since. */
  spentSince(clientId: string, since: bigint): Promise<bigint>;
}

/** A client's spend limit over a window: at most `limitWei` of EV recorded since `since` (ms). */
export interface SpendLimit {
  readonly limitWei: bigint;
  readonly since: bigint;
}

/** A session's exact totals as a store keeps them. */
export interface SessionBalance {
  /** credited − debited. */
  readonly balance: Rational;
  readonly credited: Rational;
  readonly debited: Rational;
  /** Set once the session was closed, with the first reason given. */
  readonly closedReason?: string;
}

/** What a credit returns: the session's totals after it, and whether it applied. */
export interface CreditResult {
  /** credited − debited. */
  readonly balance: Rational;
  readonly credited: Rational;
  readonly debited: Rational;
  /** False when the credit id was seen before (nothing added). */
  readonly applied: boolean;
}

/**
 * Session balances (both sides), exact rationals. A session exists from its first credit or
 * debit.
 *
 * @example
 * ```ts
 * await sessions.credit({ sessionId, amount: ev, creditId: ticketDigest });
 * await sessions.debit({ sessionId, amount: fee, tolerance: Rational.ZERO });
 * ```
 */
export interface SessionStore {
  /**
   * Atomic credit; returns the session's totals after it. `creditId` makes it idempotent: the
   * same id twice (for the session) credits once, the second call returns `applied: false`.
   */
  credit(a: { sessionId: string; amount: Rational; creditId: string }): Promise<CreditResult>;
  /**
   * Atomic debit; throws `SessionOverdrawnError` (and changes nothing) if balance − amount <
   * −tolerance. With `debitId`, the same id twice debits once.
   */
  debit(a: {
    sessionId: string;
    amount: Rational;
    tolerance: Rational;
    debitId?: string;
  }): Promise<{ balance: Rational }>;
  get(sessionId: string): Promise<SessionBalance | undefined>;
  /** Marks the session closed; the first reason is kept. Closing an unknown session creates it. */
  close(a: { sessionId: string; reason: string }): Promise<void>;
}

/**
 * One holder at a time per name, across every process on the store: used to elect one redeemer
 * per orchestrator address. A crashed holder's lock is freed (PostgreSQL: its connection ends;
 * SQLite: its process is gone).
 *
 * @example
 * ```ts
 * if (await store.locks.tryAcquire(`redeemer:${address}`)) await runRedeemer();
 * ```
 */
export interface LeaderLock {
  /** True if this store now holds the lock for `name` (also true if it already held it). */
  tryAcquire(name: string): Promise<boolean>;
  /** Releases the lock if this store holds it; otherwise does nothing. */
  release(name: string): Promise<void>;
}

/** Every piece of durable state a service needs, on one backend. */
export interface Store {
  readonly kind: "memory" | "sqlite" | "postgres";
  readonly nonces: NonceStore;
  readonly ledger: PaymentLedger;
  readonly replay: ReplayStore;
  readonly sessions: SessionStore;
  readonly winners: DurableWinnerStore;
  readonly locks: LeaderLock;
  /** Resolves when the backend answers a trivial query (readiness). */
  ping(): Promise<void>;
  /** Releases connections, locks and files. */
  close(): Promise<void>;
}
