import type { Hex } from "../../internal/bytes.js";
import type { ReplayOutcome, ReplayStore } from "../../recipient/replayStore.js";
import { padNonce } from "../rules.js";
import type { SqliteDatabase } from "./sqliteDatabase.js";
import { refusal, replayStoreArgs } from "../args.js";

/**
 * A durable {@link ReplayStore} in SQLite, shared by every process on the file. Each call that
 * takes `now` first folds the pair's params closed before `now` into the pair's floor (their
 * highest nonce) and drops their nonce rows, then decides, all in one `BEGIN IMMEDIATE`
 * transaction: floor, then reuse (per pair, across its open params), then the per-params limit.
 */
export class SqliteReplayStore implements ReplayStore {
  readonly durable = true;

  constructor(private readonly sql: SqliteDatabase) {}

  record(a: {
    recipient: Hex;
    sender: Hex;
    paramsKey: string;
    nonce: bigint;
    closesAt: bigint;
    maxPerParams: number;
    now: bigint;
  }): Promise<ReplayOutcome> {
    const refused = refusal(() => replayStoreArgs.record(a));
    if (refused !== undefined) return refused;
    try {
      const r = a.recipient.toLowerCase();
      const s = a.sender.toLowerCase();
      const p = a.paramsKey.toLowerCase();
      const nonce = padNonce(a.nonce);
      return this.sql.write((): ReplayOutcome => {
        const floor = this.#fold(r, s, a.now);
        if (a.nonce <= floor) return { outcome: "belowFloor", floor };
        const seen = this.sql
          .stmt("SELECT 1 FROM replay_nonces WHERE recipient = ? AND sender = ? AND nonce = ?")
          .get(r, s, nonce);
        if (seen !== undefined) return { outcome: "reused" };
        const params = this.sql
          .stmt(
            "SELECT nonce_count FROM replay_params WHERE recipient = ? AND sender = ? AND params_key = ?",
          )
          .get(r, s, p) as { nonce_count: number } | undefined;
        if (Number(params?.nonce_count ?? 0) >= a.maxPerParams) return { outcome: "limit" };
        if (a.closesAt < a.now) {
          // Params already closed: the nonce, above the floor, becomes the floor at once.
          this.#raise(r, s, a.nonce);
          return { outcome: "accepted" };
        }
        if (params === undefined) {
          this.sql
            .stmt(
              "INSERT INTO replay_params (recipient, sender, params_key, closes_at, nonce_count) VALUES (?, ?, ?, ?, 1)",
            )
            .run(r, s, p, a.closesAt);
        } else {
          this.sql
            .stmt(
              "UPDATE replay_params SET nonce_count = nonce_count + 1 WHERE recipient = ? AND sender = ? AND params_key = ?",
            )
            .run(r, s, p);
        }
        this.sql
          .stmt(
            "INSERT INTO replay_nonces (recipient, sender, nonce, params_key) VALUES (?, ?, ?, ?)",
          )
          .run(r, s, nonce, p);
        return { outcome: "accepted" };
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  forget(a: { recipient: Hex; sender: Hex; paramsKey: string; nonce: bigint }): Promise<void> {
    const refused = refusal(() => replayStoreArgs.forget(a));
    if (refused !== undefined) return refused;
    try {
      const r = a.recipient.toLowerCase();
      const s = a.sender.toLowerCase();
      const p = a.paramsKey.toLowerCase();
      return this.sql.write(() => {
        const { changes } = this.sql
          .stmt(
            "DELETE FROM replay_nonces WHERE recipient = ? AND sender = ? AND nonce = ? AND params_key = ?",
          )
          .run(r, s, padNonce(a.nonce), p);
        if (Number(changes) > 0) {
          this.sql
            .stmt(
              "UPDATE replay_params SET nonce_count = nonce_count - 1 WHERE recipient = ? AND sender = ? AND params_key = ?",
            )
            .run(r, s, p);
        }
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  floor(a: { recipient: Hex; sender: Hex; now: bigint }): Promise<bigint> {
    const refused = refusal(() => replayStoreArgs.floor(a));
    if (refused !== undefined) return refused;
    try {
      const r = a.recipient.toLowerCase();
      const s = a.sender.toLowerCase();
      return this.sql.write(() => this.#fold(r, s, a.now));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  raiseFloor(a: { recipient: Hex; sender: Hex; floor: bigint }): Promise<void> {
    const refused = refusal(() => replayStoreArgs.raiseFloor(a));
    if (refused !== undefined) return refused;
    try {
      const r = a.recipient.toLowerCase();
      const s = a.sender.toLowerCase();
      return this.sql.write(() => this.#raise(r, s, a.floor));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  prune(before: bigint): Promise<number> {
    const refused = refusal(() => replayStoreArgs.prune(before));
    if (refused !== undefined) return refused;
    try {
      return this.sql.write(() => {
        const pairs = this.sql
          .stmt("SELECT DISTINCT recipient, sender FROM replay_params WHERE closes_at < ?")
          .all(before) as { recipient: string; sender: string }[];
        let dropped = 0;
        for (const pair of pairs) dropped += this.#closeBefore(pair.recipient, pair.sender, before);
        return dropped;
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** Folds the pair's params closed before `now`; returns the pair's floor. In a transaction. */
  #fold(r: string, s: string, now: bigint): bigint {
    this.#closeBefore(r, s, now);
    const row = this.sql
      .stmt("SELECT floor FROM replay_floors WHERE recipient = ? AND sender = ?")
      .get(r, s) as { floor: string } | undefined;
    return row === undefined ? 0n : BigInt(row.floor);
  }

  /** Moves the highest nonce of the pair's params closed before `t` into the floor, drops them. */
  #closeBefore(r: string, s: string, t: bigint): number {
    // Usually nothing has closed: one index probe, instead of the work below on every record.
    const any = this.sql
      .stmt(
        "SELECT 1 FROM replay_params WHERE recipient = ? AND sender = ? AND closes_at < ? LIMIT 1",
      )
      .get(r, s, t);
    if (any === undefined) return 0;
    // Driven from the closed params, each one's top nonce read from the end of its index range
    // (a join from the nonces would scan every nonce of the pair).
    const closed = this.sql
      .stmt(
        "SELECT max((SELECT max(n.nonce) FROM replay_nonces n WHERE n.recipient = p.recipient AND n.sender = p.sender AND n.params_key = p.params_key)) AS top FROM replay_params p WHERE p.recipient = ? AND p.sender = ? AND p.closes_at < ?",
      )
      .get(r, s, t) as { top: string | null } | undefined;
    if (closed?.top !== null && closed?.top !== undefined) this.#raise(r, s, BigInt(closed.top));
    const { changes } = this.sql
      .stmt(
        "DELETE FROM replay_nonces WHERE recipient = ? AND sender = ? AND params_key IN (SELECT params_key FROM replay_params WHERE recipient = ? AND sender = ? AND closes_at < ?)",
      )
      .run(r, s, r, s, t);
    this.sql
      .stmt("DELETE FROM replay_params WHERE recipient = ? AND sender = ? AND closes_at < ?")
      .run(r, s, t);
    return Number(changes);
  }

  #raise(r: string, s: string, floor: bigint): void {
    this.sql
      .stmt(
        "INSERT INTO replay_floors (recipient, sender, floor) VALUES (?, ?, ?) ON CONFLICT (recipient, sender) DO UPDATE SET floor = max(floor, excluded.floor)",
      )
      .run(r, s, padNonce(floor));
  }
}
