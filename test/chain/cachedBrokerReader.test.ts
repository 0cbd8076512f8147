import { expect } from "chai";
import { Interface, JsonRpcProvider } from "ethers";

import { ticketBrokerAbi } from "../../src/contract/abi.js";

import type { BrokerReader, SenderFunds } from "../../src/chain/brokerReader.js";
import {
  CachedBrokerReader,
  ChainHeadUnavailableError,
  createProvider,
} from "../../src/chain/cachedBrokerReader.js";

const A = "0xAaAaaAaaaAaaAaaaaAAaaAaAaaAAaaAaaaAAaaaa" as const;
const B = "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB" as const;
const R = "0x1111111111111111111111111111111111111111" as const;
const BROKER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const brokerInterface = new Interface(ticketBrokerAbi);

/** A chain whose state tests change, counting every read. */
class CountingReader implements BrokerReader {
  calls = 0;
  funds = new Map<string, SenderFunds>();
  claimable = 5n;
  highest = 0n;
  validUntil = 0n;
  /** Reads wait for this when set (to hold requests in flight). */
  gate: Promise<void> | undefined;
  fail = false;

  async #read<T>(value: () => T): Promise<T> {
    this.calls++;
    if (this.gate !== undefined) await this.gate;
    if (this.fail) throw new Error("rpc down");
    return value();
  }
  senderFunds(sender: `0x${string}`): Promise<SenderFunds> {
    return this.#read(
      () => this.funds.get(sender.toLowerCase()) ?? { deposit: 100n, reserve: 10n, unlockEnd: 0n },
    );
  }
  claimableReserve(): Promise<bigint> {
    return this.#read(() => this.claimable);
  }
  highestRedeemedNonce(): Promise<bigint> {
    return this.#read(() => this.highest);
  }
  signerValidUntil(): Promise<bigint> {
    return this.#read(() => this.validUntil);
  }
  now(): Promise<bigint> {
    throw new Error("the cache reads time from the head");
  }
}

/** A provider whose head tests move, counting head reads, with a fake clock. */
class FakeChain {
  number = 10;
  timestamp = 1_000;
  headReads = 0;
  ms = 0;
  /** Broker logs by block: [topic0, sender topic]. */
  logs = new Map<number, string[][]>();
  logQueries: { fromBlock: number; toBlock: number }[] = [];
  logsFail = false;
  getBlock(): Promise<{ number: number; timestamp: number } | null> {
    this.headReads++;
    return Promise.resolve({ number: this.number, timestamp: this.timestamp });
  }
  getLogs(filter: {
    address: string;
    fromBlock: number;
    toBlock: number;
    topics: string[][];
  }): Promise<{ topics: string[] }[]> {
    this.logQueries.push({ fromBlock: filter.fromBlock, toBlock: filter.toBlock });
    if (this.logsFail) return Promise.reject(new Error("logs unavailable"));
    const out: { topics: string[] }[] = [];
    for (let b = filter.fromBlock; b <= filter.toBlock; b++) {
      for (const topics of this.logs.get(b) ?? []) {
        if (filter.topics[0]!.includes(topics[0]!)) out.push({ topics });
      }
    }
    return Promise.resolve(out);
  }
  /** Mines a block holding broker event `name` for `sender`. */
  emit(name: string, sender: string): void {
    this.mine();
    const topic0 = brokerInterface.getEvent(name)!.topicHash;
    const topic1 = `0x${sender.slice(2).toLowerCase().padStart(64, "0")}`;
    this.logs.set(this.number, [...(this.logs.get(this.number) ?? []), [topic0, topic1]]);
  }
  mine(seconds = 1): void {
    this.number++;
    this.timestamp += seconds;
  }
}

function setup(
  options: {
    pollMs?: number;
    maxAgeBlocks?: number;
    events?: { broker: string; maxAgeBlocks?: number };
  } = {},
) {
  const chain = new FakeChain();
  const inner = new CountingReader();
  const reader = new CachedBrokerReader({
    reader: inner,
    provider: chain,
    clock: () => chain.ms,
    ...options,
  });
  return { chain, inner, reader };
}

