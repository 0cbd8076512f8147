import { Rational } from "../../math/rational.js";
import { checkAmount, checkDebit } from "../rules.js";
import type { CreditResult, SessionBalance, SessionStore } from "../types.js";
import { refusal, storeArgs } from "../args.js";

interface SessionRow {
  credited: Rational;
  debited: Rational;
  closedReason?: string;
  readonly creditIds: Set<string>;
  readonly debitIds: Set<string>;
}

/**
 * A {@link SessionStore} in memory (tests, and the model the durable backends are checked
 * against).
 *
 * @example
 * ```ts
 * const sessions = new MemorySessionStore();
 * await sessions.credit({ sessionId: "s", amount: Rational.of(5n), creditId: "t1" });
 * ```
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, SessionRow>();

  credit(a: { sessionId: string; amount: Rational; creditId: string }): Promise<CreditResult> {
    const refused = refusal(() => storeArgs.credit(a));
    if (refused !== undefined) return refused;
    try {
      checkAmount(a.amount, "amount");
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const row = this.#row(a.sessionId);
    const applied = !row.creditIds.has(a.creditId);
    if (applied) {
      row.creditIds.add(a.creditId);
      row.credited = row.credited.add(a.amount);
    }
    const { credited, debited } = row;
    return Promise.resolve({ balance: credited.sub(debited), credited, debited, applied });
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
      const existing = this.#sessions.get(a.sessionId);
      const balance =
        existing === undefined ? Rational.ZERO : existing.credited.sub(existing.debited);
      if (a.debitId !== undefined && existing?.debitIds.has(a.debitId) === true) {
        return Promise.resolve({ balance });
      }
      const after = checkDebit(a.sessionId, balance, a.amount, a.tolerance);
      const row = this.#row(a.sessionId);
      if (a.debitId !== undefined) row.debitIds.add(a.debitId);
      row.debited = row.debited.add(a.amount);
      return Promise.resolve({ balance: after });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  get(sessionId: string): Promise<SessionBalance | undefined> {
    const refused = refusal(() => storeArgs.sessionId(sessionId));
    if (refused !== undefined) return refused;
    const row = this.#sessions.get(sessionId);
    if (row === undefined) return Promise.resolve(undefined);
    return Promise.resolve({
      balance: row.credited.sub(row.debited),
      credited: row.credited,
      debited: row.debited,
      ...(row.closedReason === undefined ? {} : { closedReason: row.closedReason }),
    });
  }

  close(a: { sessionId: string; reason: string }): Promise<void> {
    const refused = refusal(() => storeArgs.closeSession(a));
    if (refused !== undefined) return refused;
    const row = this.#row(a.sessionId);
    row.closedReason ??= a.reason;
    return Promise.resolve();
  }

  #row(sessionId: string): SessionRow {
    let row = this.#sessions.get(sessionId);
    if (row === undefined) {
      row = {
        credited: Rational.ZERO,
        debited: Rational.ZERO,
        creditIds: new Set(),
        debitIds: new Set(),
      };
      this.#sessions.set(sessionId, row);
    }
    return row;
  }
}
