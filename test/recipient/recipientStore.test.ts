import { expect } from "chai";
import { existsSync } from "node:fs";
import { appendFile, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { execFileSync, spawn } from "node:child_process";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import {
  TicketBrokerInsufficientFunds,
  TicketBrokerTicketExpired,
} from "../../src/contract/contractErrors.js";
import type { TicketBrokerError } from "../../src/errors.js";
import { WinnerStoreError } from "../../src/recipient/errors.js";
import {
  FileWinnerStore,
  WinnerStoreFormatError,
  WinnerStoreLockedError,
  WinnerStoreReadOnlyError,
} from "../../src/recipient/fileWinnerStore.js";
import {
  Redeemer,
  type RedemptionClient,
  type RedemptionSubmission,
} from "../../src/redeem/redeemer.js";
import { MemoryWinnerStore, type WinningTicket } from "../../src/recipient/winnerStore.js";
import {
  FakeReader,
  recipientAddress,
  senderSigner,
  storeTestWinner,
} from "../support/flowFixtures.js";

const sender = senderSigner.address;

const winner = storeTestWinner;
const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), "winnerStoreWorker.ts");
const LOCK_WORKER = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "winnerStoreLockWorker.ts",
);
const TSX = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../node_modules/.bin/tsx");

/** Records what was sent; fails the nonces listed in `fail`. */
class FakeClient implements RedemptionClient {
  sent: bigint[][] = [];
  fail = new Map<bigint, TicketBrokerError>();
  redeem(winners: readonly WinningTicket[]): Promise<RedemptionSubmission> {
    this.sent.push(winners.map((w) => w.ticket.senderNonce));
    const failures = new Map<number, TicketBrokerError>();
    winners.forEach((w, i) => {
      const error = this.fail.get(w.ticket.senderNonce);
      if (error !== undefined) failures.set(i, error);
    });
    return Promise.resolve({ txHash: `0x${"ee".repeat(32)}`, gasUsed: 1n, failures });
  }
}

function setup(batchSize = 50) {
  const reader = new FakeReader();
  const store = new MemoryWinnerStore();
  const client = new FakeClient();
  const redeemer = new Redeemer({
    recipient: recipientAddress,
    store,
    reader,
    client,
    graceSeconds: 60n,
    batchSize,
  });
  return { reader, store, client, redeemer };
}

