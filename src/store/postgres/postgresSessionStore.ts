import type { Rational } from "../../math/rational.js";
import { checkAmount, checkDebit } from "../rules.js";
import { toBalance, totals } from "../sqlite/sqliteSessionStore.js";
import type { CreditResult, SessionBalance, SessionStore } from "../types.js";
import type { PostgresDatabase, Queryable } from "./postgresDatabase.js";
import { storeArgs } from "../args.js";

type SessionRow = Parameters<typeof totals>[0] & object;

/**
 * A {@link SessionStore} in PostgreSQL. A credit is one statement calling the server-side
 * function `tb_session_credit`: it inserts the credit id into `session_ops` (whose primary key
 * lets exactly one of two concurrent equal credits in), locks the session row and adds. A debit
 * is one transaction holding the session row's lock while it checks the tolerance in exact
 * rationals.
 */
export class PostgresSessionStore implements SessionStore {
  constructor(private readonly db: PostgresDatabase) {}

  async credit(a: {
    sessionId: string;
    amount: Rational;
    creditId: string;
  }): Promise<CreditResult> {
    storeArgs.credit(a);
    checkAmount(a.amount, "amount");
    // One statement: the function (migration 002) records the credit id, locks the session row
    // and adds the exact amount (reduced by the gcd), or does nothing for a known credit id.
    const rows = await this.db.query<SessionRow & { applied: boolean }>(
      "SELECT * FROM tb_session_credit($1, $2, $3, $4)",
      [a.sessionId, a.creditId, a.amount.num.toString(), a.amount.den.toString()],
    );
    const row = rows[0] as SessionRow & { applied: boolean };
    const { credited, debited } = totals({ ...row, closed_reason: null });
    return { balance: credited.sub(debited), credited, debited, applied: row.applied };
  }

  async debit(a: {
    sessionId: string;
    amount: Rational;
    tolerance: Rational;
    debitId?: string;
  }): Promise<{ balance: Rational }> {
    storeArgs.debit(a);
    checkAmount(a.amount, "amount");
    checkAmount(a.tolerance, "tolerance");
    return this.db.tx(async (c) => {
      const row = await lockSession(c, a.sessionId);
      const { credited, debited } = totals(row);
      const balance = credited.sub(debited);
      if (a.debitId !== undefined) {
        const op = await c.query(
          "INSERT INTO session_ops (session_id, kind, op_id) VALUES ($1, 'debit', $2) ON CONFLICT DO NOTHING RETURNING 1",
          [a.sessionId, a.debitId],
        );
        if (op.rows.length === 0) return { balance };
      }
      // Throws (and the transaction rolls back, with the op id and a new session row) if overdrawn.
      const after = checkDebit(a.sessionId, balance, a.amount, a.tolerance);
      const next = debited.add(a.amount);
      await c.query(
        "UPDATE sessions SET debited_num = $2, debited_den = $3 WHERE session_id = $1",
        [a.sessionId, next.num.toString(), next.den.toString()],
      );
      return { balance: after };
    });
  }

  async get(sessionId: string): Promise<SessionBalance | undefined> {
    storeArgs.sessionId(sessionId);
    const rows = await this.db.query<SessionRow>("SELECT * FROM sessions WHERE session_id = $1", [
      sessionId,
    ]);
    const row = rows[0];
    return row === undefined ? undefined : toBalance(row);
  }

  async close(a: { sessionId: string; reason: string }): Promise<void> {
    storeArgs.closeSession(a);
    await this.db.query(
      `INSERT INTO sessions (session_id, credited_num, credited_den, debited_num, debited_den, closed_reason)
       VALUES ($1, '0', '1', '0', '1', $2)
       ON CONFLICT (session_id) DO UPDATE SET closed_reason = coalesce(sessions.closed_reason, EXCLUDED.closed_reason)`,
      [a.sessionId, a.reason],
    );
  }
}

/** Creates the session row if missing and locks it; returns it. */
async function lockSession(c: Queryable, sessionId: string): Promise<SessionRow> {
  const res = await c.query<SessionRow>(
    `INSERT INTO sessions (session_id, credited_num, credited_den, debited_num, debited_den)
     VALUES ($1, '0', '1', '0', '1')
     ON CONFLICT (session_id) DO UPDATE SET session_id = sessions.session_id
     RETURNING *`,
    [sessionId],
  );
  return res.rows[0] as SessionRow;
}
