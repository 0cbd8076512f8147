import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { Rational } from "../../src/math/rational.js";
import { SessionOverdrawnError } from "../../src/store/errors.js";
import { SqliteStore } from "../../src/store/sqlite/sqliteStore.js";
import { RECIPIENT, SENDER, rejects, winner } from "./fixtures.js";

/**
 * The SQLite store's group commit: the writes of one event-loop turn share one transaction (one
 * sync), and none of them is acknowledged before that transaction has committed.
 */
describe("SQLite store: group commit", function () {
  const root = mkdtempSync(path.join(tmpdir(), "tb-sqlite-group-"));
  let n = 0;
  let stores: SqliteStore[] = [];
  const open = (file: string): SqliteStore => {
    const store = SqliteStore.open({ file });
    stores.push(store);
    return store;
  };

  afterEach(async function () {
    for (const s of stores) await s.close();
    stores = [];
  });
  after(function () {
    rmSync(root, { recursive: true, force: true });
  });

  it("acknowledges a credit only once another connection can read it", async function () {
    const file = path.join(root, `g-${++n}.db`);
    const store = open(file);
    const other = open(file);
    const credit = store.sessions.credit({
      sessionId: "s",
      amount: Rational.of(5n),
      creditId: "c1",
    });
    // Written, not yet committed: no other connection sees it, and the caller has no answer.
    let settled = false;
    void credit.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).to.equal(false);
    expect(await other.sessions.get("s")).to.equal(undefined);
    expect((await credit).applied).to.equal(true);
    expect((await other.sessions.get("s"))?.credited.toString()).to.equal("5");
  });

  it("acknowledges a winner only once another connection can read it", async function () {
    const file = path.join(root, `g-${++n}.db`);
    const store = open(file);
    const other = open(file);
    const w = winner("durable");
    const added = store.winners.add(w);
    expect(await other.winners.get(w.digest)).to.equal(undefined);
    await added;
    expect((await other.winners.get(w.digest))?.digest).to.equal(w.digest);
    expect(await other.winners.pendingFaceValue({ sender: SENDER, recipient: RECIPIENT })).to.equal(
      w.ticket.faceValue,
    );
  });

  it("keeps the other writes of a turn when one of them is refused", async function () {
    const store = open(path.join(root, `g-${++n}.db`));
    const tolerance = Rational.ZERO;
    const [credited, overdrawn, replay] = await Promise.allSettled([
      store.sessions.credit({ sessionId: "a", amount: Rational.of(10n), creditId: "c" }),
      store.sessions.debit({ sessionId: "a", amount: Rational.of(11n), tolerance, debitId: "d" }),
      store.replay.record({
        recipient: RECIPIENT,
        sender: SENDER,
        paramsKey: "p",
        nonce: 3n,
        closesAt: 2_000n,
        maxPerParams: 10,
        now: 1_000n,
      }),
    ]);
    expect(credited.status).to.equal("fulfilled");
    expect(overdrawn.status).to.equal("rejected");
    expect((overdrawn as PromiseRejectedResult).reason).to.be.instanceOf(SessionOverdrawnError);
    expect(replay).to.deep.equal({ status: "fulfilled", value: { outcome: "accepted" } });
    const s = await store.sessions.get("a");
    expect(s?.credited.toString()).to.equal("10");
    expect(s?.debited.toString()).to.equal("0");
    // The refused debit left no id behind: the same debit, once covered, applies.
    await store.sessions.credit({ sessionId: "a", amount: Rational.of(1n), creditId: "c2" });
    const after = await store.sessions.debit({
      sessionId: "a",
      amount: Rational.of(11n),
      tolerance,
      debitId: "d",
    });
    expect(after.balance.toString()).to.equal("0");
  });

  it("decides one nonce once across two connections of one process writing in one turn", async function () {
    const file = path.join(root, `g-${++n}.db`);
    const a = open(file);
    const b = open(file);
    const record = (s: SqliteStore) =>
      s.replay.record({
        recipient: RECIPIENT,
        sender: SENDER,
        paramsKey: "p",
        nonce: 9n,
        closesAt: 2_000n,
        maxPerParams: 10,
        now: 1_000n,
      });
    const outcomes = await Promise.all([record(a), record(b), record(a), record(b)]);
    expect(outcomes.map((o) => o.outcome).sort()).to.deep.equal([
      "accepted",
      "reused",
      "reused",
      "reused",
    ]);
  });

  it("commits the writes of the open turn when closed, then refuses reads", async function () {
    const store = open(path.join(root, `g-${++n}.db`));
    const pending = store.sessions.credit({
      sessionId: "x",
      amount: Rational.of(1n),
      creditId: "c",
    });
    await store.close();
    // Closing commits the open group first: the write made before close is durable.
    expect((await pending).applied).to.equal(true);
    const reopened = open(store.file);
    expect((await reopened.sessions.get("x"))?.credited.toString()).to.equal("1");
    expect(await rejects(store.sessions.get("x"))).to.be.instanceOf(Error);
  });
});
