/**
 * The redeemer daemon on the in-process chain: a batch when it pays, a wait when it does not,
 * one leader per recipient, the metrics it reports, and a crash between record and broadcast.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Registry } from "prom-client";

import { RedeemerDaemon, redeemOnce, type RedeemerOptions } from "../../src/redeem/daemon.js";
import { prometheusRedeemerMetrics, type RedeemerSnapshot } from "../../src/redeem/metrics.js";
import { MemoryLeaderLock } from "../../src/store/memory/memoryLeaderLock.js";
import { MemoryDurableWinnerStore } from "../../src/store/memory/memoryWinnerStore.js";
import { brokerWorld, paidNonces, winners, type BrokerWorld } from "./chainFixture.js";

describe("RedeemerDaemon on the in-process chain", function () {
  this.timeout(120_000);

  async function setup(deposit = 10n ** 18n) {
    const { ethers } = await network.create();
    const [deployer, sender] = await ethers.getSigners();
    if (deployer === undefined || sender === undefined) throw new Error("no signers");
    const rpc = ethers.provider;
    const world = await brokerWorld({ rpc, deployer, sender, deposit });
    const block = await ethers.provider.getBlock("latest");
    const now = BigInt(block?.timestamp ?? 0);
    const store = new MemoryDurableWinnerStore();
    const snapshots: RedeemerSnapshot[] = [];
    const options = (over: Partial<RedeemerOptions> = {}): RedeemerOptions => ({
      recipient: world.recipientAddress,
      store,
      reader: world.reader,
      rpc,
      signer: world.recipient,
      broker: world.brokerAddress,
      chainId: world.chainId,
      transactions: { pollIntervalMs: 20, receiptTimeoutMs: 10_000 },
      metrics: { onRound: (s) => snapshots.push(s) },
      ...over,
    });
    return { ethers, rpc, world, store, now, options, snapshots };
  }

  async function addWinners(
    world: BrokerWorld,
    store: MemoryDurableWinnerStore,
    nonces: bigint[],
    faceValue: bigint,
    now: bigint,
  ) {
    const ws = await winners(world, { nonces, faceValue, now });
    for (const w of ws) await store.add(w);
    return ws;
  }

  it("redeems every due winner in one batch when the face value clears the margin", async () => {
    const { world, store, now, options, snapshots } = await setup();
    await addWinners(world, store, [1n, 2n, 3n, 4n, 5n], 10n ** 16n, now);
    const report = await redeemOnce(options());
    expect(report.transactions).to.have.length(1);
    expect(report.transactions[0]?.kind).to.equal("mined");
    expect(report.decisions[0]).to.include({ action: "redeem", reason: "profitable" });
    expect(report.decisions[0]?.batch).to.have.length(5);
    expect(report.paid).to.equal(5n * 10n ** 16n);
    expect(
      await world.broker.highestRedeemedNonce(world.senderAddress, world.recipientAddress),
    ).to.equal(5n);
    expect([...(await paidNonces(world)).values()]).to.deep.equal([1, 1, 1, 1, 1]);
    expect((await store.list({ state: "redeemed" })).map((w) => w.txHash)).to.deep.equal(
      Array(5).fill(report.transactions[0]?.txHash),
    );
    const last = snapshots[snapshots.length - 1];
    expect(last).to.include({ leader: true, pendingCount: 0, redeemedCount: 5, submittedCount: 0 });
    expect(last?.costRatio).to.be.greaterThan(0).and.lessThan(0.5);
  });

  it("waits (sends nothing) while the face value does not clear the margin", async () => {
    const { world, store, now, options, snapshots } = await setup();
    await addWinners(world, store, [1n, 2n], 1_000n, now);
    const report = await redeemOnce(options());
    expect(report.transactions).to.have.length(0);
    expect(report.decisions[0]).to.include({ action: "wait", reason: "belowMargin" });
    expect(await store.pendingSummary()).to.deep.equal({ count: 2, faceValue: 2_000n });
    expect(snapshots[snapshots.length - 1]?.costRatio).to.be.greaterThan(1);
  });

  it("lets one daemon per recipient act; the other takes over once the first stops", async () => {
    const { world, store, now, options } = await setup();
    await addWinners(world, store, [1n], 10n ** 16n, now);
    const scope = `leader-${Date.now()}`;
    const a = new RedeemerDaemon(options({ locks: new MemoryLeaderLock(scope) }));
    const b = new RedeemerDaemon(options({ locks: new MemoryLeaderLock(scope) }));
    expect((await a.round()).leader).to.equal(true);
    const second = await b.round();
    expect(second.leader).to.equal(false);
    expect(second.transactions).to.have.length(0);
    await a.stop();
    expect((await b.round()).leader).to.equal(true);
    await b.stop();
  });

  it("after a crash between record and broadcast, the restarted daemon finds the nonce free and pays the winners once", async () => {
    const { world, store, now, options } = await setup();
    const ws = await addWinners(world, store, [1n, 2n], 10n ** 16n, now);
    // Recorded as submitted under a transaction that never reached the chain.
    await store.markSubmitted({
      digests: ws.map((w) => w.digest),
      txHash: `0x${"ee".repeat(32)}`,
      accountNonce: 0,
      maxFeePerGas: 10n ** 9n,
      maxPriorityFeePerGas: 1n,
      block: 0n,
    });
    const report = await redeemOnce(options());
    expect(report.reconciled[0]?.kind).to.equal("dropped");
    expect(report.reconciled[0]?.pendingAgain).to.have.length(2);
    expect(report.transactions[0]?.redeemed).to.have.length(2);
    expect([...(await paidNonces(world)).entries()]).to.deep.equal([
      [1n, 1],
      [2n, 1],
    ]);
  });

  it("marks a winner the broker already paid (by an earlier transaction) redeemed from its event, not lost", async () => {
    const { world, store, now, options } = await setup();
    const [w] = await addWinners(world, store, [1n], 10n ** 16n, now);
    if (w === undefined) throw new Error("no winner");
    // Paid directly on chain, while the store recorded another transaction with the same nonce.
    const tx = await world.broker
      .connect(world.recipient.connect(world.broker.runner!.provider))
      .redeemWinningTicket(w.ticket, w.signature, w.recipientRand);
    const receipt = await tx.wait();
    await store.markSubmitted({
      digests: [w.digest],
      txHash: `0x${"dd".repeat(32)}`,
      accountNonce: 0,
      maxFeePerGas: 10n ** 9n,
      maxPriorityFeePerGas: 1n,
      block: 0n,
    });
    const report = await redeemOnce(options());
    expect(report.reconciled[0]?.kind).to.equal("replaced");
    const stored = await store.get(w.digest);
    expect(stored?.state).to.equal("redeemed");
    expect(stored?.txHash).to.equal(receipt?.hash);
  });

  it("runs by itself: start() redeems winners added while it runs, stop() waits for the round and releases the lock", async () => {
    const { world, store, now, options, snapshots } = await setup();
    const scope = `loop-${Date.now()}`;
    const daemon = new RedeemerDaemon(
      options({ intervalMs: 50, locks: new MemoryLeaderLock(scope) }),
    );
    daemon.start();
    const deadline = Date.now() + 20_000;
    while (snapshots.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    await addWinners(world, store, [1n, 2n], 10n ** 16n, now);
    while ((await store.list({ state: "redeemed" })).length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await daemon.stop();
    expect(await store.list({ state: "redeemed" })).to.have.length(2);
    expect(snapshots.length).to.be.at.least(2);
    // The lock is free again: another daemon acts at once.
    expect(await new MemoryLeaderLock(scope).tryAcquire(daemon.lockName)).to.equal(true);
  });

  it("keeps Prometheus metrics: pending, redeemed, unredeemable by reason, cost ratio", async () => {
    const { world, store, now, options } = await setup();
    const registry = new Registry();
    await addWinners(world, store, [2n, 3n], 10n ** 16n, now);
    // Nonce 1 arrives after nonce 2 was paid elsewhere: unredeemable by NonceAlreadyRedeemed.
    const [late] = await winners(world, { nonces: [1n], faceValue: 10n ** 16n, now });
    const metrics = prometheusRedeemerMetrics(registry);
    await redeemOnce(options({ metrics }));
    await store.add(late!);
    await redeemOnce(options({ metrics }));
    const text = await registry.metrics();
    expect(text).to.match(/^ticketbroker_redeemer_redeemed_winners_total 2$/m);
    expect(text).to.match(/^ticketbroker_redeemer_pending_winners 0$/m);
    expect(text).to.match(/^ticketbroker_redeemer_leader 1$/m);
    expect(text).to.match(
      /^ticketbroker_redeemer_unredeemable_winners_total\{reason="TicketBrokerNonceAlreadyRedeemed"\} 1$/m,
    );
    expect(text).to.match(/^ticketbroker_redeemer_cost_ratio 0\.\d+$/m);
    expect((await store.get(late!.digest))?.lastError?.code).to.equal(
      "TicketBrokerNonceAlreadyRedeemed",
    );
  });
});
