/**
 * Load test of the payment services over HTTP, with autocannon in a separate process:
 * - payee payments/s and p50/p99 latency for 1- and 3-ticket payments (tickets pre-signed, so
 *   the load is the payee: decode, check every ticket, replay store, session credit, winners);
 * - signer payments/s (params check, nonces from the store, signing, ledger, session);
 * on SQLite (a file) and on PostgreSQL (an embedded server), beside the library's bare
 * validation rate in the same run (Recipient.receiveTicket on memory stores, no HTTP), so the
 * HTTP and database overhead shows as a ratio. Writes reports/load.json and reports/load.md.
 *
 *   npm run bench:load [-- --payments 6000 --connections 16 --no-postgres]
 *
 * The services run in this process (one Node thread: one core); autocannon runs in a child.
 * The chain is a fixed in-memory state (no RPC): the figures are the services' own cost.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { pino, type Logger } from "pino";

import type { BrokerReader, SenderFunds } from "../src/chain/brokerReader.js";
import { Recipient } from "../src/recipient/recipient.js";
import { hashApiKey } from "../src/services/common/apiKeys.js";
import type { ServiceApp } from "../src/services/common/baseApp.js";
import { parseServiceConfig } from "../src/services/common/config.js";
import { serviceLogger } from "../src/services/common/logger.js";
import { buildPayeeApp } from "../src/services/payee/payeeApp.js";
import { buildSignerApp } from "../src/services/signer/signerApp.js";
import { RawKeyTicketSigner } from "../src/ticket/signTicket.js";
import { MemoryStore } from "../src/store/memory/memoryStore.js";
import { openStore } from "../src/store/openStore.js";
import type { Store } from "../src/store/types.js";
import { TicketHasher } from "../src/ticket/ticketDigest.js";
import { ticketForParams, type TicketParams } from "../src/ticket/ticketParams.js";
import type { SignedTicket, TicketDomain } from "../src/ticket/ticketTypes.js";
import { decodeTicketParams, encodeSignedTicket } from "../src/wire/index.js";
import { startPostgres } from "../test/support/postgres.js";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The parts of autocannon's result this script reads. */
interface AutocannonResult {
  requests: { total: number };
  duration: number;
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

// ---- Child: autocannon --------------------------------------------------------------------
if (process.argv[2] === "--client") {
  const spec = JSON.parse(readFileSync(process.argv[3]!, "utf8")) as {
    url: string;
    connections: number;
    headers: Record<string, string>;
    bodies: string[];
    idempotent: boolean;
  };
  // autocannon ships no type declarations: imported by name, typed here by what is used.
  const moduleName = "autocannon";
  const { default: autocannon } = (await import(moduleName)) as {
    default: (o: unknown) => Promise<AutocannonResult>;
  };
  let next = 0;
  const result = await autocannon({
    url: spec.url,
    method: "POST",
    connections: spec.connections,
    amount: spec.bodies.length,
    timeout: 30,
    headers: { "content-type": "application/json", ...spec.headers },
    requests: [
      {
        setupRequest: (req: { headers?: Record<string, string> }) => {
          const i = next++;
          const body = spec.bodies[i % spec.bodies.length];
          return {
            ...req,
            body,
            headers: spec.idempotent
              ? { ...req.headers, "idempotency-key": `load-${i}` }
              : req.headers,
          };
        },
      },
    ],
  });
  process.stdout.write(
    JSON.stringify({
      requests: result.requests.total,
      durationSeconds: result.duration,
      perSecond: result.requests.total / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    }),
  );
  process.exit(0);
}

// ---- Parent: services and measurements ----------------------------------------------------
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PAYMENTS = arg("payments", 6000);
const CONNECTIONS = arg("connections", 16);
const WITH_POSTGRES = !process.argv.includes("--no-postgres");
/**
 * `--log info` gives the services their production logger at that level, writing to /dev/null
 * (default: no logger), to see what logging costs.
 */
const LOG_LEVEL = (() => {
  const i = process.argv.indexOf("--log");
  return i > 0 ? process.argv[i + 1]! : undefined;
})();
const serviceLog = (service: string): Logger | false =>
  LOG_LEVEL === undefined
    ? false
    : serviceLogger({ level: LOG_LEVEL, service, destination: pino.destination("/dev/null") });
/** `--backends memory,sqlite` runs only those stores (default: all). */
const BACKENDS = (() => {
  const i = process.argv.indexOf("--backends");
  return i > 0 ? new Set(process.argv[i + 1]!.split(",")) : undefined;
})();

const SENDER_KEY = `0x${"11".repeat(32)}` as const;
const RECIPIENT_KEY = `0x${"33".repeat(32)}` as const;
const signer = new RawKeyTicketSigner(SENDER_KEY);
const recipient = new RawKeyTicketSigner(RECIPIENT_KEY).address;
const domain: TicketDomain = {
  name: "TicketBroker",
  version: "1",
  chainId: 421614n,
  verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
};
const hasher = new TicketHasher(domain);
const SECRET = new Uint8Array(32).fill(7);
const API_KEY = "load-test-key-0001";

/** A chain that never changes: the sender is funded, nothing is redeemed. */
class StaticChain implements BrokerReader {
  readonly time = BigInt(Math.floor(Date.now() / 1000));
  senderFunds(): Promise<SenderFunds> {
    return Promise.resolve({ deposit: 10n ** 21n, reserve: 0n, unlockEnd: 0n });
  }
  claimableReserve(): Promise<bigint> {
    return Promise.resolve(0n);
  }
  highestRedeemedNonce(): Promise<bigint> {
    return Promise.resolve(0n);
  }
  signerValidUntil(): Promise<bigint> {
    return Promise.resolve(0n);
  }
  now(): Promise<bigint> {
    return Promise.resolve(this.time);
  }
}
const chain = new StaticChain();

const common = {
  apiKeys: [{ id: "load", sha256: hashApiKey(API_KEY), scopes: ["pay", "charge"] }],
  logLevel: "warn",
  requestTimeoutMs: 30_000,
};
const payeeConfig = parseServiceConfig("payee", {
  ...common,
  recipient,
  targetEVWei: "1000000000000",
  gasPriceWei: "100000000",
  redeemGas: "100000",
  pricePerUnitWei: "1",
  maxTicketsPerPayment: 10,
});
const signerConfig = parseServiceConfig("signer", {
  ...common,
  sender: signer.address,
  maxTicketEVWei: "10000000000000",
  maxTotalEVWei: "100000000000000",
});

/**
 * The service's own clock over a run: from the first request after `start()` to the last
 * response. autocannon ends a fixed-count run on its one-second tick, so its duration would
 * add up to a second of idle time to a run of a few seconds.
 */
function serverClock(app: ServiceApp): { start(): void; rate(requests: number): number } {
  let first: number | undefined;
  let last = 0;
  let on = false;
  app.addHook("onRequest", async () => {
    if (on && first === undefined) first = performance.now();
  });
  app.addHook("onResponse", async () => {
    if (on) last = performance.now();
  });
  return {
    start: () => {
      on = true;
    },
    rate: (requests) => requests / ((last - (first ?? last)) / 1000),
  };
}

async function listen(app: ServiceApp): Promise<string> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const a = app.server.address();
  if (a === null || typeof a === "string") throw new Error("no address");
  return `http://127.0.0.1:${a.port}`;
}

