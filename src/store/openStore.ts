import path from "node:path";

import { InvalidInputError, assertBigint, assertObject, describeValue } from "../ticket/inputs.js";
import { InvalidStoreUrlError } from "./errors.js";
import { MemoryStore } from "./memory/memoryStore.js";
import { PostgresStore } from "./postgres/postgresStore.js";
import { SqliteStore } from "./sqlite/sqliteStore.js";
import type { Store } from "./types.js";

/** Options every backend takes. */
export interface OpenStoreOptions {
  /** `memory:`, `sqlite:<file path>` or `postgres://user:pass@host:port/db`. */
  url: string;
  /** Nonces per reserved block (default 1000). */
  blockSize?: bigint;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

/**
 * Opens the store a URL names and applies pending migrations.
 *
 * - `memory:` — in process memory (tests);
 * - `sqlite:<path>` — one SQLite file (relative paths resolve from the working directory),
 *   the embedded default;
 * - `postgres://…` or `postgresql://…` — a PostgreSQL database, for fleets.
 *
 * @example
 * ```ts
 * const store = await openStore({ url: process.env.TICKETBROKER_STORE_URL ?? "sqlite:./state.db" });
 * ```
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  assertObject(options, "openStore options");
  if (typeof options.url !== "string") {
    throw new InvalidStoreUrlError("The store URL must be a string", {
      details: { field: "url", received: describeValue(options.url) },
      hint: "Pass url as memory:, sqlite:/path/to/state.db or postgres://user:password@host:5432/database.",
    });
  }
  if (options.blockSize !== undefined) assertBigint(options.blockSize, "blockSize", { min: 1n });
  if (
    options.poolSize !== undefined &&
    (!Number.isSafeInteger(options.poolSize) || options.poolSize < 1)
  ) {
    throw new InvalidInputError("poolSize must be a positive integer", {
      details: { field: "poolSize", received: describeValue(options.poolSize) },
      hint: "Pass the number of PostgreSQL connections as a whole number ≥ 1 (default 10), or leave it out.",
    });
  }
  const url = options.url.trim();
  const blockSize = options.blockSize === undefined ? {} : { blockSize: options.blockSize };
  if (url === "memory:" || url === "memory") return new MemoryStore(blockSize);
  if (url.startsWith("sqlite:")) {
    let file = url.slice("sqlite:".length);
    if (file.startsWith("//")) file = file.slice(2);
    if (file === "") throw badUrl(url, "the SQLite URL names no file");
    return SqliteStore.open({
      file: file === ":memory:" ? file : path.resolve(file),
      ...blockSize,
    });
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    return PostgresStore.open({
      url,
      ...blockSize,
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    });
  }
  throw badUrl(url, "unknown scheme");
}

function badUrl(url: string, reason: string): InvalidStoreUrlError {
  return new InvalidStoreUrlError(`Cannot open a store from this URL: ${reason}`, {
    details: { url: url.replace(/:\/\/([^:@/]*):[^@/]*@/, "://$1:***@"), reason },
    hint: "Use memory:, sqlite:/path/to/state.db or postgres://user:password@host:5432/database.",
  });
}
