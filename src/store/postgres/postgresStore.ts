import type { Store } from "../types.js";
import { POSTGRES_MIGRATIONS } from "./migrations/index.js";
import { PostgresDatabase } from "./postgresDatabase.js";
import { PostgresLeaderLock } from "./postgresLeaderLock.js";
import { PostgresPaymentLedger } from "./postgresLedger.js";
import { PostgresNonceStore } from "./postgresNonceStore.js";
import { PostgresReplayStore } from "./postgresReplayStore.js";
import { PostgresSessionStore } from "./postgresSessionStore.js";
import { PostgresWinnerStore } from "./postgresWinnerStore.js";
import { InvalidStoreUrlError } from "../errors.js";
import { assertInteger } from "../../ticket/inputs.js";
import { assertString, storeArgs } from "../args.js";

/**
 * Every store in one PostgreSQL database (`postgres://…`): for fleets, where several signer or
 * payee replicas and a redeemer share state. Opening applies the pending migrations under an
 * advisory lock, so replicas starting together do not race.
 *
 * @example
 * ```ts
 * const store = await PostgresStore.open({ url: "postgres://tb:secret@db:5432/tb" });
 * if (await store.locks.tryAcquire("redeemer:0xabc…")) startRedeemer(store.winners);
 * ```
 */
export class PostgresStore implements Store {
  readonly kind = "postgres" as const;
  readonly nonces: PostgresNonceStore;
  readonly ledger: PostgresPaymentLedger;
  readonly replay: PostgresReplayStore;
  readonly sessions: PostgresSessionStore;
  readonly winners: PostgresWinnerStore;
  readonly locks: PostgresLeaderLock;
  readonly #db: PostgresDatabase;
  #closed = false;

  private constructor(db: PostgresDatabase, blockSize: bigint | undefined) {
    this.#db = db;
    this.nonces = new PostgresNonceStore(db, blockSize === undefined ? {} : { blockSize });
    this.ledger = new PostgresPaymentLedger(db);
    this.replay = new PostgresReplayStore(db);
    this.sessions = new PostgresSessionStore(db);
    this.winners = new PostgresWinnerStore(db);
    this.locks = new PostgresLeaderLock(db);
  }

  /**
   * Connects and migrates.
   * @param options.poolSize Connections in the pool (default 10), besides the lock connection.
   */
  static async open(options: {
    url: string;
    blockSize?: bigint;
    poolSize?: number;
  }): Promise<PostgresStore> {
    storeArgs.open(options, "PostgresStore");
    assertString(options.url, "url", { nonEmpty: true });
    // Only a postgres URL: an empty or other string would make the driver fall back to the
    // PG* environment variables and connect to whatever database they name.
    if (!/^postgres(ql)?:\/\/./.test(options.url)) {
      throw new InvalidStoreUrlError("A PostgreSQL store needs a postgres:// URL", {
        details: { reason: "not a postgres:// or postgresql:// URL" },
        hint: "Pass url as postgres://user:password@host:5432/database.",
      });
    }
    if (options.poolSize !== undefined) assertInteger(options.poolSize, "poolSize", { min: 1 });
    const db = new PostgresDatabase(
      options.url,
      options.poolSize === undefined ? {} : { max: options.poolSize },
    );
    try {
      await db.migrate(POSTGRES_MIGRATIONS);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
    return new PostgresStore(db, options.blockSize);
  }

  async ping(): Promise<void> {
    await this.#db.query("SELECT 1");
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.locks.close();
    await this.#db.close();
  }
}
