import { expect } from "chai";

import { MemoryReplayStore } from "../../src/recipient/replayStore.js";

const recipient = "0x1111111111111111111111111111111111111111" as const;
const other = "0x2222222222222222222222222222222222222222" as const;
const sender = "0xAaAaaAaaaAaaAaaaaAAaaAaAaaAAaaAaaaAAaaaa" as const;
const sender2 = "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB" as const;

function rec(
  store: MemoryReplayStore,
  nonce: bigint,
  o: {
    paramsKey?: string;
    closesAt?: bigint;
    now?: bigint;
    max?: number;
    sender?: `0x${string}`;
    recipient?: `0x${string}`;
  } = {},
) {
  return store.record({
    recipient: o.recipient ?? recipient,
    sender: o.sender ?? sender,
    paramsKey: o.paramsKey ?? "p1",
    nonce,
    closesAt: o.closesAt ?? 1_000n,
    maxPerParams: o.max ?? 3,
    now: o.now ?? 500n,
  });
}

describe("MemoryReplayStore", () => {
  it("accepts a nonce once per (recipient, sender), across params, and not for another pair", async () => {
    const store = new MemoryReplayStore();
    expect(store.durable).to.equal(false);
    expect(await rec(store, 5n)).to.deep.equal({ outcome: "accepted" });
    expect(await rec(store, 5n)).to.deep.equal({ outcome: "reused" });
    expect(await rec(store, 5n, { paramsKey: "p2" })).to.deep.equal({ outcome: "reused" });
    // Addresses compare case-insensitively.
    expect(await rec(store, 5n, { sender: sender.toLowerCase() as `0x${string}` })).to.deep.equal({
      outcome: "reused",
    });
    expect(await rec(store, 5n, { sender: sender2 })).to.deep.equal({ outcome: "accepted" });
    expect(await rec(store, 5n, { recipient: other })).to.deep.equal({ outcome: "accepted" });
  });

  it("refuses the (max+1)th nonce on one params set, not on the next", async () => {
    const store = new MemoryReplayStore();
    for (const n of [1n, 2n, 3n]) expect((await rec(store, n)).outcome).to.equal("accepted");
    expect(await rec(store, 4n)).to.deep.equal({ outcome: "limit" });
    expect((await rec(store, 4n, { paramsKey: "p2" })).outcome).to.equal("accepted");
  });

  it("folds a params set's highest nonce into the floor once now > closesAt, not at closesAt", async () => {
    const store = new MemoryReplayStore();
    await rec(store, 7n, { closesAt: 1_000n });
    await rec(store, 3n, { closesAt: 1_000n });
    await rec(store, 20n, { paramsKey: "p2", closesAt: 2_000n });
    expect(await store.floor({ recipient, sender, now: 1_000n })).to.equal(0n);
    expect(await store.floor({ recipient, sender, now: 1_001n })).to.equal(7n);
    expect(await rec(store, 7n, { paramsKey: "p3", closesAt: 3_000n, now: 1_001n })).to.deep.equal({
      outcome: "belowFloor",
      floor: 7n,
    });
    expect(
      (await rec(store, 8n, { paramsKey: "p3", closesAt: 3_000n, now: 1_001n })).outcome,
    ).to.equal("accepted");
    // Time does not run backwards: what closed stays closed.
    expect(await store.floor({ recipient, sender, now: 10n })).to.equal(7n);
    expect(await store.floor({ recipient, sender: sender2, now: 1_001n })).to.equal(0n);
  });

  it("forget undoes a record completely, including the params' highest nonce", async () => {
    const store = new MemoryReplayStore();
    await rec(store, 4n);
    await rec(store, 9n);
    await rec(store, 10n);
    expect(await rec(store, 11n)).to.deep.equal({ outcome: "limit" });
    await store.forget({ recipient, sender, paramsKey: "p1", nonce: 10n });
    await store.forget({ recipient, sender, paramsKey: "p1", nonce: 9n });
    expect(await store.floor({ recipient, sender, now: 1_001n })).to.equal(4n);
    expect(store.size).to.equal(0);
  });

  it("forget frees the nonce and the params slot", async () => {
    const store = new MemoryReplayStore();
    await rec(store, 1n);
    await rec(store, 2n);
    await rec(store, 3n);
    await store.forget({ recipient, sender, paramsKey: "p1", nonce: 3n });
    expect((await rec(store, 3n)).outcome).to.equal("accepted");
    // Forgetting what was never recorded changes nothing.
    await store.forget({ recipient, sender, paramsKey: "p1", nonce: 99n });
    await store.forget({ recipient, sender, paramsKey: "nope", nonce: 1n });
    expect(await rec(store, 1n)).to.deep.equal({ outcome: "reused" });
  });

  it("raiseFloor only raises, and refuses nonces at or below it", async () => {
    const store = new MemoryReplayStore();
    await store.raiseFloor({ recipient, sender, floor: 10n });
    await store.raiseFloor({ recipient, sender, floor: 6n });
    expect(await store.floor({ recipient, sender, now: 0n })).to.equal(10n);
    expect(await rec(store, 10n)).to.deep.equal({ outcome: "belowFloor", floor: 10n });
    expect((await rec(store, 11n)).outcome).to.equal("accepted");
  });

  it("prune drops the nonces of params closed before `before` and keeps their max in the floor", async () => {
    const store = new MemoryReplayStore();
    await rec(store, 1n, { closesAt: 100n, now: 50n });
    await rec(store, 2n, { closesAt: 100n, now: 50n });
    await rec(store, 3n, { paramsKey: "p2", closesAt: 200n, now: 50n });
    expect(await store.prune(100n)).to.equal(0);
    expect(await store.prune(101n)).to.equal(2);
    expect(store.size).to.equal(1);
    expect(await store.floor({ recipient, sender, now: 101n })).to.equal(2n);
    expect(await rec(store, 2n, { paramsKey: "p3", closesAt: 300n, now: 101n })).to.deep.equal({
      outcome: "belowFloor",
      floor: 2n,
    });
  });

  it("closes many params in closesAt order whatever order they opened in", async () => {
    const store = new MemoryReplayStore();
    const closes = [50n, 10n, 40n, 20n, 30n, 60n, 5n];
    for (const [i, c] of closes.entries()) {
      await rec(store, BigInt(100 - i), { paramsKey: `k${i}`, closesAt: c, now: 0n });
    }
    // Open params: closesAt 5 (nonce 94), 10 (99), 20 (97), 30 (96), 40 (98), 50 (100), 60 (95).
    expect(await store.floor({ recipient, sender, now: 6n })).to.equal(94n);
    expect(await store.floor({ recipient, sender, now: 25n })).to.equal(99n);
    expect(await store.floor({ recipient, sender, now: 45n })).to.equal(99n);
    expect(await store.floor({ recipient, sender, now: 55n })).to.equal(100n);
    expect(store.size).to.equal(1);
  });

  it("keeps 100,000 nonces and answers each record without scanning them", async () => {
    const store = new MemoryReplayStore({ durable: true });
    expect(store.durable).to.equal(true);
    for (let i = 1; i <= 100_000; i++) {
      await rec(store, BigInt(i), { paramsKey: `p${i % 10}`, max: 100_000 });
    }
    const start = process.hrtime.bigint();
    for (let i = 1; i <= 1_000; i++) {
      expect((await rec(store, BigInt(i), { max: 100_000 })).outcome).to.equal("reused");
    }
    // 1,000 lookups over 100,000 nonces: a scan each would take seconds.
    expect(Number(process.hrtime.bigint() - start) / 1e6).to.be.below(500);
  });
});
