import { closeSync, fdatasyncSync, mkdirSync, openSync } from "node:fs";
import { open as openFile, type FileHandle } from "node:fs/promises";
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
 * Makes the bytes written to a file durable (fdatasync). The default opens the file once and
 * syncs it on the thread pool; tests pass their own to hold or fail a sync.
 */
export interface FileSyncer {
  /** Resolves once everything written to `file` so far is on disk. */
  sync(file: string): Promise<void>;
  /** The same, blocking (rare paths: migrations, leader locks, close). */
  syncNow(file: string): void;
  close(): Promise<void>;
}

/**
 * One SQLite connection with the project's settings: WAL journal (readers never block the
 * writer), a busy timeout, foreign keys on, and commits made durable by an fsync of the WAL
 * (see below). {@link SqliteDatabase.tx} runs a function inside `BEGIN IMMEDIATE … COMMIT`: the
 * write lock is taken up front, so a read-then-write cannot be interleaved with another
 * process's write.
 *
 * {@link SqliteDatabase.write} is the group commit the stores use: each operation runs at once,
 * in its own savepoint, inside one `BEGIN IMMEDIATE` transaction shared by every operation of
 * the same event-loop turn; the transaction commits when the turn ends, and only once that
 * commit is on disk does each operation's promise settle. A caller therefore never sees a
 * result that is not durable, and concurrent requests share the cost of the sync instead of
 * paying one each.
 *
 * Durability without blocking the event loop: the connection runs `synchronous = NORMAL`, so
 * `COMMIT` writes the WAL frames without waiting for the disk, and the database then syncs the
 * WAL file itself on the thread pool (fdatasync), one sync at a time: the commits made while a
 * sync runs share the next one. (When a single operation waits, the sync runs at once, on the
 * event loop: it costs that operation less than the thread pool's round trip.) An operation
 * settles only after a sync that began after its commit; this is the guarantee of
 * `synchronous = FULL` (a commit survives power loss), for every answer the process gives. If a sync fails the database refuses every later operation
 * (which of the unsynced writes survive is unknown): restart the process.
 */
export class SqliteDatabase {
  readonly file: string;
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, ReturnType<DatabaseSync["prepare"]>>();
  /** The open group transaction: the settlers of the operations it holds, run once durable. */
  #group: { settle: ((error?: unknown) => void)[] } | undefined;
  /** The WAL file, synced after commits; undefined for an in-memory database. */
  readonly #wal: string | undefined;
  readonly #syncer: FileSyncer;
  /** Commits made, and how many of them a finished sync covers. */
  #committed = 0;
  #synced = 0;
  #syncing = false;
  /** Operations waiting for a sync: settled once `#synced` reaches `upTo`. */
  #durable: { upTo: number; settle: (error?: unknown) => void }[] = [];
  /** Set when a sync failed: every later operation is refused. */
  #broken: StoreUnavailableError | undefined;

