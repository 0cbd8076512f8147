import pg from "pg";

import type { LeaderLock } from "../types.js";
import type { PostgresDatabase } from "./postgresDatabase.js";
import { storeArgs } from "../args.js";

/**
 * A {@link LeaderLock} on PostgreSQL session advisory locks (`pg_try_advisory_lock` on the
 * 64-bit hash of the name), held on one dedicated connection opened on first use. A holder that
 * crashes or loses its connection loses its locks with it, so another replica can take over;
 * this instance then forgets the names it held (the next `tryAcquire` asks the server again).
 */
export class PostgresLeaderLock implements LeaderLock {
  readonly #held = new Set<string>();
  #client: Promise<pg.Client> | undefined;

  constructor(private readonly db: PostgresDatabase) {}

  async tryAcquire(name: string): Promise<boolean> {
    storeArgs.lockName(name);
    if (this.#held.has(name)) return true;
    const client = await this.#connect();
    try {
      const res = await client.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok",
        [`ticketbroker:${name}`],
      );
      const ok = res.rows[0]?.ok === true;
      if (ok) this.#held.add(name);
      return ok;
    } catch (err) {
      throw this.db.wrap(err);
    }
  }

  async release(name: string): Promise<void> {
    storeArgs.lockName(name);
    if (!this.#held.has(name)) return;
    this.#held.delete(name);
    const client = await this.#connect();
    try {
      await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [
        `ticketbroker:${name}`,
      ]);
    } catch (err) {
      throw this.db.wrap(err);
    }
  }

  /** Closes the dedicated connection, which releases every lock it held. */
  async close(): Promise<void> {
    const pending = this.#client;
    this.#client = undefined;
    this.#held.clear();
    if (pending === undefined) return;
    const client = await pending.catch(() => undefined);
    await client?.end().catch(() => undefined);
  }

  #connect(): Promise<pg.Client> {
    if (this.#client === undefined) {
      const client = new pg.Client({ connectionString: this.db.url });
      const lost = (): void => {
        this.#held.clear();
        this.#client = undefined;
      };
      client.on("error", lost);
      client.on("end", lost);
      this.#client = client.connect().then(
        () => client,
        (err: unknown) => {
          this.#client = undefined;
          throw this.db.wrap(err);
        },
      );
    }
    return this.#client;
  }
}
