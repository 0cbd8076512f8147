import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

import type { LeaderLock } from "../types.js";
import type { SqliteDatabase } from "./sqliteDatabase.js";
import { refusal, storeArgs } from "../args.js";

/**
 * A {@link LeaderLock} in the SQLite file: a row per lock name names its holder (a random owner
 * id per store instance, with the process id and host). A row whose process is gone on this host
 * is taken over, so a crashed holder does not keep the lock; a SQLite file is local to one host,
 * so every holder's liveness can be checked. Acquire and release are `BEGIN IMMEDIATE`
 * transactions.
 */
export class SqliteLeaderLock implements LeaderLock {
  readonly #owner = randomUUID();
  readonly #host = hostname();
  readonly #held = new Set<string>();

  constructor(private readonly sql: SqliteDatabase) {}

  tryAcquire(name: string): Promise<boolean> {
    const refused = refusal(() => storeArgs.lockName(name));
    if (refused !== undefined) return refused;
    try {
      return Promise.resolve(
        this.sql.tx(() => {
          const row = this.sql
            .stmt("SELECT owner, pid, host FROM leader_locks WHERE name = ?")
            .get(name) as { owner: string; pid: number; host: string } | undefined;
          if (
            row !== undefined &&
            row.owner !== this.#owner &&
            (row.host !== this.#host || processAlive(Number(row.pid)))
          ) {
            return false;
          }
          this.sql
            .stmt(
              "INSERT INTO leader_locks (name, owner, pid, host, acquired_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host, acquired_at = excluded.acquired_at",
            )
            .run(name, this.#owner, process.pid, this.#host, Date.now());
          this.#held.add(name);
          return true;
        }),
      );
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  release(name: string): Promise<void> {
    const refused = refusal(() => storeArgs.lockName(name));
    if (refused !== undefined) return refused;
    try {
      this.sql.tx(() => {
        this.sql
          .stmt("DELETE FROM leader_locks WHERE name = ? AND owner = ?")
          .run(name, this.#owner);
      });
      this.#held.delete(name);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** Releases every lock this instance holds (on close). */
  async releaseAll(): Promise<void> {
    for (const name of [...this.#held]) await this.release(name);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