describe("recipient: Redeemer", () => {
  it("redeems in ascending nonce order, in batches, only after the params deadline + grace", async () => {
    const { reader, store, client, redeemer } = setup(2);
    for (const n of [5n, 2n, 9n]) await store.add(winner(n, { paramsDeadline: reader.time - 60n }));
    let report = await redeemer.redeemDue();
    expect(report.redeemed).to.have.length(0);
    expect(report.waiting).to.equal(3);
    reader.time += 1n;
    report = await redeemer.redeemDue();
    expect(client.sent).to.deep.equal([[2n, 5n], [9n]]);
    expect(report.paid).to.equal(3000n);
    expect(await store.list({ status: "redeemed" })).to.have.length(3);
  });

  it("never redeems past a lower winner whose params are still live", async () => {
    const { reader, store, client, redeemer } = setup();
    await store.add(winner(1n, { paramsDeadline: reader.time }));
    await store.add(winner(2n, { paramsDeadline: reader.time - 1000n }));
    const report = await redeemer.redeemDue();
    expect(client.sent).to.deep.equal([]);
    expect(report.waiting).to.equal(2);
  });

  it("marks winners below the redeemed mark or expired as unredeemable, and keeps them", async () => {
    const { reader, store, client, redeemer } = setup();
    reader.highest = 3n;
    await store.add(winner(3n, { paramsDeadline: 0n }));
    await store.add(winner(4n, { paramsDeadline: 0n, expiry: reader.time - 1n }));
    await store.add(winner(5n, { paramsDeadline: 0n, expiry: reader.time }));
    const report = await redeemer.redeemDue();
    expect(report.unredeemable.map((u) => u.error)).to.deep.equal([
      "TicketBrokerNonceAlreadyRedeemed",
      "TicketBrokerTicketExpired",
    ]);
    expect(client.sent).to.deep.equal([[5n]]);
    expect(await store.list()).to.have.length(3);
    expect(
      (await store.list({ status: "unredeemable" })).map((w) => w.ticket.senderNonce),
    ).to.deep.equal([3n, 4n]);
  });

  it("stops at the first winner the sender cannot cover and keeps it pending", async () => {
    const { reader, store, client, redeemer } = setup();
    reader.funds = { deposit: 1500n, reserve: 0n, unlockEnd: 0n };
    reader.claimable = 500n;
    for (const n of [1n, 2n, 3n]) await store.add(winner(n, { paramsDeadline: 0n }));
    const report = await redeemer.redeemDue();
    expect(client.sent).to.deep.equal([[1n, 2n]]);
    expect(report.retryLater.map((r) => r.winner.ticket.senderNonce)).to.deep.equal([3n]);
    const [left] = await store.list({ status: "pending" });
    expect(left?.lastError?.code).to.equal("TicketBrokerInsufficientFunds");
  });

  it("keeps transient failures pending and marks permanent ones unredeemable", async () => {
    const { store, client, redeemer } = setup();
    for (const n of [1n, 2n, 3n]) await store.add(winner(n, { paramsDeadline: 0n }));
    client.fail.set(
      1n,
      new TicketBrokerInsufficientFunds({ sender, available: 0n, needed: 1000n }),
    );
    client.fail.set(2n, new TicketBrokerTicketExpired({ expiry: 1n, timestamp: 2n }));
    const report = await redeemer.redeemDue();
    expect(report.retryLater.map((r) => r.error)).to.deep.equal(["TicketBrokerInsufficientFunds"]);
    expect(report.unredeemable.map((r) => r.error)).to.deep.equal(["TicketBrokerTicketExpired"]);
    expect(report.redeemed.map((r) => r.winner.ticket.senderNonce)).to.deep.equal([3n]);
    expect(
      (await store.list({ status: "pending" })).map((w) => w.ticket.senderNonce),
    ).to.deep.equal([1n]);
  });

  it("sends no further batch for a sender once a winner of an earlier batch is left unpaid", async () => {
    const { store, client, redeemer } = setup(2);
    for (const n of [1n, 2n, 3n, 4n, 5n, 6n]) await store.add(winner(n, { paramsDeadline: 0n }));
    // Nonce 2 fails for a reason that can pass (funds moved since the budget was read).
    client.fail.set(
      2n,
      new TicketBrokerInsufficientFunds({ sender, available: 0n, needed: 1000n }),
    );
    let report = await redeemer.redeemDue();
    expect(client.sent).to.deep.equal([[1n, 2n]]);
    expect(report.redeemed.map((r) => r.winner.ticket.senderNonce)).to.deep.equal([1n]);
    expect(report.retryLater.map((r) => r.winner.ticket.senderNonce)).to.deep.equal([2n]);
    expect(report.waiting).to.equal(4);
    // The next run, once the sender can pay, starts again from the unpaid winner.
    client.fail.clear();
    report = await redeemer.redeemDue();
    expect(client.sent.slice(1)).to.deep.equal([[2n, 3n], [4n, 5n], [6n]]);
    expect(report.redeemed).to.have.length(5);
  });
});

