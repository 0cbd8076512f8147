import { Rational } from "../../math/rational.js";
import { checkAmount, checkDebit, rationalFromText } from "../rules.js";
import type { CreditResult, SessionBalance, SessionStore } from "../types.js";
import type { SqliteDatabase } from "./sqliteDatabase.js";
import { refusal, storeArgs } from "../args.js";

interface SessionRow {
  credited_num: string;
  credited_den: string;
  debited_num: string;
  debited_den: string;
  closed_reason: string | null;
}

/**
 * A {@link SessionStore} in SQLite: totals as exact numerator/denominator text, credit and debit
 * ids in `session_ops` so a retried credit applies once. Each write is atomic (one savepoint of
 * the group commit, {@link SqliteDatabase.write}) and settles once durable.
 */
export class SqliteSessionStore implements SessionStore {
  constructor(private readonly sql: SqliteDatabase) {}

  credit(a: { sessionId: string; amount: Rational; creditId: string }): Promise<CreditResult> {
    const refused = refusal(() => storeArgs.credit(a));
    if (refused !== undefined) return refused;
    try {
      checkAmount(a.amount, "amount");
      return this.sql.write(() => {
        const { changes } = this.sql
          .stmt(
            "INSERT INTO session_ops (session_id, kind, op_id) VALUES (?, 'credit', ?) ON CONFLICT DO NOTHING",
          )
          .run(a.sessionId, a.creditId);
        const row = this.#row(a.sessionId);
        const before = totals(row);
        if (Number(changes) === 0) {
          return { ...before, balance: before.credited.sub(before.debited), applied: false };
        }
        const credited = before.credited.add(a.amount);
        const { debited } = before;
        this.#write(a.sessionId, credited, debited, row?.closed_reason ?? null);
        return { balance: credited.sub(debited), credited, debited, applied: true };
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  debit(a: {
    sessionId: string;
    amount: Rational;
    tolerance: Rational;
    debitId?: string;
  }): Promise<{ balance: Rational }> {
    const refused = refusal(() => storeArgs.debit(a));
    if (refused !== undefined) return refused;
    try {
      checkAmount(a.amount, "amount");
      checkAmount(a.tolerance, "tolerance");
      return this.sql.write(() => {
        const row = this.#row(a.sessionId);
        const { credited, debited } = totals(row);
        const balance = credited.sub(debited);
        if (a.debitId !== undefined) {
          const seen = this.sql
            .stmt("SELECT 1 FROM session_ops WHERE session_id = ? AND kind = 'debit' AND op_id = ?")
            .get(a.sessionId, a.debitId);
          if (seen !== undefined) return { balance };
        }
        const after = checkDebit(a.sessionId, balance, a.amount, a.tolerance);
        if (a.debitId !== undefined) {
          this.sql
            .stmt("INSERT INTO session_ops (session_id, kind, op_id) VALUES (?, 'debit', ?)")
            .run(a.sessionId, a.debitId);
        }
        this.#write(a.sessionId, credited, debited.add(a.amount), row?.closed_reason ?? null);
        return { balance: after };
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  get(sessionId: string): Promise<SessionBalance | undefined> {
    const refused = refusal(() => storeArgs.sessionId(sessionId));
    if (refused !== undefined) return refused;
    try {
      // Settles after any open group commits: a balance is never reported before it is durable.
      return this.sql.read(() => {
        const row = this.#row(sessionId);
        return row === undefined ? undefined : toBalance(row);
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  close(a: { sessionId: string; reason: string }): Promise<void> {
    const refused = refusal(() => storeArgs.closeSession(a));
    if (refused !== undefined) return refused;
    try {
      return this.sql.write(() => {
        this.sql
          .stmt(
            "INSERT INTO sessions (session_id, credited_num, credited_den, debited_num, debited_den, closed_reason) VALUES (?, '0', '1', '0', '1', ?) ON CONFLICT (session_id) DO UPDATE SET closed_reason = coalesce(closed_reason, excluded.closed_reason)",
          )
          .run(a.sessionId, a.reason);
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  #row(sessionId: string): SessionRow | undefined {
    return this.sql.stmt("SELECT * FROM sessions WHERE session_id = ?").get(sessionId) as
      SessionRow | undefined;
  }

  #write(sessionId: string, credited: Rational, debited: Rational, closed: string | null): void {
    this.sql
      .stmt(
        "INSERT INTO sessions (session_id, credited_num, credited_den, debited_num, debited_den, closed_reason) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET credited_num = excluded.credited_num, credited_den = excluded.credited_den, debited_num = excluded.debited_num, debited_den = excluded.debited_den",
      )
      .run(
        sessionId,
        credited.num.toString(),
        credited.den.toString(),
        debited.num.toString(),
        debited.den.toString(),
        closed,
      );
  }
}

/** The totals of a row, zero for a session not yet stored. */
export function totals(row: SessionRow | undefined): { credited: Rational; debited: Rational } {
  if (row === undefined) return { credited: Rational.ZERO, debited: Rational.ZERO };
  return {
    credited: rationalFromText(row.credited_num, row.credited_den),
    debited: rationalFromText(row.debited_num, row.debited_den),
  };
}

/** A row as the {@link SessionBalance} callers see (shared with the PostgreSQL store). */
export function toBalance(row: SessionRow | undefined): SessionBalance {
  const { credited, debited } = totals(row);
  return {
    balance: credited.sub(debited),
    credited,
    debited,
    ...(row?.closed_reason === null || row?.closed_reason === undefined
      ? {}
      : { closedReason: row.closed_reason }),
  };
}