/** Runs autocannon in a child process over `bodies`; returns its summary. */
function autocannon(url: string, bodies: string[], idempotent: boolean): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "tb-load-"));
  const specFile = path.join(dir, "spec.json");
  writeFileSync(
    specFile,
    JSON.stringify({
      url,
      connections: CONNECTIONS,
      headers: { authorization: `Bearer ${API_KEY}` },
      bodies,
      idempotent,
    }),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "--client", specFile],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) reject(new Error(`autocannon exited with ${code}`));
      else resolve(JSON.parse(out) as LoadResult);
    });
  });
}

interface LoadResult {
  requests: number;
  durationSeconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Tickets on `params` with nonces first.., signed in this process before the load. */
async function signTickets(
  params: TicketParams,
  first: bigint,
  count: number,
): Promise<SignedTicket[]> {
  const out: SignedTicket[] = [];
  for (let i = 0; i < count; i++) {
    const ticket = ticketForParams({
      params,
      senderNonce: first + BigInt(i),
      workId: `0x${"00".repeat(32)}`,
    });
    out.push({ ticket, signature: await signer.signTicket(ticket, hasher) });
  }
  return out;
}

/** The library alone: Recipient.receiveTicket on memory stores, one ticket after another. */
async function bareValidation(count: number): Promise<{ perSecond: number; tickets: number }> {
  const r = new Recipient({
    address: recipient,
    secret: SECRET,
    hasher,
    reader: chain,
    winners: new MemoryStore().winners,
    policy: { redeemGas: 100_000n, targetEV: 10n ** 12n, paramsLifetime: 3_600n },
  });
  const params = await r.issueParams({ sender: signer.address, gasPrice: 10n ** 8n });
  const tickets = await signTickets(params, 1n, count);
  const start = performance.now();
  for (const signed of tickets) await r.receiveTicket({ signed, params });
  return { perSecond: count / ((performance.now() - start) / 1000), tickets: count };
}

async function payeeRun(
  store: Store,
  ticketsPerPayment: number,
): Promise<LoadResult & { credited: boolean; cpuMsPerPayment: number }> {
  const app = buildPayeeApp(payeeConfig, {
    store,
    reader: chain,
    domain,
    secret: SECRET,
    logger: serviceLog("payee"),
  });
  const clock = serverClock(app);
  const url = await listen(app);
  try {
    const res = await fetch(`${url}/v1/params`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ sender: signer.address }),
    });
    const offer = (await res.json()) as { params: unknown };
    const params = decodeTicketParams(offer.params);
    const tickets = await signTickets(params, 1n, PAYMENTS * ticketsPerPayment);
    const bodies: string[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const group = tickets.slice(i * ticketsPerPayment, (i + 1) * ticketsPerPayment);
      bodies.push(
        JSON.stringify({
          sessionId: `load-${i % 100}`,
          payment: {
            version: 1,
            sender: signer.address,
            params: offer.params,
            tickets: group.map((t) => encodeSignedTicket(t)),
          },
        }),
      );
    }
    // CPU time of this process (the service) per payment: less noisy than the rate on a
    // shared machine, and what one core can take (1 / cpu time) when nothing else runs.
    const cpuBefore = process.cpuUsage();
    clock.start();
    const result = await autocannon(`${url}/v1/payments`, bodies, false);
    const cpu = process.cpuUsage(cpuBefore);
    result.perSecond = clock.rate(result.requests);
    const cpuMsPerPayment = (cpu.user + cpu.system) / 1000 / result.requests;
    // Every ticket was credited exactly once: 100 sessions hold PAYMENTS × k tickets of EV
    // (read through the API, as a client sees them).
    let credited = 0n;
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${url}/v1/sessions/load-${i}`, {
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      if (res.status !== 200) continue;
      // An exact fraction "num/den" (or an integer): its floor, as the sum allows ±100 wei.
      const [num, den = "1"] = ((await res.json()) as { credited: string }).credited.split("/");
      credited += BigInt(num!) / BigInt(den);
    }
    const expected = BigInt(PAYMENTS * ticketsPerPayment) * 10n ** 12n;
    return {
      ...result,
      cpuMsPerPayment,
      credited: credited >= expected - 100n && credited <= expected + 100n,
    };
  } finally {
    await app.close();
  }
}

async function signerRun(store: Store): Promise<LoadResult> {
  const app = buildSignerApp(signerConfig, {
    store,
    reader: chain,
    signer,
    domain,
    logger: serviceLog("signer"),
  });
  const clock = serverClock(app);
  const url = await listen(app);
  try {
    const offer = (await buildPayeeOffer()).params;
    const bodies = Array.from({ length: Math.min(PAYMENTS, 3000) }, (_, i) =>
      JSON.stringify({ params: offer, sessionId: `s-${i}`, fee: "1000000000000" }),
    );
    clock.start();
    const result = await autocannon(`${url}/v1/payments`, bodies, true);
    return { ...result, perSecond: clock.rate(result.requests) };
  } finally {
    await app.close();
  }
}

/** Params as a payee would issue them (for the signer run). */
async function buildPayeeOffer(): Promise<{ params: unknown }> {
  const app = buildPayeeApp(payeeConfig, {
    store: new MemoryStore(),
    reader: chain,
    domain,
    secret: SECRET,
    logger: false,
  });
  const res = await app.inject({
    method: "POST",
    url: "/v1/params",
    headers: { authorization: `Bearer ${API_KEY}` },
    payload: { sender: signer.address },
  });
  await app.close();
  return res.json();
}

const started = Date.now();
const loadBefore = loadavg();
const workDir = mkdtempSync(path.join(tmpdir(), "tb-load-db-"));
const backends: { name: string; open: () => Promise<Store>; stop: () => Promise<void> }[] = [
  // Memory first: the same HTTP path without a database, to separate the two costs.
  { name: "memory", open: () => Promise.resolve(new MemoryStore()), stop: async () => undefined },
  {
    name: "sqlite",
    open: (() => {
      let n = 0;
      return () => openStore({ url: `sqlite:${path.join(workDir, `load-${n++}.db`)}` });
    })(),
    stop: async () => undefined,
  },
];
if (WITH_POSTGRES && (BACKENDS === undefined || BACKENDS.has("postgres"))) {
  const pg = await startPostgres({ durable: true });
  backends.push({
    name: "postgres",
    open: async () => openStore({ url: await pg.createDatabase() }),
    stop: () => pg.stop(),
  });
}

const bare = await bareValidation(Math.max(3000, PAYMENTS));
console.log(`bare validation: ${bare.perSecond.toFixed(0)} tickets/s`);
const rows: Record<string, unknown>[] = [];
for (const b of backends.filter((x) => BACKENDS === undefined || BACKENDS.has(x.name))) {
  for (const k of [1, 3]) {
    const store = await b.open();
    const r = await payeeRun(store, k);
    await store.close();
    console.log(
      `payee ${b.name} ${k}-ticket: ${r.perSecond.toFixed(0)}/s p50 ${r.p50} ms p99 ${r.p99} ms cpu ${r.cpuMsPerPayment.toFixed(3)} ms/payment non2xx ${r.non2xx} credited-once ${r.credited}`,
    );
    rows.push({
      service: "payee",
      backend: b.name,
      ticketsPerPayment: k,
      ...r,
      ticketsPerSecond: r.perSecond * k,
      ratioToBare: (r.perSecond * k) / bare.perSecond,
    });
  }
  const store = await b.open();
  const s = await signerRun(store);
  await store.close();
  console.log(
    `signer ${b.name}: ${s.perSecond.toFixed(0)}/s p50 ${s.p50} ms p99 ${s.p99} ms non2xx ${s.non2xx}`,
  );
  rows.push({ service: "signer", backend: b.name, ticketsPerPayment: 1, ...s });
  await b.stop();
}
rmSync(workDir, { recursive: true, force: true });

const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT })
  .toString()
  .trim();
const report = {
  generatedAt: new Date().toISOString(),
  commit,
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? "unknown",
  loadAverage1mBeforeAndAfter: [loadBefore[0], loadavg()[0]],
  payments: PAYMENTS,
  connections: CONNECTIONS,
  bareValidationTicketsPerSecond: bare.perSecond,
  rows,
  seconds: (Date.now() - started) / 1000,
};
mkdirSync(path.join(ROOT, "reports"), { recursive: true });
writeFileSync(path.join(ROOT, "reports/load.json"), `${JSON.stringify(report, null, 2)}\n`);

/** Whether the SQLite payee rows reach the issue's target (2,000 payments/s, p99 ≤ 20 ms). */
function targetMet(): boolean {
  const sqlite = rows.filter((r) => r["service"] === "payee" && r["backend"] === "sqlite");
  return (
    sqlite.length > 0 &&
    sqlite.every((r) => Number(r["perSecond"]) >= 2000 && Number(r["p99"]) <= 20)
  );
}

const fmt = (n: unknown, d = 0) => (typeof n === "number" ? n.toFixed(d) : String(n));
const lines = [
  "# Load test: payment services over HTTP",
  "",
  `Generated by \`npm run bench:load\` (scripts/load-test.ts) at commit ${commit}, ${report.generatedAt}.`,
  `Node ${process.version}, ${report.cpus} logical CPUs (${report.cpuModel}); the services run in one Node process`,
  `(one core), autocannon in another with ${CONNECTIONS} connections; ${PAYMENTS} payments per payee run.`,
  "The chain is a fixed in-memory state, so the figures are the services' own cost (HTTP, JSON,",
  "schema validation, ticket checks, database writes). The machine may be shared: read the ratio",
  "to the bare validation rate measured in the same run, not only the absolute numbers.",
  `Load average (1 min) on the machine: ${report.loadAverage1mBeforeAndAfter.map((x) => (x ?? 0).toFixed(1)).join(" before, ")} after.`,
  "The memory rows run the same HTTP path without a database: the gap to the SQLite and",
  "PostgreSQL rows is the cost of the durable writes (replay record per ticket, session credit,",
  "winners), the gap to the bare rate is HTTP, JSON and schema validation. SQLite runs with",
  "`synchronous = FULL` and group commit (the writes of one event-loop turn share one commit;",
  "each answer waits for it; docs/storage.md). Payments/s are timed by the service, from the",
  "first request to the last response; CPU ms/payment is the service process's CPU time per",
  "payment (user + system), less sensitive to other load: one core takes at most 1000 / that.",
  "",
  `Bare validation (Recipient.receiveTicket on memory stores, no HTTP): **${fmt(bare.perSecond)} tickets/s**.`,
  "",
  "| service | store | tickets/payment | payments/s | tickets/s | p50 ms | p99 ms | max ms | CPU ms/payment | non-2xx | vs bare |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (r) =>
      `| ${r["service"]} | ${r["backend"]} | ${r["ticketsPerPayment"]} | ${fmt(r["perSecond"])} | ${r["service"] === "payee" ? fmt(r["ticketsPerSecond"]) : "–"} | ${fmt(r["p50"])} | ${fmt(r["p99"])} | ${fmt(r["max"])} | ${r["service"] === "payee" ? fmt(r["cpuMsPerPayment"], 3) : "–"} | ${r["non2xx"]} | ${r["service"] === "payee" ? `${fmt(Number(r["ratioToBare"]) * 100)} %` : "–"} |`,
  ),
  "",
  `Target: ≥ 2,000 payments/s with p99 ≤ 20 ms for the payee on SQLite; ${targetMet() ? "met" : "not met"} in this run.`,
  "",
  "Every payee run checks afterwards that the sessions hold exactly the EV of every ticket sent",
  "(each credited once). The signer run signs one ticket per payment, each under its own",
  "Idempotency-Key, with nonces and the ledger in the store.",
  "",
];
writeFileSync(path.join(ROOT, "reports/load.md"), lines.join("\n"));
console.log(`wrote reports/load.json and reports/load.md in ${report.seconds.toFixed(0)} s`);
