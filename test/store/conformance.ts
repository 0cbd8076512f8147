/**
 * The behaviour every {@link Store} backend shares. Each backend's test file calls
 * {@link describeStoreConformance} with a way to open a fresh store (and, for the shared
 * backends, a second handle on the same database, as another process would have).
 */
import { expect } from "chai";

import { Rational } from "../../src/math/rational.js";
import { WinnerStoreError } from "../../src/recipient/errors.js";
import { NonceStoreError } from "../../src/sender/errors.js";
import { MAX_SENDER_NONCE } from "../../src/sender/nonceStore.js";
import {
  IdempotencyConflictError,
  InvalidStoreArgumentError,
  SessionOverdrawnError,
  SpendLimitReachedError,
  WinnerStateTransitionError,
} from "../../src/store/errors.js";
import type { PaymentRecord, Store } from "../../src/store/types.js";
import { RECIPIENT, RECIPIENT_B, rejects, SENDER, SENDER_B, winner } from "./fixtures.js";

/** How a test file opens its backend. */
export interface Backend {
  readonly kind: Store["kind"];
  /** A fresh, empty store, and a function that opens another handle on the same data. */
  fresh(options?: { blockSize?: bigint }): Promise<{ store: Store; another(): Promise<Store> }>;
  /** Whether `another()` shares all data (false for memory: only the lock scope is shared). */
  readonly shared: boolean;
}

function payment(over: Partial<PaymentRecord> = {}): PaymentRecord {
  return {
    idempotencyKey: "key-1",
    clientId: "client-a",
    requestHash: "hash-1",
    sender: SENDER,
    recipient: RECIPIENT,
    sessionId: "session-1",
    evWei: 1000n,
    response: { tickets: ["t1", "t2"], note: "first" },
    createdAt: 1_000n,
    ...over,
  };
}

const R = (n: bigint, d = 1n): Rational => Rational.of(n, d);

