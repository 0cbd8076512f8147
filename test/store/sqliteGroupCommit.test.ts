import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { Rational } from "../../src/math/rational.js";
import { SessionOverdrawnError } from "../../src/store/errors.js";
import { StoreUnavailableError } from "../../src/store/errors.js";
import { SqliteDatabase, type FileSyncer } from "../../src/store/sqlite/sqliteDatabase.js";
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

  /** A syncer whose syncs wait until the test releases (or fails) them. */
  function heldSyncer(): FileSyncer & {
    started: number;
    blocking: number;
    release(): void;
    fail(error: Error): void;
  } {
    let pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
    const syncer = {
      started: 0,
      blocking: 0,
      sync(): Promise<void> {
        syncer.started++;
        return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
      },
      syncNow(): void {
        syncer.blocking++;
      },
      close: () => Promise.resolve(),
      release(): void {
        const now = pending;
        pending = [];
        for (const p of now) p.resolve();
      },
      fail(error: Error): void {
        const now = pending;
        pending = [];
        for (const p of now) p.reject(error);
      },
    };
    return syncer;
  }

  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

  function database(syncer: FileSyncer): SqliteDatabase {
    const db = new SqliteDatabase(path.join(root, `s-${++n}.db`), { syncer });
    db.db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    return db;
  }

  it("syncs a lone write at once, on the event loop, before it settles", async function () {
    const syncer = heldSyncer();
    const db = database(syncer);
    try {
      await db.write(() => db.stmt("INSERT INTO t (v) VALUES ('a')").run());
      expect(syncer.blocking).to.equal(1);
      expect(syncer.started).to.equal(0);
    } finally {
      db.close();
    }
  });

  it("settles writes only after the WAL sync that follows their commit", async function () {
    const syncer = heldSyncer();
    const db = database(syncer);
    try {
      let settled = false;
      // Two operations in the turn: their sync runs on the thread pool (held here).
      const written = db
        .write(() => db.stmt("INSERT INTO t (v) VALUES ('a')").run())
        .then(() => (settled = true));
      const other = db.write(() => db.stmt("INSERT INTO t (v) VALUES ('b')").run());
      await turn();
      await turn();
      // Committed (another connection would see it) but not yet on disk: no answer yet.
      expect(db.db.isTransaction).to.equal(false);
      expect(syncer.started).to.equal(1);
      expect(settled).to.equal(false);
      // A read that saw the unsynced row waits for the same sync.
      let readSettled = false;
      const read = db
        .read(() => db.stmt("SELECT count(*) AS c FROM t").get())
        .then((r) => {
          readSettled = true;
          return r;
        });
      await turn();
      expect(readSettled).to.equal(false);
      syncer.release();
      await Promise.all([written, other]);
      expect(settled).to.equal(true);
      expect(syncer.blocking).to.equal(0);
      expect(await read).to.deep.equal({ c: 2 });
    } finally {
      db.close();
    }
  });

  it("runs one sync at a time: the commits made during a sync share the next one", async function () {
    const syncer = heldSyncer();
    const db = database(syncer);
    try {
      const first = Promise.all([
        db.write(() => db.stmt("INSERT INTO t (v) VALUES ('1')").run()),
        db.write(() => db.stmt("INSERT INTO t (v) VALUES ('2')").run()),
      ]);
      await turn();
      expect(syncer.started).to.equal(1);
      // Three more commits, in three turns, while the first sync runs.
      const later: Promise<unknown>[] = [];
      for (let i = 0; i < 3; i++) {
        later.push(db.write(() => db.stmt("INSERT INTO t (v) VALUES ('x')").run()));
        await turn();
      }
      expect(syncer.started).to.equal(1);
      syncer.release();
      await first;
      await turn();
      // One sync for the three: none of them settled before it finished.
      expect(syncer.started).to.equal(2);
      let settled = 0;
      for (const p of later) void p.then(() => settled++);
      await turn();
      expect(settled).to.equal(0);
      syncer.release();
      await Promise.all(later);
      expect(settled).to.equal(3);
    } finally {
      db.close();
    }
  });

  it("refuses the unsynced writes and every later operation once a sync fails", async function () {
    const syncer = heldSyncer();
    const db = database(syncer);
    try {
      const written = db.write(() => db.stmt("INSERT INTO t (v) VALUES ('a')").run());
      const second = db.write(() => db.stmt("INSERT INTO t (v) VALUES ('c')").run());
      await turn();
      syncer.fail(new Error("EIO: i/o error, fdatasync"));
      const err = await rejects(written);
      expect(await rejects(second)).to.equal(err);
      expect(err).to.be.instanceOf(StoreUnavailableError);
      expect((err as StoreUnavailableError).hint).to.match(/restart/i);
      expect(await rejects(db.write(() => 1))).to.equal(err);
      expect(await rejects(db.read(() => 1))).to.equal(err);
      expect(() => db.tx(() => 1)).to.throw(StoreUnavailableError);
    } finally {
      db.close();
    }
  });

  it("syncs before it returns from a transaction (tx) and when it closes", function () {
    const syncer = heldSyncer();
    const db = database(syncer);
    db.tx(() => db.stmt("INSERT INTO t (v) VALUES ('a')").run());
    expect(syncer.blocking).to.equal(1);
    void db.write(() => db.stmt("INSERT INTO t (v) VALUES ('b')").run());
    db.close();
    expect(syncer.blocking).to.equal(2);
  });

  it("with the real syncer, a write settles once its commit is in the WAL file", async function () {
    const file = path.join(root, `real-${++n}.db`);
    const db = new SqliteDatabase(file);
    db.db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    const before = statSync(`${file}-wal`).size;
    await db.write(() => db.stmt("INSERT INTO t (v) VALUES ('kept')").run());
    // Not checkpointed into the database file: the WAL holds the commit a new connection reads.
    expect(statSync(`${file}-wal`).size).to.be.greaterThan(before);
    const reader = new SqliteDatabase(file);
    try {
      expect(reader.stmt("SELECT v FROM t").all()).to.deep.equal([{ v: "kept" }]);
    } finally {
      reader.close();
      db.close();
    }
  });
});