describe("recipient: FileWinnerStore", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "winners-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  it("never acknowledges a winner it did not write whole, and stays readable after a failed write", async function () {
    this.timeout(60_000);
    const file = path.join(dir, "w.jsonl");
    // A 1-block (512-byte) file-size limit: a few records fit, then writes fail part-way.
    const out = execFileSync(
      "bash",
      ["-c", 'ulimit -f 1 && exec "$0" "$@"', TSX, WORKER, file, "8"],
      { encoding: "utf8" },
    );
    const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
      added: string[];
      failed: boolean;
      readsWork: boolean;
    };
    expect(result.failed, "the limit made a write fail").to.equal(true);
    expect(result.readsWork, "reads still work after the failure").to.equal(true);
    const reopened = await FileWinnerStore.open({ file });
    const stored = (await reopened.list()).map((w) => w.ticket.senderNonce.toString());
    await reopened.close();
    expect(stored).to.deep.equal(result.added);
    expect(stored.length).to.be.greaterThan(0);
  });

  it("keeps winners and their statuses across a restart, bigints exact", async () => {
    const file = path.join(dir, "w.jsonl");
    const store = await FileWinnerStore.open({ file });
    const big = winner(1n, { faceValue: (1n << 200n) + 7n });
    await store.add(big);
    await store.add(big); // idempotent
    await store.add(winner(2n));
    await store.add(winner(3n));
    await store.markRedeemed({ digest: winner(2n).digest, txHash: "0xabc" });
    await store.recordFailure({
      digest: winner(3n).digest,
      code: "TicketBrokerInsufficientFunds",
      message: "later",
    });
    await store.markUnredeemable({
      digest: winner(1n).digest,
      code: "TicketBrokerTicketExpired",
      message: "late",
    });
    await store.close();

    const reopened = await FileWinnerStore.open({ file });
    const all = await reopened.list();
    expect(all.map((w) => w.status)).to.deep.equal(["unredeemable", "redeemed", "pending"]);
    expect(all[0]?.ticket).to.deep.equal(big.ticket);
    expect(all[0]?.recipientRand).to.equal(big.recipientRand);
    expect(all[1]?.txHash).to.equal("0xabc");
    expect(all[2]?.lastError?.code).to.equal("TicketBrokerInsufficientFunds");
    expect(await reopened.pendingFaceValue({ sender, recipient: recipientAddress })).to.equal(
      1000n,
    );
    await reopened.close();
  });

  it("cuts only a torn frame at the end, and refuses (untouched) a damaged record or a foreign tail", async () => {
    const file = path.join(dir, "w.log");
    const store = await FileWinnerStore.open({ file });
    await store.add(winner(1n));
    await store.close();
    const whole = await readFile(file);
    // A proper prefix of a frame: header complete, body shorter than its declared length.
    await appendFile(file, 'TBW2 900 0badc0de {"type":"winner","winn');
    const reopened = await FileWinnerStore.open({ file });
    expect(await readFile(file)).to.deep.equal(whole);
    await reopened.add(winner(2n));
    await reopened.close();
    expect((await readFile(file, "utf8")).split("\n").filter((l) => l !== "")).to.have.length(2);
    const third = await FileWinnerStore.open({ file });
    expect(await third.list()).to.have.length(2);
    await third.close();

    // An unterminated line that is not a frame prefix is not provably ours: refused, kept.
    await appendFile(file, '{"type":"winner","winn');
    const before = await readFile(file);
    const foreign = await FileWinnerStore.open({ file }).catch((e: unknown) => e);
    expect(foreign).to.be.instanceOf(WinnerStoreError);
    expect(await readFile(file)).to.deep.equal(before);

    // A whole line whose checksum does not match is damage, not a torn write.
    const good = (await readFile(file, "utf8")).split("\n")[0] ?? "";
    const flipped = good.replace('"type":"winner"', '"type":"winnex"');
    await writeFile(file, `${flipped}\n`);
    const damaged = await FileWinnerStore.open({ file }).catch((e: unknown) => e);
    expect(damaged).to.be.instanceOf(WinnerStoreError);
    expect((damaged as WinnerStoreError).details).to.include({ reason: "bad record checksum" });
    expect(await readFile(file, "utf8")).to.equal(`${flipped}\n`);
  });

  it("refuses a JSON list of tickets (the format the old help described) and leaves it byte for byte", async () => {
    const file = path.join(dir, "winners.json");
    const w = winner(1n);
    const text = JSON.stringify([
      {
        ticket: { ...w.ticket, faceValue: "1000", winProb: "1", senderNonce: "1", expiry: "9" },
        signature: w.signature,
        recipientRand: "124",
      },
    ]);
    await writeFile(file, text); // no trailing newline, exactly as a person writes it
    for (const readOnly of [false, true]) {
      const error = await FileWinnerStore.open({ file, readOnly }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(WinnerStoreFormatError);
      expect((error as WinnerStoreFormatError).details).to.include({ found: "a JSON array" });
      expect((error as WinnerStoreFormatError).details["expected"]).to.contain("TBW2");
      expect(await readFile(file, "utf8")).to.equal(text);
    }
    expect(existsSync(FileWinnerStore.lockFile(file)), "lock released after refusal").to.equal(
      false,
    );
  });

  it("reads a file of the previous version's JSON lines (last line unterminated) and appends framed records after it", async () => {
    const file = path.join(dir, "old.jsonl");
    const w1 = winner(1n);
    const legacy = (w: WinningTicket) =>
      JSON.stringify({
        type: "winner",
        winner: {
          ...w,
          recipientRand: w.recipientRand.toString(),
          paramsDeadline: w.paramsDeadline.toString(),
          ticket: {
            ...w.ticket,
            faceValue: w.ticket.faceValue.toString(),
            winProb: w.ticket.winProb.toString(),
            senderNonce: w.ticket.senderNonce.toString(),
            expiry: w.ticket.expiry.toString(),
          },
        },
      });
    const old = `${legacy(w1)}\n${legacy(winner(2n))}`;
    await writeFile(file, old);
    const view = await FileWinnerStore.open({ file, readOnly: true });
    expect((await view.list()).map((x) => x.ticket.senderNonce)).to.deep.equal([1n, 2n]);
    expect(await readFile(file, "utf8")).to.equal(old);
    const store = await FileWinnerStore.open({ file });
    await store.markRedeemed({ digest: w1.digest, txHash: "0x01" });
    await store.close();
    const text = await readFile(file, "utf8");
    expect(text.startsWith(`${old}\n`), "old bytes kept, line ended").to.equal(true);
    expect(text.slice(old.length + 1)).to.match(/^TBW2 \d+ [0-9a-f]{8} \{"type":"redeemed"/);
    const reopened = await FileWinnerStore.open({ file, readOnly: true });
    expect((await reopened.list()).map((x) => x.status)).to.deep.equal(["redeemed", "pending"]);
  });

  it("read-only: takes no lock, never writes (a torn tail stays), and refuses writes", async () => {
    const file = path.join(dir, "w.log");
    const store = await FileWinnerStore.open({ file });
    await store.add(winner(1n));
    await store.close();
    await appendFile(file, "TBW2 12");
    const before = await readFile(file);
    const writer = await FileWinnerStore.open({ file: path.join(dir, "other.log") });
    const view = await FileWinnerStore.open({ file, readOnly: true });
    expect(existsSync(FileWinnerStore.lockFile(file))).to.equal(false);
    expect(await view.list()).to.have.length(1);
    const refused = await view.add(winner(2n)).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(WinnerStoreReadOnlyError);
    await view.close();
    await writer.close();
    expect(await readFile(file)).to.deep.equal(before);
  });

  it("refuses a second writer while one holds the store, and takes over a dead holder's lock", async () => {
    const file = path.join(dir, "w.log");
    const first = await FileWinnerStore.open({ file });
    const second = await FileWinnerStore.open({ file }).catch((e: unknown) => e);
    expect(second).to.be.instanceOf(WinnerStoreLockedError);
    expect((second as WinnerStoreLockedError).details).to.include({ pid: process.pid });
    // A reader beside the writer is fine.
    await (await FileWinnerStore.open({ file, readOnly: true })).close();
    await first.close();
    expect(existsSync(FileWinnerStore.lockFile(file))).to.equal(false);

    // A live process elsewhere holds it: refused.
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    try {
      await writeFile(
        FileWinnerStore.lockFile(file),
        JSON.stringify({ pid: sleeper.pid, host: hostname(), since: "" }),
      );
      const held = await FileWinnerStore.open({ file }).catch((e: unknown) => e);
      expect(held).to.be.instanceOf(WinnerStoreLockedError);
      expect((held as WinnerStoreLockedError).details).to.include({ pid: sleeper.pid });
    } finally {
      const exited = new Promise((resolve) => sleeper.once("exit", resolve));
      sleeper.kill("SIGKILL");
      await exited;
    }
    // The same lock, now that its process is dead: stale, taken over.
    const taken = await FileWinnerStore.open({ file });
    const lock = JSON.parse(await readFile(FileWinnerStore.lockFile(file), "utf8")) as {
      pid: number;
    };
    expect(lock.pid).to.equal(process.pid);
    await taken.close();
  });

  it("never takes over a fresh unreadable lock (it could be one being written); an old one it does", async function () {
    const file = path.join(dir, "w.log");
    const lock = FileWinnerStore.lockFile(file);
    await writeFile(lock, "");
    const refused = await FileWinnerStore.open({ file }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(WinnerStoreLockedError);
    expect(await readFile(lock, "utf8"), "the lock is left as it was").to.equal("");
    // Eleven seconds old: damaged, not being written; taken over.
    const past = new Date(Date.now() - 11_000);
    await utimes(lock, past, past);
    const taken = await FileWinnerStore.open({ file });
    expect(
      (JSON.parse(await readFile(lock, "utf8")) as { pid: number }).pid,
      "this process holds it now",
    ).to.equal(process.pid);
    await taken.close();
  });

  it("of several processes taking over one stale lock at the same moment, exactly one writes", async function () {
    this.timeout(60_000);
    const file = path.join(dir, "w.log");
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => dead.once("exit", resolve));
    await writeFile(
      FileWinnerStore.lockFile(file),
      JSON.stringify({ pid: dead.pid, host: hostname(), since: "" }),
    );
    const startAt = Date.now() + 6_000;
    const runs = Array.from(
      { length: 5 },
      () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(TSX, [LOCK_WORKER, file, String(startAt), "3000"]);
          let out = "";
          child.stdout.on("data", (d: Buffer) => (out += d.toString()));
          child.once("error", reject);
          child.once("close", () => resolve(out.trim()));
        }),
    );
    const results = await Promise.all(runs);
    expect(
      results.filter((r) => r === "won"),
      results.join(","),
    ).to.have.length(1);
    expect(
      results.filter((r) => r !== "won").every((r) => r === "WinnerStoreLockedError"),
    ).to.equal(true);
  });
});
