import type { Store } from "../types.js";
import { SQLITE_MIGRATIONS } from "./migrations/index.js";
import { SqliteDatabase, unavailable } from "./sqliteDatabase.js";
import { SqliteLeaderLock } from "./sqliteLeaderLock.js";
import { SqlitePaymentLedger } from "./sqliteLedger.js";
import { SqliteNonceStore } from "./sqliteNonceStore.js";
import { SqliteReplayStore } from "./sqliteReplayStore.js";
import { SqliteSessionStore } from "./sqliteSessionStore.js";
import { SqliteWinnerStore } from "./sqliteWinnerStore.js";
import { assertString, storeArgs } from "../args.js";

/**
 * Every store in one SQLite file (`sqlite:<path>`), the embedded default: nothing to install,
 * shared by the processes of one host. Built on Node's `node:sqlite` (Node ≥ 22.5). Opening
 * applies the pending migrations.
 *
 * @example
 * ```ts
 * const store = SqliteStore.open({ file: "/var/lib/ticketbroker/state.db" });
 * await store.nonces.reserve({ sender, recipient });
 * await store.close();
 * ```
 */
export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  readonly nonces: SqliteNonceStore;
  readonly ledger: SqlitePaymentLedger;
  readonly replay: SqliteReplayStore;
  readonly sessions: SqliteSessionStore;
  readonly winners: SqliteWinnerStore;
  readonly locks: SqliteLeaderLock;
  readonly #sql: SqliteDatabase;

  private constructor(sql: SqliteDatabase, blockSize: bigint | undefined) {
    this.#sql = sql;
    this.nonces = new SqliteNonceStore(sql, blockSize === undefined ? {} : { blockSize });
    this.ledger = new SqlitePaymentLedger(sql);
    this.replay = new SqliteReplayStore(sql);
    this.sessions = new SqliteSessionStore(sql);
    this.winners = new SqliteWinnerStore(sql);
    this.locks = new SqliteLeaderLock(sql);
  }

  /** Opens (creating if needed) the file and migrates it. */
  static open(options: { file: string; blockSize?: bigint }): SqliteStore {
    storeArgs.open(options, "SqliteStore");
    assertString(options.file, "file", { nonEmpty: true });
    const sql = new SqliteDatabase(options.file);
    try {
      sql.migrate(SQLITE_MIGRATIONS);
    } catch (err) {
      sql.close();
      throw err;
    }
    return new SqliteStore(sql, options.blockSize);
  }

  /** The database file. */
  get file(): string {
    return this.#sql.file;
  }

  ping(): Promise<void> {
    try {
      this.#sql.stmt("SELECT 1").get();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(unavailable(err, this.#sql.file));
    }
  }

  async close(): Promise<void> {
    if (!this.#sql.db.isOpen) return;
    await this.locks.releaseAll();
    this.#sql.close();
  }
}
