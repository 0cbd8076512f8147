import { checkSpendLimit, replayOrConflict } from "../rules.js";
import { paymentFromRow } from "../sqlite/sqliteLedger.js";
import type { PaymentLedger, PaymentRecord, SpendLimit } from "../types.js";
import type { PostgresDatabase } from "./postgresDatabase.js";
import { storeArgs } from "../args.js";

const COLUMNS =
  "client_id, idempotency_key, request_hash, sender, recipient, session_id, ev_wei::text AS ev_wei, response, created_at::text AS created_at";

const INSERT =
  "INSERT INTO payments (client_id, idempotency_key, request_hash, sender, recipient, session_id, ev_wei, response, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/** The INSERT's values for a record whose response is already JSON text. */
function insertValues(rec: PaymentRecord, response: string): string[] {
  return [
    rec.clientId,
    rec.idempotencyKey,
    rec.requestHash,
    rec.sender,
    rec.recipient,
    rec.sessionId,
    rec.evWei.toString(),
    response,
    rec.createdAt.toString(),
  ];
}

/**
 * A {@link PaymentLedger} in PostgreSQL. `record` is `INSERT … ON CONFLICT DO NOTHING
 * RETURNING`: the key's first writer wins atomically; a later writer reads the stored row and
 * gets it back (same body) or an `IdempotencyConflictError` (other body).
 */
export class PostgresPaymentLedger implements PaymentLedger {
  constructor(private readonly db: PostgresDatabase) {}

  async record(
    rec: PaymentRecord,
    options?: { spendLimit?: SpendLimit },
  ): Promise<{ replayed: boolean; record: PaymentRecord }> {
    storeArgs.ledgerRecord(rec);
    storeArgs.ledgerOptions(options);
    const limit = options?.spendLimit;
    if (limit !== undefined) return this.#recordWithin(rec, limit);
    const response = JSON.stringify(rec.response ?? null);
    const inserted = await this.db.query(
      `${INSERT} ON CONFLICT (client_id, idempotency_key) DO NOTHING RETURNING 1`,
      insertValues(rec, response),
    );
    if (inserted.length > 0) {
      return { replayed: false, record: { ...rec, response: JSON.parse(response) as unknown } };
    }
    const stored = await this.get(rec.idempotencyKey, rec.clientId);
    // A committed row is never deleted, so the conflicting row is there to read.
    return replayOrConflict(stored as PaymentRecord, rec);
  }

  /**
   * A record under a spend limit: one transaction holding a per-client advisory lock, so the
   * client's records are decided one at a time across every connection: the key, then the sum
   * of the window, then the insert.
   */
  #recordWithin(
    rec: PaymentRecord,
    limit: SpendLimit,
  ): Promise<{ replayed: boolean; record: PaymentRecord }> {
    const response = JSON.stringify(rec.response ?? null);
    return this.db.tx(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
        `ticketbroker.ledger:${rec.clientId}`,
      ]);
      const existing = await c.query(
        `SELECT ${COLUMNS} FROM payments WHERE client_id = $1 AND idempotency_key = $2`,
        [rec.clientId, rec.idempotencyKey],
      );
      const row = existing.rows[0];
      if (row !== undefined) {
        return replayOrConflict(paymentFromRow(row as Parameters<typeof paymentFromRow>[0]), rec);
      }
      const spent = await c.query<{ total: string }>(
        "SELECT coalesce(sum(ev_wei), 0)::text AS total FROM payments WHERE client_id = $1 AND created_at >= $2",
        [rec.clientId, limit.since.toString()],
      );
      checkSpendLimit(rec, BigInt((spent.rows[0] as { total: string }).total), limit);
      await c.query(INSERT, insertValues(rec, response));
      return { replayed: false, record: { ...rec, response: JSON.parse(response) as unknown } };
    });
  }

  async get(idempotencyKey: string, clientId: string): Promise<PaymentRecord | undefined> {
    storeArgs.ledgerGet(idempotencyKey, clientId);
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM payments WHERE client_id = $1 AND idempotency_key = $2`,
      [clientId, idempotencyKey],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : paymentFromRow(row as Parameters<typeof paymentFromRow>[0]);
  }

  async spentSince(clientId: string, since: bigint): Promise<bigint> {
    storeArgs.spentSince(clientId, since);
    const rows = await this.db.query<{ total: string }>(
      "SELECT coalesce(sum(ev_wei), 0)::text AS total FROM payments WHERE client_id = $1 AND created_at >= $2",
      [clientId, since.toString()],
    );
    return BigInt((rows[0] as { total: string }).total);
  }
}