async function readAll(reader: BrokerReader, sender: `0x${string}` = A): Promise<unknown[]> {
  return Promise.all([
    reader.senderFunds(sender),
    reader.claimableReserve(sender, R),
    reader.highestRedeemedNonce(sender, R),
    reader.now(),
  ]);
}

describe("CachedBrokerReader", () => {
  it("reads each value for a sender once per block and the head once per pollMs", async () => {
    const { chain, inner, reader } = setup({ pollMs: 1_000 });
    for (let i = 0; i < 100; i++) await readAll(reader);
    expect(inner.calls).to.equal(3);
    expect(chain.headReads).to.equal(1);
    await readAll(reader, B);
    expect(inner.calls).to.equal(6);
    // The head is asked again once pollMs has passed, not before.
    chain.ms = 999;
    await readAll(reader);
    expect(chain.headReads).to.equal(1);
    chain.ms = 1_000;
    await readAll(reader);
    expect(chain.headReads).to.equal(2);
    expect(inner.calls).to.equal(6); // same block: still cached
  });

  it("a funds decrease in a new block is seen on the next block", async () => {
    const { chain, inner, reader } = setup({ pollMs: 0 });
    expect((await reader.senderFunds(A)).deposit).to.equal(100n);
    inner.funds.set(A.toLowerCase(), { deposit: 40n, reserve: 10n, unlockEnd: 0n });
    // Same block (a request after the change but before a new head): the old value.
    expect((await reader.senderFunds(A)).deposit).to.equal(100n);
    chain.mine();
    expect((await reader.senderFunds(A)).deposit).to.equal(40n);
  });

  it("maxAgeBlocks: an unlock started in block B is seen once the head reaches B + maxAgeBlocks", async () => {
    const { chain, inner, reader } = setup({ pollMs: 0, maxAgeBlocks: 2 });
    await reader.senderFunds(A); // read at block 10
    chain.mine(); // block 11: the unlock is mined here
    inner.funds.set(A.toLowerCase(), { deposit: 100n, reserve: 10n, unlockEnd: 5_000n });
    expect((await reader.senderFunds(A)).unlockEnd).to.equal(0n); // head 11: 11 − 10 ≤ 2
    chain.mine(); // head 12
    expect((await reader.senderFunds(A)).unlockEnd).to.equal(0n); // 12 − 10 ≤ 2
    chain.mine(); // head 13 = B + maxAgeBlocks
    expect((await reader.senderFunds(A)).unlockEnd).to.equal(5_000n);
    expect(inner.calls).to.equal(2);
  });

  it("invalidate(sender) makes the next read ask the chain, for that sender only", async () => {
    const { inner, reader } = setup();
    await readAll(reader, A);
    await readAll(reader, B);
    inner.highest = 7n;
    reader.invalidate(A);
    expect(await reader.highestRedeemedNonce(A, R)).to.equal(7n);
    expect(await reader.highestRedeemedNonce(B, R)).to.equal(0n);
    expect(inner.calls).to.equal(7);
  });

  it("concurrent misses share one in-flight request; a failure is not cached", async () => {
    const { inner, reader } = setup();
    let open!: () => void;
    inner.gate = new Promise((resolve) => {
      open = resolve;
    });
    const pending = Promise.all(Array.from({ length: 50 }, () => reader.senderFunds(A)));
    await new Promise((resolve) => setImmediate(resolve));
    open();
    expect((await pending).length).to.equal(50);
    expect(inner.calls).to.equal(1);

    inner.gate = undefined;
    inner.fail = true;
    let failed = 0;
    await reader.claimableReserve(A, R).catch(() => failed++);
    inner.fail = false;
    expect(await reader.claimableReserve(A, R)).to.equal(5n);
    expect(failed).to.equal(1);
    expect(inner.calls).to.equal(3);
  });

  it("now() is the head's timestamp and never runs backwards", async () => {
    const { chain, reader } = setup({ pollMs: 0 });
    expect(await reader.now()).to.equal(1_000n);
    chain.mine(12);
    expect(await reader.now()).to.equal(1_012n);
    // A node that answers from behind (load-balanced RPC): time and head stay.
    chain.number -= 1;
    chain.timestamp = 1_005;
    expect(await reader.now()).to.equal(1_012n);
    expect((await reader.head()).number).to.equal(11n);
  });

  it("refuses a provider without a latest block, and negative settings", async () => {
    const reader = new CachedBrokerReader({
      reader: new CountingReader(),
      provider: { getBlock: () => Promise.resolve(null) },
    });
    let err: unknown;
    await reader.now().catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(ChainHeadUnavailableError);
    expect(
      () =>
        new CachedBrokerReader({
          reader: new CountingReader(),
          provider: new FakeChain(),
          maxAgeBlocks: -1,
        }),
    ).to.throw(ChainHeadUnavailableError);
  });

  it("a sender without a reserve has 0 claimable, read from its funds without a request", async () => {
    const { inner, reader } = setup();
    inner.funds.set(A.toLowerCase(), { deposit: 100n, reserve: 0n, unlockEnd: 0n });
    expect(await reader.claimableReserve(A, R)).to.equal(0n);
    expect(await reader.claimableReserve(A, R)).to.equal(0n);
    expect(inner.calls).to.equal(1); // senderFunds only
  });

  it("events: values stay cached across blocks until an event names the sender", async () => {
    const { chain, inner, reader } = setup({
      pollMs: 0,
      events: { broker: BROKER, maxAgeBlocks: 5 },
    });
    await readAll(reader, A);
    await readAll(reader, B);
    expect(inner.calls).to.equal(6);
    chain.mine();
    chain.mine();
    await readAll(reader, A);
    await readAll(reader, B);
    // Funds and the redeemed mark are kept; the claimable reserve follows the per-block rule.
    expect(inner.calls).to.equal(8);
    // A redemption by another recipient lowers A's deposit in the next block.
    inner.funds.set(A.toLowerCase(), { deposit: 10n, reserve: 10n, unlockEnd: 0n });
    chain.emit("WinningTicketRedeemed", A);
    expect((await reader.senderFunds(A)).deposit).to.equal(10n);
    expect(chain.logQueries.at(-1)).to.deep.equal({ fromBlock: 13, toBlock: 13 });
    const before = inner.calls;
    await reader.senderFunds(B);
    expect(inner.calls).to.equal(before); // B untouched by the event
    // An unlock started without the reader seeing its event (a node that missed the log) is
    // still seen once the backstop age has passed.
    inner.funds.set(B.toLowerCase(), { deposit: 100n, reserve: 10n, unlockEnd: 9_000n });
    for (let i = 0; i < 3; i++) chain.mine(); // head 16: B's funds read at 10, 16 − 10 > 5
    expect((await reader.senderFunds(B)).unlockEnd).to.equal(9_000n);
  });

  it("events: a gap of more than 1,000 blocks drops the whole cache without asking for logs", async () => {
    const { chain, inner, reader } = setup({
      pollMs: 0,
      events: { broker: BROKER, maxAgeBlocks: 5_000 },
    });
    await reader.senderFunds(A);
    chain.number += 1_000;
    await reader.senderFunds(A);
    expect(inner.calls).to.equal(1);
    expect(chain.logQueries).to.deep.equal([{ fromBlock: 11, toBlock: 1_010 }]);
    chain.number += 1_001;
    await reader.senderFunds(A);
    expect(inner.calls).to.equal(2);
    expect(chain.logQueries.length).to.equal(1);
  });

  it("events: logs that cannot be read drop the whole cache", async () => {
    const { chain, inner, reader } = setup({ pollMs: 0, events: { broker: BROKER } });
    await reader.senderFunds(A);
    chain.logsFail = true;
    chain.mine();
    await reader.senderFunds(A);
    expect(inner.calls).to.equal(2);
    expect(
      () =>
        new CachedBrokerReader({
          reader: inner,
          provider: { getBlock: chain.getBlock.bind(chain) },
          events: { broker: BROKER },
        }),
    ).to.throw(ChainHeadUnavailableError);
  });

  it("createProvider: a static network and no batching", () => {
    const provider = createProvider("http://127.0.0.1:1", { chainId: 31337n });
    expect(provider).to.be.instanceOf(JsonRpcProvider);
    expect(provider._getOption("staticNetwork")).to.not.equal(null);
    expect(provider._getOption("batchMaxCount")).to.equal(1);
    expect(provider._getOption("cacheTimeout")).to.equal(-1);
    expect(provider._network.chainId).to.equal(31337n);
    provider.destroy();
  });
});
