/**
 * Fault injection against a `hardhat node` over JSON-RPC, through a proxy the test controls.
 * Each scenario ends with every payable winner paid exactly once (one WinningTicketRedeemed
 * event per nonce) and none marked unredeemable.
 *
 * Runs with TICKETBROKER_E2E=1 (as `npm test` sets):
 *   TICKETBROKER_E2E=1 npx hardhat test mocha test/redeem/faults.test.ts
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider, Network, Transaction, type JsonRpcSigner } from "ethers";

import { ContractBrokerReader } from "../../src/chain/brokerReader.js";
import { TicketBrokerInsufficientFunds } from "../../src/contract/contractErrors.js";
import type { WinningTicket } from "../../src/recipient/winnerStore.js";
import { readFees } from "../../src/redeem/cost.js";
import { redeemOnce, type RedeemerOptions } from "../../src/redeem/daemon.js";
import type { RedeemerSnapshot } from "../../src/redeem/metrics.js";
import { RedemptionTransactions } from "../../src/redeem/transactions.js";
import { MemoryDurableWinnerStore } from "../../src/store/memory/memoryWinnerStore.js";
import { openStore } from "../../src/store/openStore.js";
import type { DurableWinnerStore } from "../../src/store/winners.js";
import { TicketBroker__factory } from "../../typechain-types/index.js";
import { brokerWorld, paidNonces, winners, type BrokerWorld } from "./chainFixture.js";
import { E2E, rpc, startNode } from "../support/hardhatNode.js";
import { BIN, ROOT, stopChild } from "../support/processes.js";
import { RpcProxy } from "./rpcProxy.js";

const FACE = 10n ** 16n;

/**
 * A provider without ethers' 250 ms result cache: the tests mine and read within milliseconds
 * (a cached `latest` block or a cached failure would hide what the node now says).
 */
function provider(url: string): JsonRpcProvider {
  return new JsonRpcProvider(url, Network.from(31337n), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
  });
}

