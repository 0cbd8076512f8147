import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";

import { StoreMigrationError, StoreUnavailableError } from "../errors.js";
import type { Migration } from "../migration.js";

type SqliteModule = typeof import("node:sqlite");

let sqliteModule: SqliteModule | undefined;

/**
 * Loads `node:sqlite`, hiding only the one ExperimentalWarning Node prints when the module is
 * first loaded (every other warning passes through unchanged).
 */
export function loadSqlite(): SqliteModule {
  if (sqliteModule !== undefined) return sqliteModule;
  const original = process.emitWarning;
  process.emitWarning = function (warning: string | Error, ...rest: unknown[]): void {
    const text = typeof warning === "string" ? warning : warning.message;
    const type =
      typeof rest[0] === "string"
        ? rest[0]
        : ((rest[0] as { type?: string } | undefined)?.type ??
          (warning instanceof Error ? warning.name : undefined));
    if (type === "ExperimentalWarning" && /SQLite/i.test(text)) return;
    (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    sqliteModule = createRequire(import.meta.url)("node:sqlite") as SqliteModule;
  } catch (err) {
    throw new StoreUnavailableError("This Node.js has no built-in SQLite (node:sqlite)", {
      details: { node: process.version, reason: (err as Error).message },
      hint: "Run on Node.js 22.5 or later for the SQLite store, or use a postgres:// store URL.",
      cause: err,
    });
  } finally {
    process.emitWarning = original;
  }
  return sqliteModule;
}

/**
 * The connections of this process that hold an open group transaction. Before a connection
 * takes the write lock it commits the others' groups: a connection of the same thread waiting
 * on SQLite's busy timeout would block the very turn that would have committed them.
 */
const openGroups = new Set<SqliteDatabase>();

/** Commits the open groups of every other connection of this process. */
function commitOthers(self: SqliteDatabase): void {
  for (const other of openGroups) if (other !== self) other.flush();
}

/** How long a writer waits for another process's write lock before failing (ms). */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * One SQLite connection with the project's settings: WAL journal (readers never block the
 * writer), `synchronous = FULL` (a committed transaction survives power loss, not only a crash),
 * a busy timeout, foreign keys on. {@link SqliteDatabase.tx} runs a function inside
 * `BEGIN IMMEDIATE … COMMIT`: the write lock is taken up front, so a read-then-write cannot be
 * interleaved with another process's write.
 *
 * {@link SqliteDatabase.write} is the group commit the stores use: each operation runs at once,
 * in its own savepoint, inside one `BEGIN IMMEDIATE` transaction shared by every operation of
 * the same event-loop turn; the transaction commits (one fsync) when the turn ends, and only
 * then does each operation's promise settle. A caller therefore never sees a result that is
 * not durable, and concurrent requests share the cost of the sync instead of paying one each.
 */
export class SqliteDatabase {
  readonly file: string;
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, ReturnType<DatabaseSync["prepare"]>>();
  /** The open group transaction: the settlers of the operations it holds, run at its commit. */
  #group: { settle: ((error?: unknown) => void)[] } | undefined;

  constructor(file: string) {
    this.file = file;
    const { DatabaseSync: Database } = loadSqlite();
    try {
      if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      this.db = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
      this.db.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      this.db.exec("PRAGMA journal_mode = WAL");
      this.db.exec("PRAGMA synchronous = FULL");
      this.db.exec("PRAGMA foreign_keys = ON");
    } catch (err) {
      throw unavailable(err, file);
    }
  }

