import pg from "pg";

import { TicketBrokerError } from "../../errors.js";
import { StoreMigrationError, StoreUnavailableError } from "../errors.js";
import type { Migration } from "../migration.js";

/** A pg client or pool: anything that runs a query. */
export type Queryable = Pick<pg.PoolClient, "query">;

/** Advisory lock key held (per transaction) while migrations run, so concurrent opens queue. */
export const MIGRATION_LOCK_KEY = 7_465_871_212_001n;

/** SQLSTATEs worth retrying the whole transaction for: serialization failure, deadlock. */
const RETRYABLE = new Set(["40001", "40P01"]);

/**
 * A pg connection pool with the store's transaction helper. {@link PostgresDatabase.tx} runs a
 * function in `BEGIN … COMMIT` on one pooled client, retrying on a deadlock or serialization
 * failure; driver and connection errors become {@link StoreUnavailableError}.
 */
export class PostgresDatabase {
  readonly pool: pg.Pool;
  readonly url: string;

  constructor(url: string, options: { max?: number } = {}) {
    this.url = url;
    this.pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
    // An idle client that loses its connection must not crash the process.
    this.pool.on("error", () => undefined);
  }

  /** One statement outside a transaction (it is atomic by itself). */
  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (err) {
      throw this.wrap(err);
    }
  }

  async tx<T>(fn: (c: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw this.wrap(err);
      }
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await fn(client);
        await client.query("COMMIT");
        return result;
      } catch (err) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true;
        }
        const code = (err as { code?: string }).code;
        if (code !== undefined && RETRYABLE.has(code) && attempt < 5) continue;
        throw this.wrap(err);
      } finally {
        client.release(broken);
      }
    }
  }

  /** Applies missing migrations in one transaction, under an advisory lock against racing opens. */
  async migrate(migrations: readonly Migration[]): Promise<void> {
    await this.tx(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY.toString()]);
      await c.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
      );
      const applied = new Set(
        (await c.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map(
          (r) => Number(r.version),
        ),
      );
      const known = new Set(migrations.map((m) => m.version));
      const unknown = [...applied].filter((v) => !known.has(v));
      if (unknown.length > 0) {
        throw new StoreMigrationError("The database schema is newer than this software", {
          details: { unknownVersions: unknown },
          hint: "Upgrade this service to the version that wrote the database; never downgrade over a live database.",
        });
      }
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        await c.query(m.sql);
        await c.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
          m.version,
          m.name,
        ]);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Keeps library errors; wraps driver errors in {@link StoreUnavailableError}. */
  wrap(err: unknown): Error {
    if (err instanceof TicketBrokerError) return err;
    return new StoreUnavailableError("The PostgreSQL store cannot complete the operation", {
      details: {
        url: redact(this.url),
        reason: (err as Error).message,
        sqlstate: (err as { code?: string }).code,
      },
      hint: "Check that PostgreSQL is up and reachable with these credentials; retry once it answers.",
      cause: err,
    });
  }
}

/** The URL without its password, for error details and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparseable)";
  }
}
