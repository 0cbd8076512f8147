/**
 * Multi-process tests shared by the SQLite and PostgreSQL test files: real OS processes (not
 * promises) on one database, some of them killed with SIGKILL.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { openStore } from "../../src/store/openStore.js";
import { RECIPIENT, SENDER, winner } from "./fixtures.js";
import { REPLAY_EV } from "./storeWorker.js";

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), "storeWorker.ts");

/** A running worker: its acknowledged lines so far, and promises for "ready" and its exit. */
interface Worker {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves once the worker printed at least `n` result lines. */
  waitFor(n: number): Promise<void>;
}

function startWorker(args: string[]): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let buffer = "";
  let stderr = "";
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const waiters: { n: number; resolve: () => void }[] = [];
  child.stdout?.on("data", (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const line of parts) {
      if (line === "ready") markReady();
      else if (line !== "done") lines.push(line);
    }
    for (const w of waiters.splice(0)) {
      if (lines.length >= w.n) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stderr })));
  void exited.then(({ code, stderr: err }) => {
    if (code !== 0) markReady();
    for (const w of waiters.splice(0)) w.resolve();
    if (code !== 0 && code !== null) lines.push(`exit ${code}: ${err}`);
  });
  return {
    child,
    lines,
    ready,
    exited,
    waitFor: (n) =>
      lines.length >= n
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ n, resolve })),
  };
}

async function finished(w: Worker): Promise<void> {
  const { code, signal, stderr } = await w.exited;
  expect({ code, signal }, stderr).to.deep.equal({ code: 0, signal: null });
  // Nothing on stderr: in particular not node:sqlite's ExperimentalWarning, which the store hides.
  expect(stderr).to.equal("");
}

function values(lines: readonly string[], tag: string): bigint[] {
  return lines.filter((l) => l.startsWith(`${tag} `)).map((l) => BigInt(l.slice(tag.length + 1)));
}

/**
 * Registers the multi-process tests. `database()` gives a fresh store URL on the backend (one
 * SQLite file, or one PostgreSQL database) for each test.
 */
export function describeMultiProcess(
  name: string,
  database: () => Promise<string>,
  options: { blockSize: bigint },
): void {
  describe(`${name}: several OS processes on one database`, function () {
    this.timeout(300_000);
    let dir: string;

    beforeEach(function () {
      dir = mkdtempSync(path.join(tmpdir(), "tb-procs-"));
    });

    afterEach(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    async function go(workers: Worker[]): Promise<void> {
      await Promise.all(workers.map((w) => w.ready));
      writeFileSync(path.join(dir, "go"), "");
    }

    it(`4 × 2,000 nonce allocations (block size ${options.blockSize}): none issued twice`, async function () {
      const url = await database();
      const workers = Array.from({ length: 4 }, () =>
        startWorker(["nonces", url, path.join(dir, "go"), "2000", String(options.blockSize)]),
      );
      await go(workers);
      for (const w of workers) await finished(w);
      const all = workers.flatMap((w) => values(w.lines, "n"));
      expect(all).to.have.length(8000);
      expect(new Set(all).size).to.equal(8000);
      // Each process's own nonces rise.
      for (const w of workers) {
        const own = values(w.lines, "n");
        expect(own.every((n, i) => i === 0 || n > (own[i - 1] as bigint))).to.equal(true);
      }
    });

    it("SIGKILL one allocator mid-run and restart it: still no nonce twice", async function () {
      const url = await database();
      const go1 = path.join(dir, "go");
      const args = ["nonces", url, go1, "2000", String(options.blockSize)];
      const workers = Array.from({ length: 4 }, () => startWorker(args));
      await go(workers);
      const victim = workers[0] as Worker;
      await victim.waitFor(300);
      victim.child.kill("SIGKILL");
      const { signal } = await victim.exited;
      expect(signal).to.equal("SIGKILL");
      const restarted = startWorker(args);
      for (const w of [...workers.slice(1), restarted]) await finished(w);
      const killedNonces = values(victim.lines, "n");
      expect(killedNonces.length).to.be.greaterThanOrEqual(300).and.lessThan(2000);
      const all = [...workers, restarted].flatMap((w) => values(w.lines, "n"));
      expect(all.length).to.equal(killedNonces.length + 4 * 2000);
      expect(new Set(all).size).to.equal(all.length);
      // The restarted process starts above every nonce the killed one was told.
      const maxKilled = killedNonces.reduce((a, b) => (a > b ? a : b), 0n);
      expect((values(restarted.lines, "n")[0] as bigint) > maxKilled).to.equal(true);
    });

    it("two recipients record the same tickets interleaved: each credited exactly once", async function () {
      const url = await database();
      const count = 600;
      const workers = [0, count / 2].map((offset) =>
        startWorker(["replay", url, path.join(dir, "go"), String(count), String(offset)]),
      );
      await go(workers);
      await Promise.all(workers.map((w) => w.waitFor(1)));
      writeFileSync(path.join(dir, "go-contend"), "");
      for (const w of workers) await finished(w);
      const accepted = workers.map((w) => values(w.lines, "a"));
      const all = accepted.flat();
      expect(all.length, "tickets accepted in all").to.equal(count);
      expect(new Set(all).size, "distinct tickets accepted").to.equal(count);
      // Both processes got some: the interleaving was real.
      expect(
        accepted.map((a) => a.length > 0),
        `accepted per process: ${accepted.map((a) => a.length).join(", ")}`,
      ).to.deep.equal([true, true]);
      const store = await openStore({ url });
      try {
        const session = await store.sessions.get("shared-session");
        expect(session?.credited.equals(REPLAY_EV.mul(BigInt(count)))).to.equal(true);
        const winners = await store.winners.list();
        expect(winners.map((w) => w.digest).sort()).to.deep.equal(
          Array.from(
            { length: count / 10 },
            (_, i) => winner(`replay-${(i + 1) * 10}`).digest,
          ).sort(),
        );
        expect(
          await store.replay.record({
            recipient: RECIPIENT,
            sender: SENDER,
            paramsKey: "shared-params",
            nonce: 7n,
            closesAt: 4_000_000_000n,
            maxPerParams: 1_000_000,
            now: 1_000n,
          }),
        ).to.deep.equal({ outcome: "reused" });
      } finally {
        await store.close();
      }
    });

    it("SIGKILL during winner adds: every acknowledged winner is there, intact, after reopening", async function () {
      const url = await database();
      const w = startWorker(["winners", url, path.join(dir, "go"), "100000", "crash"]);
      await go([w]);
      await w.waitFor(150);
      w.child.kill("SIGKILL");
      expect((await w.exited).signal).to.equal("SIGKILL");
      const acked = values(w.lines, "w").map(Number);
      expect(acked.length).to.be.greaterThanOrEqual(150);
      const store = await openStore({ url });
      try {
        const stored = await store.winners.list();
        expect(stored.length).to.be.oneOf([acked.length, acked.length + 1]);
        for (const i of acked) {
          const expected = winner(`crash-${i}`, {
            nonce: BigInt(i + 1),
            faceValue: BigInt(i) * 10n ** 20n + 1n,
          });
          expect(stored[i]).to.deep.equal({ ...expected, status: "pending", state: "pending" });
        }
        // The store still takes writes after the crash.
        await store.winners.add(winner("after-crash"));
        expect(await store.winners.get(winner("after-crash").digest)).to.not.equal(undefined);
      } finally {
        await store.close();
      }
    });
  });
}