  constructor(file: string, options: { syncer?: FileSyncer } = {}) {
    this.file = file;
    const { DatabaseSync: Database } = loadSqlite();
    this.#wal = file === ":memory:" ? undefined : `${path.resolve(file)}-wal`;
    this.#syncer = options.syncer ?? new WalSyncer();
    try {
      if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      this.db = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
      this.db.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      this.db.exec("PRAGMA journal_mode = WAL");
      // Commits do not wait for the disk here; the WAL is synced before any answer (#sync).
      this.db.exec("PRAGMA synchronous = NORMAL");
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
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
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
   * Runs the read `fn` now; settles at once, or, when a group transaction is open or a commit is
   * not yet synced (so `fn` may have seen writes that are not durable), once they are.
   */
  read<T>(fn: () => T): Promise<T> {
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    let value: T;
    try {
      value = fn();
    } catch (err) {
      return Promise.reject(isSqliteError(err) ? unavailable(err, this.file) : (err as Error));
    }
    const group = this.#group;
    if (group === undefined && this.#synced === this.#committed) return Promise.resolve(value);
    return new Promise<T>((resolve, reject) => {
      const settle = (error?: unknown): void =>
        error === undefined ? resolve(value) : reject(error);
      if (group !== undefined) group.settle.push(settle);
      else this.#durable.push({ upTo: this.#committed, settle });
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
    const upTo = ++this.#committed;
    for (const settle of group.settle) this.#durable.push({ upTo, settle });
    this.#sync();
  }

  /**
   * Starts a sync of the WAL unless one runs: it covers every commit made before it starts, and
   * settles the operations waiting on them. Commits made meanwhile wait for the next sync.
   */
  #sync(): void {
    if (this.#syncing || this.#synced === this.#committed) return;
    const target = this.#committed;
    if (this.#wal === undefined) {
      this.#settleUpTo(target);
      return;
    }
    if (this.#durable.length <= 1) {
      // One operation waits (a quiet store): a sync now costs it less than the thread pool's
      // round trip, and holds up no one else.
      try {
        this.#syncNow();
      } catch {
        // #fail refused the waiting operation and marked the database broken.
      }
      return;
    }
    this.#syncing = true;
    this.#syncer.sync(this.#wal).then(
      () => {
        this.#syncing = false;
        this.#settleUpTo(target);
        this.#sync();
      },
      (err: unknown) => {
        this.#syncing = false;
        this.#fail(err);
      },
    );
  }

  #settleUpTo(target: number, error?: unknown): void {
    if (target > this.#synced) this.#synced = target;
    const ready = this.#durable.filter((w) => w.upTo <= target);
    this.#durable = this.#durable.filter((w) => w.upTo > target);
    for (const w of ready) w.settle(error);
  }

  /** A failed sync: the unsynced writes' fate is unknown, so nothing more is accepted. */
  #fail(err: unknown): void {
    const broken = new StoreUnavailableError("The SQLite store could not sync its WAL to disk", {
      details: { file: this.file, reason: (err as Error).message },
      hint: "Check the disk (space, I/O errors), then restart the service: SQLite recovers the committed transactions from the WAL.",
      cause: err,
    });
    this.#broken = broken;
    this.#settleUpTo(this.#committed, broken);
  }

  /** Syncs the WAL now, blocking, and settles every operation waiting on a sync. */
  #syncNow(): void {
    if (this.#synced === this.#committed || this.#wal === undefined) {
      this.#settleUpTo(this.#committed);
      return;
    }
    try {
      this.#syncer.syncNow(this.#wal);
    } catch (err) {
      this.#fail(err);
      throw this.#broken;
    }
    this.#settleUpTo(this.#committed);
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
    if (this.#broken !== undefined) throw this.#broken;
    this.#commit();
    commitOthers(this);
    try {
      this.db.exec("BEGIN IMMEDIATE");
    } catch (err) {
      throw unavailable(err, this.file);
    }
    let result: T;
    try {
      result = fn();
      this.db.exec("COMMIT");
    } catch (err) {
      try {
        this.db.exec("ROLLBACK");
      } catch {
        // Already rolled back by SQLite (e.g. after a busy error in COMMIT).
      }
      if (isSqliteError(err)) throw unavailable(err, this.file);
      throw err;
    }
    ++this.#committed;
    this.#syncNow();
    return result;
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
    try {
      if (this.#broken === undefined) this.#syncNow();
    } finally {
      this.db.close();
      void this.#syncer.close().catch(() => undefined);
    }
  }
}

/**
 * The default {@link FileSyncer}: the WAL opened once (read-only is enough for fdatasync) and
 * synced on the thread pool; its directory is synced once too, so the WAL's own entry is durable.
 */
class WalSyncer implements FileSyncer {
  #handle: Promise<FileHandle> | undefined;

  async sync(file: string): Promise<void> {
    if (this.#handle === undefined) {
      const opening = (async () => {
        const handle = await openFile(file, "r");
        await syncDirectory(path.dirname(file));
        return handle;
      })();
      this.#handle = opening;
      // A failed open is retried by the next sync.
      opening.catch(() => {
        if (this.#handle === opening) this.#handle = undefined;
      });
    }
    await (await this.#handle).datasync();
  }

  syncNow(file: string): void {
    let fd: number;
    try {
      fd = openSync(file, "r");
    } catch (err) {
      // No WAL yet: nothing was written through it.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    try {
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle !== undefined) await (await handle).close();
  }
}

/**
 * Syncs a directory's entries (the WAL's own name). Where a directory cannot be opened for
 * that (Windows), the file system keeps its metadata durable itself, and this does nothing.
 */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await openFile(dir, "r");
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EINVAL" && code !== "EPERM") throw err;
  } finally {
    await handle.close();
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