export function describeStoreConformance(backend: Backend): void {
  describe(`store conformance: ${backend.kind}`, function () {
    this.timeout(60_000);
    let store: Store;
    let another: () => Promise<Store>;
    const opened: Store[] = [];

    async function open(options?: { blockSize?: bigint }): Promise<void> {
      const f = await backend.fresh(options);
      store = f.store;
      another = async () => {
        const s = await f.another();
        opened.push(s);
        return s;
      };
      opened.push(store);
    }

    beforeEach(async function () {
      await open();
    });

    afterEach(async function () {
      for (const s of opened.splice(0)) await s.close();
    });

    it("reports its kind and answers ping", async function () {
      expect(store.kind).to.equal(backend.kind);
      await store.ping();
    });

    describe("nonces", function () {
      it("hands out blocks from 1 upwards, per pair", async function () {
        await open({ blockSize: 10n });
        expect(await store.nonces.reserve({ sender: SENDER, recipient: RECIPIENT })).to.deep.equal({
          first: 1n,
          last: 10n,
        });
        expect(await store.nonces.reserve({ sender: SENDER, recipient: RECIPIENT })).to.deep.equal({
          first: 11n,
          last: 20n,
        });
        expect(
          await store.nonces.reserve({ sender: SENDER, recipient: RECIPIENT_B }),
        ).to.deep.equal({ first: 1n, last: 10n });
      });

      it("starts just above `above`, and ignores an `above` below what it handed out", async function () {
        await open({ blockSize: 10n });
        expect(
          await store.nonces.reserve({ sender: SENDER, recipient: RECIPIENT, above: 100n }),
        ).to.deep.equal({ first: 101n, last: 110n });
        expect(
          await store.nonces.reserve({ sender: SENDER, recipient: RECIPIENT, above: 105n }),
        ).to.deep.equal({ first: 111n, last: 120n });
        expect(
          await store.nonces.reserve({ sender: SENDER, recipient: RECIPIENT, above: 120n }),
        ).to.deep.equal({ first: 121n, last: 130n });
      });

      it("treats addresses case-insensitively", async function () {
        await open({ blockSize: 5n });
        await store.nonces.reserve({ sender: SENDER, recipient: RECIPIENT });
        const upper = `0x${RECIPIENT.slice(2).toUpperCase()}` as `0x${string}`;
        expect((await store.nonces.reserve({ sender: SENDER, recipient: upper })).first).to.equal(
          6n,
        );
      });

      it("refuses blocks past 2^96 - 1 and serves the last block below it", async function () {
        await open({ blockSize: 10n });
        expect(
          await store.nonces.reserve({
            sender: SENDER,
            recipient: RECIPIENT,
            above: MAX_SENDER_NONCE - 10n,
          }),
        ).to.deep.equal({ first: MAX_SENDER_NONCE - 9n, last: MAX_SENDER_NONCE });
        const err = await rejects(store.nonces.reserve({ sender: SENDER, recipient: RECIPIENT }));
        expect(err).to.be.instanceOf(NonceStoreError);
      });

      it("gives concurrent reservations disjoint blocks", async function () {
        await open({ blockSize: 3n });
        const handles = backend.shared ? [store, await another(), await another()] : [store];
        const ranges = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            (handles[i % handles.length] as Store).nonces.reserve({
              sender: SENDER,
              recipient: RECIPIENT,
            }),
          ),
        );
        const nonces = ranges.flatMap((r) => [r.first, r.first + 1n, r.last]);
        expect(new Set(nonces).size).to.equal(90);
        expect(nonces.every((n) => n >= 1n && n <= 90n)).to.equal(true);
      });
    });

    describe("payment ledger", function () {
      it("records a new key, replays the same body, refuses another body", async function () {
        const first = await store.ledger.record(payment());
        expect(first.replayed).to.equal(false);
        expect(first.record).to.deep.equal(payment());
        const again = await store.ledger.record(payment({ response: { other: true } }));
        expect(again.replayed).to.equal(true);
        expect(again.record.response).to.deep.equal(payment().response);
        const err = await rejects(store.ledger.record(payment({ requestHash: "hash-2" })));
        expect(err).to.be.instanceOf(IdempotencyConflictError);
        expect((await store.ledger.get("key-1", "client-a"))?.requestHash).to.equal("hash-1");
      });

      it("keeps keys per client", async function () {
        await store.ledger.record(payment());
        const other = await store.ledger.record(
          payment({ clientId: "client-b", requestHash: "hash-9" }),
        );
        expect(other.replayed).to.equal(false);
        expect(await store.ledger.get("key-1", "client-c")).to.equal(undefined);
      });

      it("sums spend from `since` inclusive, exactly beyond 64 bits", async function () {
        const big = (1n << 70n) + 3n;
        await store.ledger.record(payment({ idempotencyKey: "a", createdAt: 999n, evWei: 5n }));
        await store.ledger.record(payment({ idempotencyKey: "b", createdAt: 1000n, evWei: big }));
        await store.ledger.record(payment({ idempotencyKey: "c", createdAt: 1001n, evWei: 7n }));
        await store.ledger.record(
          payment({ idempotencyKey: "d", clientId: "other", createdAt: 1001n, evWei: 100n }),
        );
        expect(await store.ledger.spentSince("client-a", 1000n)).to.equal(big + 7n);
        expect(await store.ledger.spentSince("client-a", 1001n)).to.equal(7n);
        expect(await store.ledger.spentSince("client-a", 1002n)).to.equal(0n);
        expect(await store.ledger.spentSince("client-a", 0n)).to.equal(big + 12n);
      });

      it("records under a spend limit up to the limit exactly, and nothing one wei past it", async function () {
        const spendLimit = { limitWei: 100n, since: 1_000n };
        const at = (key: string, evWei: bigint, createdAt = 1_000n) =>
          payment({ idempotencyKey: key, requestHash: `h-${key}`, evWei, createdAt });
        // Before the window: not counted.
        await store.ledger.record(at("old", 1_000n, 999n));
        expect((await store.ledger.record(at("a", 60n), { spendLimit })).replayed).to.equal(false);
        expect((await store.ledger.record(at("b", 40n), { spendLimit })).replayed).to.equal(false);
        const err = await rejects(store.ledger.record(at("c", 1n), { spendLimit }));
        expect(err).to.be.instanceOf(SpendLimitReachedError);
        expect((err as SpendLimitReachedError).details).to.include({
          spentWei: 100n,
          evWei: 1n,
          limitWei: 100n,
        });
        expect(await store.ledger.get("c", "client-a")).to.equal(undefined);
        expect(await store.ledger.spentSince("client-a", 1_000n)).to.equal(100n);
        // A retry of a recorded payment is answered whatever the limit; a zero-EV one passes.
        expect((await store.ledger.record(at("a", 60n), { spendLimit })).replayed).to.equal(true);
        expect((await store.ledger.record(at("z", 0n), { spendLimit })).replayed).to.equal(false);
        // Another client has its own window; a later window lets the first client spend again.
        const other = payment({ clientId: "client-b", idempotencyKey: "c", evWei: 100n });
        expect((await store.ledger.record(other, { spendLimit })).replayed).to.equal(false);
        const later = { limitWei: 100n, since: 1_001n };
        expect(
          (await store.ledger.record(at("d", 100n, 1_001n), { spendLimit: later })).replayed,
        ).to.equal(false);
      });

      it("lets concurrent records under a spend limit pass only up to the limit", async function () {
        const handles = backend.shared ? [store, await another(), await another()] : [store];
        const spendLimit = { limitWei: 100n, since: 0n };
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) =>
            (handles[i % handles.length] as Store).ledger.record(
              payment({ idempotencyKey: `k-${i}`, requestHash: `h-${i}`, evWei: 30n }),
              { spendLimit },
            ),
          ),
        );
        expect(results.filter((r) => r.status === "fulfilled")).to.have.length(3);
        for (const r of results) {
          if (r.status === "rejected") expect(r.reason).to.be.instanceOf(SpendLimitReachedError);
        }
        expect(await store.ledger.spentSince("client-a", 0n)).to.equal(90n);
      });

      it("lets exactly one of many concurrent equal requests insert", async function () {
        const handles = backend.shared ? [store, await another()] : [store];
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            (handles[i % handles.length] as Store).ledger.record(payment()),
          ),
        );
        expect(results.filter((r) => !r.replayed)).to.have.length(1);
        expect(await store.ledger.spentSince("client-a", 0n)).to.equal(1000n);
      });
    });

    describe("replay", function () {
      const base = {
        recipient: RECIPIENT,
        sender: SENDER,
        paramsKey: "params-1",
        closesAt: 1_000n,
        maxPerParams: 3,
        now: 500n,
      };

      it("is durable unless in memory", function () {
        expect(store.replay.durable).to.equal(backend.kind !== "memory");
      });

      it("accepts a nonce once, per sender across params", async function () {
        expect(await store.replay.record({ ...base, nonce: 5n })).to.deep.equal({
          outcome: "accepted",
        });
        expect(await store.replay.record({ ...base, nonce: 5n })).to.deep.equal({
          outcome: "reused",
        });
        expect(
          await store.replay.record({ ...base, paramsKey: "params-2", nonce: 5n }),
        ).to.deep.equal({ outcome: "reused" });
        expect(await store.replay.record({ ...base, sender: SENDER_B, nonce: 5n })).to.deep.equal({
          outcome: "accepted",
        });
      });

      it("holds at most maxPerParams nonces per params; forget frees a place", async function () {
        for (const n of [1n, 2n, 3n]) {
          expect((await store.replay.record({ ...base, nonce: n })).outcome).to.equal("accepted");
        }
        expect((await store.replay.record({ ...base, nonce: 4n })).outcome).to.equal("limit");
        expect(
          (await store.replay.record({ ...base, paramsKey: "params-2", nonce: 4n })).outcome,
        ).to.equal("accepted");
        await store.replay.forget({ ...base, nonce: 2n });
        await store.replay.forget({ ...base, nonce: 99n });
        expect((await store.replay.record({ ...base, nonce: 2n })).outcome).to.equal("accepted");
        expect((await store.replay.record({ ...base, nonce: 5n })).outcome).to.equal("limit");
      });

      it("folds params into the floor once closesAt < now, not at closesAt", async function () {
        await store.replay.record({ ...base, nonce: 7n });
        await store.replay.record({ ...base, nonce: 3n });
        expect(
          await store.replay.floor({ recipient: RECIPIENT, sender: SENDER, now: 1_000n }),
        ).to.equal(0n);
        expect(
          await store.replay.floor({ recipient: RECIPIENT, sender: SENDER, now: 1_001n }),
        ).to.equal(7n);
        expect(
          await store.replay.record({
            ...base,
            paramsKey: "p3",
            nonce: 7n,
            now: 1_001n,
            closesAt: 2_000n,
          }),
        ).to.deep.equal({
          outcome: "belowFloor",
          floor: 7n,
        });
        expect(
          (
            await store.replay.record({
              ...base,
              paramsKey: "p3",
              nonce: 8n,
              now: 1_001n,
              closesAt: 2_000n,
            })
          ).outcome,
        ).to.equal("accepted");
        expect(
          await store.replay.floor({ recipient: RECIPIENT, sender: SENDER_B, now: 1_001n }),
        ).to.equal(0n);
      });

      it("raises the floor only upwards", async function () {
        const pair = { recipient: RECIPIENT, sender: SENDER };
        await store.replay.raiseFloor({ ...pair, floor: 50n });
        await store.replay.raiseFloor({ ...pair, floor: 40n });
        expect(await store.replay.floor({ ...pair, now: 0n })).to.equal(50n);
        expect(await store.replay.record({ ...base, nonce: 50n })).to.deep.equal({
          outcome: "belowFloor",
          floor: 50n,
        });
        expect((await store.replay.record({ ...base, nonce: 51n })).outcome).to.equal("accepted");
      });

      it("prunes closed params, counting their nonces and keeping their maximum", async function () {
        await store.replay.record({ ...base, nonce: 10n });
        await store.replay.record({ ...base, nonce: 12n });
        await store.replay.record({ ...base, paramsKey: "late", closesAt: 5_000n, nonce: 20n });
        expect(await store.replay.prune(1_000n)).to.equal(0);
        expect(await store.replay.prune(1_001n)).to.equal(2);
        expect(
          await store.replay.floor({ recipient: RECIPIENT, sender: SENDER, now: 1_001n }),
        ).to.equal(12n);
        expect(
          (
            await store.replay.record({
              ...base,
              nonce: 21n,
              now: 1_001n,
              closesAt: 5_000n,
              paramsKey: "late",
            })
          ).outcome,
        ).to.equal("accepted");
        expect(
          await store.replay.record({
            ...base,
            nonce: 20n,
            now: 1_001n,
            closesAt: 5_000n,
            paramsKey: "late",
          }),
        ).to.deep.equal({ outcome: "reused" });
      });

      it("decides concurrent records of one nonce once", async function () {
        const handles = backend.shared ? [store, await another()] : [store];
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (handles[i % handles.length] as Store).replay.record({ ...base, nonce: 77n }),
          ),
        );
        expect(results.filter((r) => r.outcome === "accepted")).to.have.length(1);
        expect(results.filter((r) => r.outcome === "reused")).to.have.length(9);
      });
    });

    describe("sessions", function () {
      it("credits once per creditId, exactly", async function () {
        const third = R(1n, 3n);
        expect(
          await store.sessions.credit({ sessionId: "s", amount: third, creditId: "a" }),
        ).to.deep.include({
          applied: true,
        });
        const again = await store.sessions.credit({ sessionId: "s", amount: third, creditId: "a" });
        expect(again.applied).to.equal(false);
        expect(again.balance.equals(third)).to.equal(true);
        await store.sessions.credit({ sessionId: "s", amount: third, creditId: "b" });
        const last = await store.sessions.credit({ sessionId: "s", amount: third, creditId: "c" });
        expect(last.balance.equals(1n)).to.equal(true);
        const got = await store.sessions.get("s");
        expect(got?.credited.equals(1n)).to.equal(true);
        expect(got?.debited.isZero()).to.equal(true);
        expect(await store.sessions.get("nope")).to.equal(undefined);
      });

      it("returns the session's totals after a credit, applied or not", async function () {
        await store.sessions.credit({ sessionId: "t", amount: R(7n), creditId: "a" });
        await store.sessions.debit({ sessionId: "t", amount: R(2n), tolerance: R(0n) });
        const next = await store.sessions.credit({
          sessionId: "t",
          amount: R(1n, 2n),
          creditId: "b",
        });
        expect(next.applied).to.equal(true);
        expect(next.credited.equals(R(15n, 2n))).to.equal(true);
        expect(next.debited.equals(2n)).to.equal(true);
        expect(next.balance.equals(R(11n, 2n))).to.equal(true);
        const again = await store.sessions.credit({
          sessionId: "t",
          amount: R(1n, 2n),
          creditId: "b",
        });
        expect(again.applied).to.equal(false);
        expect(again.credited.equals(R(15n, 2n))).to.equal(true);
        expect(again.debited.equals(2n)).to.equal(true);
        // The same totals a read gives.
        const got = await store.sessions.get("t");
        expect(got?.credited.equals(next.credited)).to.equal(true);
        expect(got?.balance.equals(next.balance)).to.equal(true);
      });

      it("debits down to exactly -tolerance and refuses one wei-fraction more", async function () {
        await store.sessions.credit({ sessionId: "s", amount: R(10n), creditId: "c" });
        const tol = R(1n, 2n);
        const err = await rejects(
          store.sessions.debit({
            sessionId: "s",
            amount: R(21n, 2n).add(R(1n, 1000n)),
            tolerance: tol,
          }),
        );
        expect(err).to.be.instanceOf(SessionOverdrawnError);
        expect((await store.sessions.get("s"))?.balance.equals(10n)).to.equal(true);
        const ok = await store.sessions.debit({
          sessionId: "s",
          amount: R(21n, 2n),
          tolerance: tol,
        });
        expect(ok.balance.equals(R(-1n, 2n))).to.equal(true);
        const got = await store.sessions.get("s");
        expect(got?.debited.equals(R(21n, 2n))).to.equal(true);
        expect(got?.credited.equals(10n)).to.equal(true);
      });

      it("applies a debitId once and leaves an unknown session unknown after a refused debit", async function () {
        await store.sessions.credit({ sessionId: "s", amount: R(5n), creditId: "c" });
        await store.sessions.debit({
          sessionId: "s",
          amount: R(2n),
          tolerance: R(0n),
          debitId: "d",
        });
        const again = await store.sessions.debit({
          sessionId: "s",
          amount: R(2n),
          tolerance: R(0n),
          debitId: "d",
        });
        expect(again.balance.equals(3n)).to.equal(true);
        const err = await rejects(
          store.sessions.debit({ sessionId: "fresh", amount: R(1n), tolerance: R(0n) }),
        );
        expect(err).to.be.instanceOf(SessionOverdrawnError);
        expect(await store.sessions.get("fresh")).to.equal(undefined);
      });

      it("refuses negative amounts", async function () {
        const err = await rejects(
          store.sessions.credit({ sessionId: "s", amount: R(-1n), creditId: "x" }),
        );
        expect(err).to.be.instanceOf(InvalidStoreArgumentError);
      });

      it("keeps the first close reason", async function () {
        await store.sessions.credit({ sessionId: "s", amount: R(1n), creditId: "c" });
        await store.sessions.close({ sessionId: "s", reason: "credit exhausted" });
        await store.sessions.close({ sessionId: "s", reason: "later" });
        const got = await store.sessions.get("s");
        expect(got?.closedReason).to.equal("credit exhausted");
        expect(got?.balance.equals(1n)).to.equal(true);
      });

      it("applies one of many concurrent credits with the same id", async function () {
        const handles = backend.shared ? [store, await another()] : [store];
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (handles[i % handles.length] as Store).sessions.credit({
              sessionId: "s",
              amount: R(3n),
              creditId: "same",
            }),
          ),
        );
        expect(results.filter((r) => r.applied)).to.have.length(1);
        expect((await store.sessions.get("s"))?.balance.equals(3n)).to.equal(true);
      });
    });

    describe("winners", function () {
      const w1 = winner("w1", { faceValue: 100n });
      const w2 = winner("w2", { faceValue: (1n << 100n) + 1n, nonce: 2n });
      const w3 = winner("w3", { faceValue: 7n, sender: SENDER_B });
      const submission = {
        txHash: `0x${"cd".repeat(32)}` as `0x${string}`,
        accountNonce: 12,
        maxFeePerGas: 3_000_000_000n,
        maxPriorityFeePerGas: 1_000_000n,
        block: 123_456n,
      };

      beforeEach(async function () {
        for (const w of [w1, w2, w3, w1]) await store.winners.add(w);
      });

      it("stores each digest once, intact, in insertion order", async function () {
        const all = await store.winners.list();
        expect(all.map((w) => w.digest)).to.deep.equal([w1.digest, w2.digest, w3.digest]);
        expect(all[1]).to.deep.equal({ ...w2, status: "pending", state: "pending" });
        expect(await store.winners.get(w3.digest)).to.deep.equal({
          ...w3,
          status: "pending",
          state: "pending",
        });
        expect((await store.winners.list({ sender: SENDER_B })).map((w) => w.digest)).to.deep.equal(
          [w3.digest],
        );
      });

      it("moves pending → submitted → pending → submitted → redeemed with its data", async function () {
        await store.winners.markSubmitted({ digests: [w1.digest, w2.digest], ...submission });
        const submitted = await store.winners.listSubmitted();
        expect(submitted.map((w) => w.digest)).to.deep.equal([w1.digest, w2.digest]);
        expect(submitted[0]?.submission).to.deep.equal(submission);
        expect(submitted[0]?.status).to.equal("pending");
        expect((await store.winners.list({ state: "pending" })).map((w) => w.digest)).to.deep.equal(
          [w3.digest],
        );
        expect(await store.winners.list({ status: "pending" })).to.have.length(3);
        await store.winners.markPendingAgain({ digests: [w2.digest], reason: "dropped" });
        const back = await store.winners.get(w2.digest);
        expect(back?.state).to.equal("pending");
        expect(back?.submission).to.equal(undefined);
        expect(back?.lastError).to.deep.equal({ code: "PendingAgain", message: "dropped" });
        const replacement = {
          ...submission,
          maxFeePerGas: 6_000_000_000n,
          txHash: `0x${"ef".repeat(32)}` as `0x${string}`,
        };
        await store.winners.markSubmitted({ digests: [w1.digest], ...replacement });
        expect((await store.winners.get(w1.digest))?.submission).to.deep.equal(replacement);
        await store.winners.markRedeemed({ digest: w1.digest, txHash: replacement.txHash });
        await store.winners.markRedeemed({ digest: w1.digest, txHash: replacement.txHash });
        const paid = await store.winners.get(w1.digest);
        expect(paid?.state).to.equal("redeemed");
        expect(paid?.status).to.equal("redeemed");
        expect(paid?.txHash).to.equal(replacement.txHash);
      });

      it("refuses illegal moves with a typed error and changes nothing", async function () {
        expect(
          await rejects(store.winners.markPendingAgain({ digests: [w1.digest], reason: "x" })),
        ).to.be.instanceOf(WinnerStateTransitionError);
        await store.winners.markRedeemed({ digest: w2.digest, txHash: "0xaa" });
        expect(
          await rejects(
            store.winners.markSubmitted({ digests: [w1.digest, w2.digest], ...submission }),
          ),
        ).to.be.instanceOf(WinnerStateTransitionError);
        expect((await store.winners.get(w1.digest))?.state).to.equal("pending");
        expect(
          await rejects(store.winners.markRedeemed({ digest: w2.digest, txHash: "0xbb" })),
        ).to.be.instanceOf(WinnerStateTransitionError);
        expect(
          await rejects(
            store.winners.markUnredeemable({ digest: w2.digest, code: "X", message: "y" }),
          ),
        ).to.be.instanceOf(WinnerStateTransitionError);
        expect(
          await rejects(
            store.winners.recordFailure({ digest: w2.digest, code: "X", message: "y" }),
          ),
        ).to.be.instanceOf(WinnerStateTransitionError);
        await store.winners.markUnredeemable({
          digest: w3.digest,
          code: "Expired",
          message: "late",
        });
        expect(
          await rejects(store.winners.markSubmitted({ digests: [w3.digest], ...submission })),
        ).to.be.instanceOf(WinnerStateTransitionError);
        expect(
          await rejects(
            store.winners.markSubmitted({ digests: [`0x${"00".repeat(32)}`], ...submission }),
          ),
        ).to.be.instanceOf(WinnerStoreError);
        // The chain's word wins: a winner marked unredeemable that was paid after all.
        await store.winners.markRedeemed({ digest: w3.digest, txHash: "0xcc" });
        expect((await store.winners.get(w3.digest))?.state).to.equal("redeemed");
      });

      it("records failures without moving the winner", async function () {
        await store.winners.recordFailure({ digest: w1.digest, code: "Timeout", message: "rpc" });
        const w = await store.winners.get(w1.digest);
        expect(w?.state).to.equal("pending");
        expect(w?.lastError).to.deep.equal({ code: "Timeout", message: "rpc" });
      });

      it("sums unpaid face values per pair and pending ones overall", async function () {
        const pair = { sender: SENDER, recipient: RECIPIENT };
        expect(await store.winners.pendingFaceValue(pair)).to.equal(100n + (1n << 100n) + 1n);
        expect(await store.winners.pendingSummary()).to.deep.equal({
          count: 3,
          faceValue: 107n + (1n << 100n) + 1n,
        });
        await store.winners.markSubmitted({ digests: [w2.digest], ...submission });
        expect(await store.winners.pendingFaceValue(pair)).to.equal(100n + (1n << 100n) + 1n);
        expect(await store.winners.pendingSummary()).to.deep.equal({ count: 2, faceValue: 107n });
        await store.winners.markRedeemed({ digest: w2.digest, txHash: "0x01" });
        await store.winners.markUnredeemable({ digest: w3.digest, code: "E", message: "m" });
        expect(await store.winners.pendingFaceValue(pair)).to.equal(100n);
        expect(
          await store.winners.pendingFaceValue({ sender: SENDER_B, recipient: RECIPIENT }),
        ).to.equal(0n);
        expect(await store.winners.pendingSummary()).to.deep.equal({ count: 1, faceValue: 100n });
      });
    });

    describe("leader lock", function () {
      it("is held by one store at a time", async function () {
        const other = await another();
        expect(await store.locks.tryAcquire("redeemer")).to.equal(true);
        expect(await store.locks.tryAcquire("redeemer")).to.equal(true);
        expect(await other.locks.tryAcquire("redeemer")).to.equal(false);
        expect(await other.locks.tryAcquire("other-name")).to.equal(true);
        await other.locks.release("redeemer");
        expect(await other.locks.tryAcquire("redeemer")).to.equal(false);
        await store.locks.release("redeemer");
        expect(await other.locks.tryAcquire("redeemer")).to.equal(true);
        expect(await store.locks.tryAcquire("redeemer")).to.equal(false);
      });

      it("is released when its holder closes", async function () {
        const other = await another();
        expect(await store.locks.tryAcquire("redeemer")).to.equal(true);
        await store.close();
        expect(await other.locks.tryAcquire("redeemer")).to.equal(true);
      });
    });
  });
}