describe("redeemer fault injection (hardhat node over JSON-RPC through a proxy)", function () {
  this.timeout(180_000);
  let node: ChildProcess | undefined;
  let nodeUrl = "";
  let direct: JsonRpcProvider;
  let proxy: RpcProxy;
  let senderIndex = 1;

  before(async function () {
    if (!E2E) this.skip();
    ({ url: nodeUrl, node } = await startNode());
    direct = provider(nodeUrl);
    proxy = await new RpcProxy(nodeUrl).start();
  });

  after(async () => {
    direct?.destroy();
    await proxy?.stop();
    if (node !== undefined) await stopChild(node);
  });

  afterEach(async function () {
    if (!E2E) return;
    proxy.down = false;
    proxy.after.clear();
    await rpc(nodeUrl, "evm_setAutomine", [true]);
  });

  /** A fresh broker, a sender account of the node, a fresh recipient key; the redeemer talks through the proxy. */
  async function scenario(deposit: bigint) {
    const deployer = (await direct.getSigner(0)) as JsonRpcSigner;
    const sender = (await direct.getSigner(senderIndex++)) as JsonRpcSigner;
    const world = await brokerWorld({ rpc: direct, deployer, sender, deposit });
    const viaProxy = provider(proxy.url);
    const reader = new ContractBrokerReader({
      broker: TicketBroker__factory.connect(world.brokerAddress, viaProxy),
    });
    const snapshots: RedeemerSnapshot[] = [];
    const options = (
      store: DurableWinnerStore,
      over: Partial<RedeemerOptions> = {},
    ): RedeemerOptions => ({
      recipient: world.recipientAddress,
      store,
      reader,
      rpc: viaProxy,
      signer: world.recipient,
      broker: world.brokerAddress,
      chainId: world.chainId,
      economics: { marginBps: 0n },
      transactions: { pollIntervalMs: 100, receiptTimeoutMs: 20_000, stuckAfterMs: 60_000 },
      metrics: { onRound: (s) => snapshots.push(s) },
      ...over,
    });
    return { world, viaProxy, options, snapshots };
  }

  async function chainNow(): Promise<bigint> {
    const block = await direct.getBlock("latest");
    return BigInt(block?.timestamp ?? 0);
  }

  async function addAll(store: DurableWinnerStore, ws: WinningTicket[]): Promise<void> {
    for (const w of ws) await store.add(w);
  }

  /** Every winner paid exactly once on chain and `redeemed` in the store; none unredeemable. */
  async function expectPaidOnce(
    world: BrokerWorld,
    store: DurableWinnerStore,
    ws: WinningTicket[],
  ) {
    const paid = await paidNonces(world);
    expect([...paid.entries()].sort((a, b) => Number(a[0] - b[0]))).to.deep.equal(
      ws.map((w) => [w.ticket.senderNonce, 1]),
    );
    for (const w of ws)
      expect((await store.get(w.digest))?.state, `nonce ${w.ticket.senderNonce}`).to.equal(
        "redeemed",
      );
    expect(await store.list({ state: "unredeemable" })).to.have.length(0);
  }

  it("RPC down: the round fails and is counted; RPC down again after the broadcast: the receipt is found once it is back", async () => {
    const { world, options, snapshots } = await scenario(10n ** 18n);
    const store = new MemoryDurableWinnerStore();
    const ws = await winners(world, {
      nonces: [1n, 2n, 3n],
      faceValue: FACE,
      now: await chainNow(),
    });
    await addAll(store, ws);

    proxy.down = true;
    let failed = false;
    await redeemOnce(options(store)).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(snapshots[snapshots.length - 1]?.error).to.be.a("string");
    expect(await store.list({ state: "pending" })).to.have.length(3);

    proxy.down = false;
    proxy.after.set("eth_sendRawTransaction", () => {
      proxy.down = true;
      setTimeout(() => (proxy.down = false), 1_500);
    });
    const report = await redeemOnce(options(store));
    expect(report.transactions.map((t) => t.kind)).to.deep.equal(["mined"]);
    await expectPaidOnce(world, store, ws);
  });

  it("a slow RPC (150 ms per request) still pays every winner once", async () => {
    const { world, options } = await scenario(10n ** 18n);
    const store = new MemoryDurableWinnerStore();
    const ws = await winners(world, {
      nonces: [1n, 2n, 3n],
      faceValue: FACE,
      now: await chainNow(),
    });
    await addAll(store, ws);
    proxy.delayMs = 150;
    try {
      const report = await redeemOnce(options(store));
      expect(report.transactions.map((t) => t.kind)).to.deep.equal(["mined"]);
    } finally {
      proxy.delayMs = 0;
    }
    await expectPaidOnce(world, store, ws);
  });

  it("a transaction dropped from the mempool is broadcast again and mined once", async () => {
    const { world, options } = await scenario(10n ** 18n);
    const store = new MemoryDurableWinnerStore();
    const ws = await winners(world, { nonces: [1n, 2n], faceValue: FACE, now: await chainNow() });
    await addAll(store, ws);
    await rpc(nodeUrl, "evm_setAutomine", [false]);
    let dropped = "";
    proxy.after.set("eth_sendRawTransaction", (_req, response) => {
      const hash = (response as { result?: string }).result;
      if (dropped === "" && hash !== undefined) {
        dropped = hash;
        void rpc(nodeUrl, "hardhat_dropTransaction", [hash]);
      }
    });
    const miner = setInterval(() => void rpc(nodeUrl, "evm_mine").catch(() => undefined), 700);
    try {
      const report = await redeemOnce(options(store));
      expect(report.transactions.map((t) => t.kind)).to.deep.equal(["mined"]);
    } finally {
      clearInterval(miner);
    }
    expect(dropped).to.match(/^0x[0-9a-f]{64}$/);
    expect(proxy.seen.filter((m) => m === "eth_sendRawTransaction").length).to.be.at.least(2);
    await expectPaidOnce(world, store, ws);
  });

  it("a transaction that never gets a receipt times out, stays submitted, and the next round reconciles it and pays once", async () => {
    const { world, options } = await scenario(10n ** 18n);
    const store = new MemoryDurableWinnerStore();
    const ws = await winners(world, { nonces: [1n], faceValue: FACE, now: await chainNow() });
    await addAll(store, ws);
    await rpc(nodeUrl, "evm_setAutomine", [false]);
    // Every broadcast is dropped at once: no receipt can come.
    proxy.after.set("eth_sendRawTransaction", (_req, response) => {
      const hash = (response as { result?: string }).result;
      if (hash !== undefined) void rpc(nodeUrl, "hardhat_dropTransaction", [hash]);
    });
    const first = await redeemOnce(
      options(store, { transactions: { pollIntervalMs: 100, receiptTimeoutMs: 1_500 } }),
    );
    expect(first.transactions.map((t) => t.kind)).to.deep.equal(["timeout"]);
    expect(await store.listSubmitted()).to.have.length(1);
    proxy.after.clear();
    await rpc(nodeUrl, "evm_setAutomine", [true]);
    const second = await redeemOnce(options(store));
    expect(second.reconciled.map((s) => s.kind)).to.deep.equal(["dropped"]);
    expect(second.transactions.map((t) => t.kind)).to.deep.equal(["mined"]);
    await expectPaidOnce(world, store, ws);
  });

  it("a stuck transaction is replaced at the same nonce with both fees raised by at least 10%; only one pays", async () => {
    const { world, options } = await scenario(10n ** 18n);
    const store = new MemoryDurableWinnerStore();
    const ws = await winners(world, { nonces: [1n, 2n], faceValue: FACE, now: await chainNow() });
    await addAll(store, ws);
    await rpc(nodeUrl, "evm_setAutomine", [false]);
    const sent: { hash: string; nonce: bigint; maxFee: bigint; tip: bigint }[] = [];
    proxy.after.set("eth_sendRawTransaction", (req, response) => {
      const tx = Transaction.from((req.params as string[])[0]);
      const hash = (response as { result?: string }).result;
      if (hash === undefined) return;
      sent.push({
        hash,
        nonce: BigInt(tx.nonce),
        maxFee: tx.maxFeePerGas ?? 0n,
        tip: tx.maxPriorityFeePerGas ?? 0n,
      });
      // Mine only once the replacement is in the pool.
      if (sent.length === 2) void rpc(nodeUrl, "evm_mine");
    });
    const report = await redeemOnce(
      options(store, {
        transactions: { pollIntervalMs: 100, stuckAfterMs: 500, receiptTimeoutMs: 20_000 },
      }),
    );
    expect(sent).to.have.length(2);
    const [first, second] = sent as [(typeof sent)[0], (typeof sent)[0]];
    expect(second.nonce).to.equal(first.nonce);
    expect(second.maxFee * 10n).to.be.at.least(first.maxFee * 11n);
    expect(second.tip * 10n).to.be.at.least(first.tip * 11n);
    expect(report.transactions[0]?.txHash).to.equal(second.hash);
    expect(await direct.getTransactionReceipt(first.hash)).to.equal(null);
    await expectPaidOnce(world, store, ws);
    for (const w of ws) expect((await store.get(w.digest))?.txHash).to.equal(second.hash);
  });

  it("a reverting transaction leaves its winner pending with the contract's reason; paid once the sender funds it", async () => {
    const { world, viaProxy, options, snapshots } = await scenario(FACE / 2n);
    const store = new MemoryDurableWinnerStore();
    const ws = await winners(world, { nonces: [1n], faceValue: FACE, now: await chainNow() });
    await addAll(store, ws);
    const txs = new RedemptionTransactions({
      rpc: viaProxy,
      signer: world.recipient,
      broker: world.brokerAddress,
      chainId: world.chainId,
      store,
      settings: { pollIntervalMs: 100 },
    });
    const stored = await store.list({ state: "pending" });
    const inFlight = await txs.submit({
      winners: stored,
      gasLimit: 300_000n,
      fees: await readFees(viaProxy),
    });
    const settled = await txs.settle(inFlight);
    expect(settled.kind).to.equal("mined");
    expect(settled.pendingAgain).to.have.length(1);
    const after = await store.get(ws[0]!.digest);
    expect(after?.state).to.equal("pending");
    expect(after?.lastError?.code).to.equal(
      new TicketBrokerInsufficientFunds({ sender: "0x", available: 0n, needed: 0n }).code,
    );

    const blocked = await redeemOnce(options(store));
    expect(blocked.transactions).to.have.length(0);
    expect(blocked.blocked.map((b) => b.error.code)).to.deep.equal([
      "TicketBrokerInsufficientFunds",
    ]);
    expect(snapshots[snapshots.length - 1]?.sendersCannotPay).to.equal(1);

    await (await world.broker.connect(world.sender).fundDeposit({ value: FACE })).wait();
    await redeemOnce(options(store));
    await expectPaidOnce(world, store, ws);
  });

  it("a sender that underfunds, then unlocks while winners wait: nothing is lost, all paid once it funds again", async () => {
    const { world, options } = await scenario((FACE * 3n) / 2n);
    const store = new MemoryDurableWinnerStore();
    const ws = await winners(world, {
      nonces: [1n, 2n, 3n],
      faceValue: FACE,
      now: await chainNow(),
    });
    await addAll(store, ws);
    const first = await redeemOnce(options(store));
    expect(first.paid).to.equal(FACE);
    expect(first.blocked.map((b) => b.error.code)).to.deep.equal(["TicketBrokerInsufficientFunds"]);

    await (await world.broker.connect(world.sender).unlock()).wait();
    await rpc(nodeUrl, "evm_increaseTime", [Number(world.unlockPeriod) + 1]);
    await rpc(nodeUrl, "evm_mine");
    const unlocked = await redeemOnce(options(store));
    expect(unlocked.blocked.map((b) => b.error.code)).to.deep.equal(["TicketBrokerSenderUnlocked"]);
    expect(await store.list({ state: "unredeemable" })).to.have.length(0);

    // The sender's own funding cancels the unlock.
    await (await world.broker.connect(world.sender).fundDeposit({ value: 2n * FACE })).wait();
    const last = await redeemOnce(options(store));
    expect(last.paid).to.equal(2n * FACE);
    await expectPaidOnce(world, store, ws);
  });

  it("a sender that revokes its signing key while winners wait: blocked past validUntil, never lost, paid once it authorises the key again", async () => {
    const { world, options } = await scenario(10n ** 18n);
    const store = new MemoryDurableWinnerStore();
    const now = await chainNow();
    const ws = await winners(world, {
      nonces: [1n, 2n],
      faceValue: FACE,
      now,
      expiry: now + 10n * world.unlockPeriod,
    });
    await addAll(store, ws);
    await (await world.broker.connect(world.sender).revokeSigner(world.delegate.address)).wait();
    await rpc(nodeUrl, "evm_increaseTime", [Number(world.unlockPeriod) + 1]);
    await rpc(nodeUrl, "evm_mine");
    const revoked = await redeemOnce(options(store));
    expect(revoked.transactions).to.have.length(0);
    expect(revoked.blocked.map((b) => b.error.code)).to.deep.equal([
      "TicketBrokerUnauthorizedSigner",
    ]);
    expect(await store.list({ state: "unredeemable" })).to.have.length(0);
    await (await world.broker.connect(world.sender).authorizeSigner(world.delegate.address)).wait();
    await redeemOnce(options(store));
    await expectPaidOnce(world, store, ws);
  });

  describe("SIGKILL of the redeemer process around the broadcast, then restart", () => {
    let dir: string;
    before(async function () {
      if (!E2E) this.skip();
      dir = await mkdtemp(path.join(tmpdir(), "redeemer-crash-"));
    });
    after(async () => {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    function child(env: Record<string, string>): Promise<NodeJS.Signals | number | null> {
      return new Promise((resolve, reject) => {
        const p = spawn(path.join(BIN, "tsx"), [path.join(ROOT, "test/redeem/redeemerChild.ts")], {
          cwd: ROOT,
          env: { ...process.env, ...env },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        p.once("error", reject);
        p.once("exit", (code, signal) => {
          // tsx runs the script in a child node: its SIGKILL comes back as exit status 137.
          if (signal === "SIGKILL" || code === 137) resolve("SIGKILL");
          else reject(new Error(`child exited ${code ?? signal}: ${stderr}`));
        });
      });
    }

    for (const mode of ["beforeBroadcast", "afterBroadcast"] as const) {
      it(`killed ${mode === "beforeBroadcast" ? "after recording, before sending" : "right after sending, before recording the outcome"}: every winner ends paid once`, async () => {
        const { world, options } = await scenario(10n ** 18n);
        const url = `sqlite:${path.join(dir, `${mode}.db`)}`;
        const store = await openStore({ url });
        try {
          const ws = await winners(world, {
            nonces: [1n, 2n, 3n],
            faceValue: FACE,
            now: await chainNow(),
          });
          await addAll(store.winners, ws);
          const signal = await child({
            CHILD_MODE: mode,
            CHILD_RPC: proxy.url,
            CHILD_STORE: url,
            CHILD_KEY: world.recipient.privateKey,
            CHILD_BROKER: world.brokerAddress,
          });
          expect(signal).to.equal("SIGKILL");
          const submitted = await store.winners.listSubmitted();
          expect(submitted).to.have.length(3);
          const onChainBefore = await paidNonces(world);
          expect(onChainBefore.size).to.equal(mode === "beforeBroadcast" ? 0 : 3);

          const restart = await redeemOnce(options(store.winners));
          expect(restart.reconciled.map((s) => s.kind)).to.deep.equal([
            mode === "beforeBroadcast" ? "dropped" : "mined",
          ]);
          if (mode === "afterBroadcast") {
            expect(restart.transactions).to.have.length(0);
            for (const w of ws) {
              expect((await store.winners.get(w.digest))?.txHash).to.equal(
                submitted[0]?.submission?.txHash,
              );
            }
          }
          await expectPaidOnce(world, store.winners, ws);
        } finally {
          await store.close();
        }
      });
    }
  });
});
