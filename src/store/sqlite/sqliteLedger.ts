import { checkSpendLimit, replayOrConflict } from "../rules.js";
import type { PaymentLedger, PaymentRecord, SpendLimit } from "../types.js";
import type { SqliteDatabase } from "./sqliteDatabase.js";
import { refusal, storeArgs } from "../args.js";

interface PaymentRow {
  client_id: string;
  idempotency_key: string;
  request_hash: string;
  sender: string;
  recipient: string;
  session_id: string;
  ev_wei: string;
  response: string;
  created_at: number | bigint;
}

/**
 * A {@link PaymentLedger} in SQLite. `record` is one `BEGIN IMMEDIATE` transaction (look up the
 * key, insert if new); spend sums add the window's rows exactly in bigint.
 */
export class SqlitePaymentLedger implements PaymentLedger {
  constructor(private readonly sql: SqliteDatabase) {}

  record(
    rec: PaymentRecord,
    options?: { spendLimit?: SpendLimit },
  ): Promise<{ replayed: boolean; record: PaymentRecord }> {
    const refused = refusal(() => {
      storeArgs.ledgerRecord(rec);
      storeArgs.ledgerOptions(options);
    });
    if (refused !== undefined) return refused;
    try {
      // In the group's BEGIN IMMEDIATE transaction: no other process writes between the sum
      // and the insert.
      return this.sql.write(() => {
        const stored = this.#get(rec.idempotencyKey, rec.clientId);
        if (stored !== undefined) return replayOrConflict(stored, rec);
        const limit = options?.spendLimit;
        if (limit !== undefined)
          checkSpendLimit(rec, this.#spent(rec.clientId, limit.since), limit);
        const response = JSON.stringify(rec.response ?? null);
        this.sql
          .stmt(
            "INSERT INTO payments (client_id, idempotency_key, request_hash, sender, recipient, session_id, ev_wei, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          )
          .run(
            rec.clientId,
            rec.idempotencyKey,
            rec.requestHash,
            rec.sender,
            rec.recipient,
            rec.sessionId,
            rec.evWei.toString(),
            response,
            rec.createdAt,
          );
        return { replayed: false, record: { ...rec, response: JSON.parse(response) as unknown } };
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  get(idempotencyKey: string, clientId: string): Promise<PaymentRecord | undefined> {
    const refused = refusal(() => storeArgs.ledgerGet(idempotencyKey, clientId));
    if (refused !== undefined) return refused;
    try {
      return Promise.resolve(this.#get(idempotencyKey, clientId));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  spentSince(clientId: string, since: bigint): Promise<bigint> {
    const refused = refusal(() => storeArgs.spentSince(clientId, since));
    if (refused !== undefined) return refused;
    try {
      return Promise.resolve(this.#spent(clientId, since));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  #spent(clientId: string, since: bigint): bigint {
    const rows = this.sql
      .stmt("SELECT ev_wei FROM payments WHERE client_id = ? AND created_at >= ?")
      .all(clientId, since) as { ev_wei: string }[];
    let total = 0n;
    for (const r of rows) total += BigInt(r.ev_wei);
    return total;
  }

  #get(idempotencyKey: string, clientId: string): PaymentRecord | undefined {
    const row = this.sql
      .stmt("SELECT * FROM payments WHERE client_id = ? AND idempotency_key = ?")
      .get(clientId, idempotencyKey) as PaymentRow | undefined;
    return row === undefined ? undefined : paymentFromRow(row);
  }
}

/** A payment record from its row (shared with the PostgreSQL ledger). */
export function paymentFromRow(row: PaymentRow): PaymentRecord {
  return {
    idempotencyKey: row.idempotency_key,
    clientId: row.client_id,
    requestHash: row.request_hash,
    sender: row.sender as `0x${string}`,
    recipient: row.recipient as `0x${string}`,
    sessionId: row.session_id,
    evWei: BigInt(row.ev_wei),
    response: JSON.parse(row.response) as unknown,
    createdAt: BigInt(row.created_at),
  };
}
