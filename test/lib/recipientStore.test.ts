import { expect } from "chai";
import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import {
  TicketBrokerInsufficientFunds,
  TicketBrokerTicketExpired,
} from "../../src/contractErrors.js";
import type { TicketBrokerError } from "../../src/errors.js";
import { WinnerStoreError } from "../../src/recipient/errors.js";
import { FileWinnerStore } from "../../src/recipient/fileWinnerStore.js";
import {
  Redeemer,
  type RedemptionClient,
  type RedemptionSubmission,
} from "../../src/recipient/redeemer.js";
import { MemoryWinnerStore, type WinningTicket } from "../../src/recipient/winnerStore.js";
import { FakeReader, recipientAddress, senderSigner, storeTestWinner } from "./flowFixtures.js";

const sender = senderSigner.address;

const winner = storeTestWinner;
const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), "winnerStoreWorker.ts");
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

  it("cuts a torn last line and refuses a corrupt line in the middle", async () => {
    const file = path.join(dir, "w.jsonl");
    const store = await FileWinnerStore.open({ file });
    await store.add(winner(1n));
    await store.close();
    await appendFile(file, '{"type":"winner","winn');
    const reopened = await FileWinnerStore.open({ file });
    await reopened.add(winner(2n));
    await reopened.close();
    expect((await readFile(file, "utf8")).split("\n").filter((l) => l !== "")).to.have.length(2);
    const third = await FileWinnerStore.open({ file });
    expect(await third.list()).to.have.length(2);
    await third.close();

    await appendFile(file, "not json\n");
    let thrown: unknown;
    await FileWinnerStore.open({ file }).catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(WinnerStoreError);
  });
});