  /** A cached prepared statement. */
  stmt(sql: string): ReturnType<DatabaseSync["prepare"]> {
    let s = this.#statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  /**
   * Runs `fn` now, atomically (in a savepoint of the group transaction, which holds the write
   * lock), and settles once the group has committed: with `fn`'s value, or with its error (its
   * writes undone, the group's others kept). If the commit fails, every operation of the group
   * is rejected with {@link StoreUnavailableError} and none of their writes stays.
   */
  write<T>(fn: () => T): Promise<T> {
    let group = this.#group;
    if (group === undefined) {
      commitOthers(this);
      try {
        this.db.exec("BEGIN IMMEDIATE");
      } catch (err) {
        return Promise.reject(unavailable(err, this.file));
      }
      group = { settle: [] };
      this.#group = group;
      openGroups.add(this);
      setImmediate(() => this.#commit());
    }
    let value: T;
    let failure: { error: unknown } | undefined;
    try {
      this.db.exec("SAVEPOINT op");
      try {
        value = fn();
        this.db.exec("RELEASE op");
      } catch (err) {
        failure = { error: isSqliteError(err) ? unavailable(err, this.file) : err };
        if (this.db.isTransaction) {
          this.db.exec("ROLLBACK TO op");
          this.db.exec("RELEASE op");
        }
      }
    } catch (err) {
      failure = { error: unavailable(err, this.file) };
    }
    if (!this.db.isTransaction) {
      // SQLite rolled the whole transaction back (I/O error, disk full): the group is lost.
      const lost = unavailable(new Error("the transaction was rolled back"), this.file);
      this.#abort(group, lost);
      return Promise.reject(failure?.error ?? lost);
    }
    return new Promise<T>((resolve, reject) => {
      group.settle.push((error) => {
        if (failure !== undefined) reject(failure.error);
        else if (error !== undefined) reject(error);
        else resolve(value);
      });
    });
  }

  /**
   * Runs the read `fn` now; settles at once, or, when a group transaction is open (so `fn` may
   * have seen its writes), once that group has committed.
   */
  read<T>(fn: () => T): Promise<T> {
    let value: T;
    try {
      value = fn();
    } catch (err) {
      return Promise.reject(isSqliteError(err) ? unavailable(err, this.file) : (err as Error));
    }
    const group = this.#group;
    if (group === undefined) return Promise.resolve(value);
    return new Promise<T>((resolve, reject) => {
      group.settle.push((error) => (error === undefined ? resolve(value) : reject(error)));
    });
  }

  /** Commits the open group transaction now (it also commits at the end of the turn). */
  flush(): void {
    this.#commit();
  }

  #commit(): void {
    const group = this.#group;
    if (group === undefined) return;
    this.#group = undefined;
    openGroups.delete(this);
    try {
      this.db.exec("COMMIT");
    } catch (err) {
      this.#abort(group, unavailable(err, this.file));
      return;
    }
    for (const settle of group.settle) settle();
  }

  #abort(group: { settle: ((error?: unknown) => void)[] }, error: unknown): void {
    if (this.#group === group) {
      this.#group = undefined;
      openGroups.delete(this);
    }
    try {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
    } catch {
      // Already rolled back by SQLite.
    }
    for (const settle of group.settle) settle(error);
  }

  /**
   * Runs `fn` in its own `BEGIN IMMEDIATE` (after committing any open group); commits if it
   * returns, rolls back if it throws.
   */
  tx<T>(fn: () => T): T {
    this.#commit();
    commitOthers(this);
    try {
      this.db.exec("BEGIN IMMEDIATE");
    } catch (err) {
      throw unavailable(err, this.file);
    }
    try {
      const result = fn();
      this.db.exec("COMMIT");
      return result;
    } catch (err) {
      try {
        this.db.exec("ROLLBACK");
      } catch {
        // Already rolled back by SQLite (e.g. after a busy error in COMMIT).
      }
      if (isSqliteError(err)) throw unavailable(err, this.file);
      throw err;
    }
  }

  /** Applies the migrations not yet recorded in `schema_migrations`, in one transaction. */
  migrate(migrations: readonly Migration[]): void {
    this.tx(() => {
      this.db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
      );
      const applied = new Set(
        (
          this.db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]
        ).map((r) => Number(r.version)),
      );
      const known = new Set(migrations.map((m) => m.version));
      const unknown = [...applied].filter((v) => !known.has(v));
      if (unknown.length > 0) {
        throw new StoreMigrationError("The database schema is newer than this software", {
          details: { file: this.file, unknownVersions: unknown },
          hint: "Upgrade this service to the version that wrote the database; never downgrade over a live database.",
        });
      }
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        this.db.exec(m.sql);
        this.db
          .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
          .run(m.version, m.name, Date.now());
      }
    });
  }

  close(): void {
    if (!this.db.isOpen) return;
    this.#commit();
    this.db.close();
  }
}

function isSqliteError(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === "ERR_SQLITE_ERROR";
}

/** Wraps a driver error (busy, I/O, cannot open) in {@link StoreUnavailableError}. */
export function unavailable(err: unknown, file: string): StoreUnavailableError {
  return new StoreUnavailableError("The SQLite store cannot complete the operation", {
    details: {
      file,
      reason: (err as Error).message,
      errcode: (err as { errcode?: number }).errcode,
    },
    hint: "Check that the file is writable and on a local disk; if it is busy, another process holds a long write: retry.",
    cause: err,
  });
}
