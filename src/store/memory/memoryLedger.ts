import { checkSpendLimit, replayOrConflict } from "../rules.js";
import type { PaymentLedger, PaymentRecord, SpendLimit } from "../types.js";
import { refusal, storeArgs } from "../args.js";

/**
 * A {@link PaymentLedger} in memory (tests). Spend sums scan the client's records.
 *
 * @example
 * ```ts
 * const ledger = new MemoryPaymentLedger();
 * (await ledger.record(rec)).replayed; // false, then true for the same rec
 * ```
 */
export class MemoryPaymentLedger implements PaymentLedger {
  readonly #records = new Map<string, PaymentRecord>();
  readonly #byClient = new Map<string, PaymentRecord[]>();

  record(
    rec: PaymentRecord,
    options?: { spendLimit?: SpendLimit },
  ): Promise<{ replayed: boolean; record: PaymentRecord }> {
    const refused = refusal(() => {
      storeArgs.ledgerRecord(rec);
      storeArgs.ledgerOptions(options);
    });
    if (refused !== undefined) return refused;
    const key = JSON.stringify([rec.clientId, rec.idempotencyKey]);
    const stored = this.#records.get(key);
    try {
      if (stored !== undefined) return Promise.resolve(replayOrConflict(stored, rec));
      const limit = options?.spendLimit;
      if (limit !== undefined) checkSpendLimit(rec, this.#spent(rec.clientId, limit.since), limit);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const copy: PaymentRecord = { ...rec, response: structuredClone(rec.response) };
    this.#records.set(key, copy);
    const list = this.#byClient.get(rec.clientId) ?? [];
    list.push(copy);
    this.#byClient.set(rec.clientId, list);
    return Promise.resolve({ replayed: false, record: copy });
  }

  get(idempotencyKey: string, clientId: string): Promise<PaymentRecord | undefined> {
    const refused = refusal(() => storeArgs.ledgerGet(idempotencyKey, clientId));
    if (refused !== undefined) return refused;
    return Promise.resolve(this.#records.get(JSON.stringify([clientId, idempotencyKey])));
  }

  spentSince(clientId: string, since: bigint): Promise<bigint> {
    const refused = refusal(() => storeArgs.spentSince(clientId, since));
    if (refused !== undefined) return refused;
    return Promise.resolve(this.#spent(clientId, since));
  }

  #spent(clientId: string, since: bigint): bigint {
    let total = 0n;
    for (const r of this.#byClient.get(clientId) ?? []) if (r.createdAt >= since) total += r.evWei;
    return total;
  }
}
