/**
 * The transaction manager against a scripted JSON-RPC (no chain): the record precedes every
 * broadcast, a stuck transaction is replaced at the same nonce with both fees ≥ +10% (and not
 * past the cap), and winners become `redeemed` only at the confirmation depth.
 */
import { expect } from "chai";
import { Interface, Transaction, Wallet } from "ethers";

import { ticketBrokerAbi } from "../../src/contract/abi.js";
import type { JsonRpcSender } from "../../src/redeem/cost.js";
import { RedemptionTransactions } from "../../src/redeem/transactions.js";
import { MemoryDurableWinnerStore } from "../../src/store/memory/memoryWinnerStore.js";
import { DOMAIN, winner } from "./fixtures.js";

const brokerInterface = new Interface(ticketBrokerAbi);
const hex = (x: bigint | number) => `0x${BigInt(x).toString(16)}`;

class ScriptedChain implements JsonRpcSender {
  head = 100n;
  minedNonce = 5;
  readonly broadcasts: Transaction[] = [];
  /** The store's view of the winner's submission at each broadcast. */
  readonly recordedAtBroadcast: (string | undefined)[] = [];
  receipt: Record<string, unknown> | null = null;
  constructor(
    readonly store: MemoryDurableWinnerStore,
    readonly digest: `0x${string}`,
  ) {}

  async send(method: string, params: unknown[]): Promise<unknown> {
    switch (method) {
      case "eth_getTransactionCount":
        return hex(this.minedNonce);
      case "eth_blockNumber":
        return hex(this.head);
      case "eth_feeHistory":
        return { baseFeePerGas: [hex(100n), hex(100n)], reward: [[hex(2n)]] };
      case "eth_sendRawTransaction": {
        const tx = Transaction.from(params[0] as string);
        this.recordedAtBroadcast.push((await this.store.get(this.digest))?.submission?.txHash);
        this.broadcasts.push(tx);
        return tx.hash;
      }
      case "eth_getTransactionByHash":
        return { hash: params[0] };
      case "eth_getTransactionReceipt":
        return this.receipt !== null && this.receipt.transactionHash === params[0]
          ? this.receipt
          : null;
      default:
        throw new Error(`unexpected ${method}`);
    }
  }
}

describe("RedemptionTransactions (scripted RPC)", () => {
  async function setup(
    settings: ConstructorParameters<typeof RedemptionTransactions>[0]["settings"],
  ) {
    const store = new MemoryDurableWinnerStore();
    const signer = Wallet.createRandom();
    const w = await winner({ nonce: 1n, recipient: signer.address as `0x${string}` });
    await store.add(w);
    const chain = new ScriptedChain(store, w.digest);
    let clock = 0;
    const txs = new RedemptionTransactions({
      rpc: chain,
      signer,
      broker: DOMAIN.verifyingContract,
      chainId: DOMAIN.chainId,
      store,
      settings: { pollIntervalMs: 1, ...settings },
      now: () => (clock += 10),
    });
    const [stored] = await store.list({ state: "pending" });
    const inFlight = await txs.submit({
      winners: [stored!],
      gasLimit: 200_000n,
      fees: { baseFeePerGas: 100n, maxPriorityFeePerGas: 10n, maxFeePerGas: 210n },
    });
    return { store, chain, txs, inFlight, w };
  }

  it("records the transaction before broadcasting it, at the account's pending nonce", async () => {
    const { chain, inFlight } = await setup({});
    expect(chain.broadcasts).to.have.length(1);
    expect(chain.recordedAtBroadcast).to.deep.equal([chain.broadcasts[0]?.hash]);
    expect(inFlight.accountNonce).to.equal(5);
    expect(chain.broadcasts[0]?.nonce).to.equal(5);
  });

  it("replaces a stuck transaction at the same nonce with both fees raised by 12.5% (and recorded first)", async () => {
    const { chain, txs, inFlight } = await setup({ stuckAfterMs: 15, receiptTimeoutMs: 40 });
    const settled = await txs.settle(inFlight);
    expect(settled.kind).to.equal("timeout");
    const [first, second] = chain.broadcasts;
    expect(second?.nonce).to.equal(first?.nonce);
    expect(second?.maxFeePerGas).to.equal(237n); // ceil(210 × 1.125)
    expect(second?.maxPriorityFeePerGas).to.equal(12n); // ceil(10 × 1.125)
    expect(chain.recordedAtBroadcast[1]).to.equal(second?.hash);
    expect(inFlight.hashes).to.deep.equal(chain.broadcasts.map((t) => t.hash));
  });

  it("does not replace past maxFeePerGasCap: a transaction at the cap keeps waiting", async () => {
    const { chain, txs, inFlight } = await setup({
      stuckAfterMs: 15,
      receiptTimeoutMs: 60,
      maxFeePerGasCap: 230n,
    });
    await txs.settle(inFlight);
    expect(chain.broadcasts).to.have.length(1);
  });

  it("marks the winner redeemed only once the receipt is `confirmations` blocks deep", async () => {
    const { store, chain, txs, inFlight, w } = await setup({
      confirmations: 3,
      receiptTimeoutMs: 60,
    });
    const log = brokerInterface.encodeEventLog("WinningTicketRedeemed", [
      w.ticket.sender,
      w.ticket.recipient,
      w.ticket.senderNonce,
      w.ticket.faceValue,
    ]);
    chain.receipt = {
      status: "0x1",
      blockNumber: hex(99n),
      blockHash: `0x${"12".repeat(32)}`,
      transactionHash: inFlight.hashes[0],
      gasUsed: hex(70_000n),
      logs: [{ address: DOMAIN.verifyingContract, ...log, transactionHash: inFlight.hashes[0] }],
    };
    chain.minedNonce = 6;
    // Head 100, receipt in 99: two blocks deep, one short.
    const early = await txs.settle(inFlight);
    expect(early.kind).to.equal("timeout");
    expect((await store.get(w.digest))?.state).to.equal("submitted");
    chain.head = 101n;
    const done = await txs.settle(inFlight);
    expect(done.kind).to.equal("mined");
    expect((await store.get(w.digest))?.state).to.equal("redeemed");
    expect((await store.get(w.digest))?.txHash).to.equal(inFlight.hashes[0]);
  });
});
