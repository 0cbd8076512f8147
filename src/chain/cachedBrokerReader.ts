import { Interface, JsonRpcProvider, Network } from "ethers";

import { ticketBrokerAbi } from "../contract/abi.js";
import { TicketBrokerError } from "../errors.js";
import {
  InvalidInputError,
  assertAddress,
  assertAddressShape,
  assertBigint,
  assertFunction,
  assertHasMethods,
  assertInteger,
  assertObject,
  assertString,
  describeValue,
} from "../ticket/inputs.js";
import { BROKER_READER_METHODS, type BrokerReader, type SenderFunds } from "./brokerReader.js";

/** The chain's head could not be read (the provider returned no latest block). */
export class ChainHeadUnavailableError extends TicketBrokerError {}

/** The latest block as the cache sees it. */
export interface ChainHead {
  readonly number: bigint;
  /** Unix seconds. */
  readonly timestamp: bigint;
}

/**
 * Where the cache learns the chain's head: an ethers `Provider` fits. One call to
 * `getBlock("latest")` (one `eth_getBlockByNumber` request) gives both the block number that
 * decides freshness and the timestamp that {@link CachedBrokerReader.now} returns.
 */
export interface ChainHeadSource {
  getBlock(tag: "latest"): Promise<{ number: number; timestamp: number } | null>;
  /** Needed only with the `events` option (an ethers `Provider` has it). */
  getLogs?(filter: {
    address: string;
    fromBlock: number;
    toBlock: number;
    topics: string[][];
  }): Promise<readonly { readonly topics: readonly string[] }[]>;
}

/**
 * The broker events that change what a sender can pay or which keys sign for it; each has the
 * sender as its first indexed argument.
 */
export const SENDER_STATE_EVENTS = [
  "DepositFunded",
  "ReserveFunded",
  "UnlockStarted",
  "UnlockCancelled",
  "Withdrawn",
  "WinningTicketRedeemed",
  "ReserveClaimed",
  "SignerAuthorized",
  "SignerRevoked",
] as const;

const brokerInterface = new Interface(ticketBrokerAbi);
const SENDER_STATE_TOPICS = SENDER_STATE_EVENTS.map((name) => {
  const event = brokerInterface.getEvent(name);
  if (event === null) throw new Error(`TicketBroker ABI has no event ${name}`);
  return event.topicHash;
});

/** Most blocks of logs asked in one request; a longer gap drops the whole cache instead. */
const MAX_LOG_RANGE = 1_000;

/** Options of {@link CachedBrokerReader}. */
export interface CachedBrokerReaderOptions {
  /** The reader that asks the chain (e.g. a `ContractBrokerReader`). */
  readonly reader: BrokerReader;
  /** Source of the latest block (the provider the reader's contract uses). */
  readonly provider: ChainHeadSource;
  /** How long (ms) a head read is reused before asking again (default 1,000). */
  readonly pollMs?: number;
  /**
   * How many blocks behind the head a cached value may have been read and still be used
   * (default 0: values are read again in every new block). On a chain with fast blocks
   * (Arbitrum: ~4 per second) a few blocks save requests; see the class notes for the bound.
   */
  readonly maxAgeBlocks?: number;
  /** Milliseconds clock (default `Date.now`); tests pass a fake one. */
  readonly clock?: () => number;
  /**
   * Keep values current from the broker's events instead of reading them every block: on each
   * new head one `eth_getLogs` over the new blocks drops what is cached for every sender named
   * by a {@link SENDER_STATE_EVENTS} event. Funds, the redeemed mark and signer validity are
   * then read again only when an event touched the sender, or after `maxAgeBlocks` blocks (a
   * backstop against a node that misses logs; default 40). The claimable reserve, which also
   * moves with the recipient pool, keeps the plain `maxAgeBlocks` rule of the reader.
   */
  readonly events?: { readonly broker: string; readonly maxAgeBlocks?: number };
}

interface Entry {
  /** Head block number observed before the read was sent. */
  readonly block: bigint;
  /** How many blocks past `block` the value may be used. */
  readonly maxAge: bigint;
  readonly value: Promise<unknown>;
}

/**
 * A {@link BrokerReader} that reads each value for a sender at most once per block and shares
 * it between every ticket of that block.
 *
 * Freshness is decided by one head read (`getBlock("latest")`), itself reused for `pollMs`.
 * `senderFunds`, `claimableReserve`, `highestRedeemedNonce` and `signerValidUntil` are cached per
 * (sender, other address) together with the head block number observed before the read was
 * sent; concurrent misses share one in-flight request, and a failed read is not cached.
 *
 * **Staleness bound.** A value read when the head was block `b` is used while the observed head
 * is at most `b + maxAgeBlocks`. A change included in block `B` (a withdrawal, a redemption by
 * another recipient, an unlock, a revocation) is therefore reflected in every value this reader
 * returns once it has observed a head `≥ B + maxAgeBlocks`, which it does at most `pollMs`
 * (plus one request) after the node reports that block. What a sender can do to look richer
 * than it is cannot fit in that window: a withdrawal needs an unlock that is visible for the
 * whole unlock period (and the recipient refuses an unlocking sender), and a revocation leaves
 * a key valid until its validUntil. The one decrease made by others is a redemption by another
 * recipient, seen within the bound as it would be by any read made before it. Decreases made
 * here are applied at once through {@link CachedBrokerReader.invalidate}: the `Recipient` calls
 * it when a sender's pending winners fall (one of its winners was paid), and a redeemer in the
 * same process should call it after it sends a redemption.
 *
 * With `events`, funds, the redeemed mark and signer validity stay cached across blocks until a
 * broker event names the sender: such a change in block `B` is applied when the reader first
 * observes a head `≥ B` (events are applied before that head is used), again within `pollMs`,
 * and without events seen, values are read again after `events.maxAgeBlocks` blocks. If the logs
 * cannot be read, or more than 1,000 blocks passed, the whole cache is dropped.
 *
 * The claimable reserve is 0 without a request while the sender's (cached) reserve is 0, as
 * in the broker.
 *
 * `now()` is the timestamp of the latest head observed, and never runs backwards (a node that
 * answers from behind does not move the clock back).
 *
 * @example
 * ```ts
 * const provider = createProvider(url, { chainId: 42161n });
 * const broker = TicketBroker__factory.connect(address, provider);
 * const reader = new CachedBrokerReader({
 *   reader: new ContractBrokerReader({ broker }), provider, pollMs: 1_000,
 *   events: { broker: address }, // one eth_getLogs per new head instead of reads per sender
 * });
 * ```
 */
export class CachedBrokerReader implements BrokerReader {
  readonly pollMs: number;
  readonly maxAgeBlocks: bigint;
  readonly #reader: BrokerReader;
  readonly #provider: ChainHeadSource;
  readonly #clock: () => number;
  /** Per lowercase sender: cached values by kind and other address. */
  readonly #cache = new Map<string, Map<string, Entry>>();
  #head: ChainHead | undefined;
  #headAt = 0;
  #headInFlight: Promise<ChainHead> | undefined;
  /** Head number at the last sweep of stale entries. */
  #sweptAt = -1n;
  readonly #events: { readonly broker: string; readonly maxAge: bigint } | undefined;
  /** The last block whose events were applied. */
  #logsThrough: bigint | undefined;

  constructor(options: CachedBrokerReaderOptions) {
    assertObject(options, "CachedBrokerReader options");
    assertHasMethods(options.reader, "reader", BROKER_READER_METHODS);
    assertHasMethods(options.provider, "provider", ["getBlock"]);
    // Types here; a negative value is refused below with the reader's own error.
    const anyInteger = { min: Number.MIN_SAFE_INTEGER };
    if (
      options.pollMs !== undefined &&
      (typeof options.pollMs !== "number" || isNaN(options.pollMs))
    ) {
      throw new InvalidInputError("pollMs must be a number of milliseconds", {
        details: { field: "pollMs", received: describeValue(options.pollMs) },
        hint: "Pass pollMs as a number ≥ 0 (default 1000), or leave it out.",
      });
    }
    if (options.maxAgeBlocks !== undefined) {
      assertInteger(options.maxAgeBlocks, "maxAgeBlocks", anyInteger);
    }
    if (options.clock !== undefined) assertFunction(options.clock, "clock");
    if (options.events !== undefined) {
      assertObject(options.events, "events");
      assertAddress(options.events.broker, "events.broker");
      if (options.events.maxAgeBlocks !== undefined) {
        assertInteger(options.events.maxAgeBlocks, "events.maxAgeBlocks", anyInteger);
      }
    }
    this.#reader = options.reader;
    this.#provider = options.provider;
    this.pollMs = options.pollMs ?? 1_000;
    this.maxAgeBlocks = BigInt(options.maxAgeBlocks ?? 0);
    this.#clock = options.clock ?? Date.now;
    this.#events =
      options.events === undefined
        ? undefined
        : {
            broker: options.events.broker,
            maxAge: BigInt(options.events.maxAgeBlocks ?? 40),
          };
    if (this.#events !== undefined && this.#provider.getLogs === undefined) {
      throw new ChainHeadUnavailableError("The events option needs a provider with getLogs", {
        hint: "Pass an ethers Provider, or leave events out.",
      });
    }
    if (!(this.pollMs >= 0) || this.maxAgeBlocks < 0n || (this.#events?.maxAge ?? 0n) < 0n) {
      throw new ChainHeadUnavailableError("pollMs and maxAgeBlocks must not be negative", {
        details: { pollMs: this.pollMs, maxAgeBlocks: this.maxAgeBlocks },
        hint: "Pass pollMs ≥ 0 (milliseconds) and maxAgeBlocks ≥ 0 (blocks).",
      });
    }
  }

  senderFunds(sender: `0x${string}`): Promise<SenderFunds> {
    const bad = refused([sender, "sender"]);
    if (bad !== undefined) return bad;
    return this.#cached(sender, "funds", this.#eventMaxAge, () => this.#reader.senderFunds(sender));
  }

  /** 0 without a request when the sender's (cached) reserve is 0, as the broker computes it. */
  async claimableReserve(sender: `0x${string}`, recipient: `0x${string}`): Promise<bigint> {
    await refused([sender, "sender"], [recipient, "recipient"]);
    const funds = await this.senderFunds(sender);
    if (funds.reserve === 0n) return 0n;
    return this.#cached(sender, `claimable:${recipient.toLowerCase()}`, this.maxAgeBlocks, () =>
      this.#reader.claimableReserve(sender, recipient),
    );
  }

  highestRedeemedNonce(sender: `0x${string}`, recipient: `0x${string}`): Promise<bigint> {
    const bad = refused([sender, "sender"], [recipient, "recipient"]);
    if (bad !== undefined) return bad;
    return this.#cached(sender, `redeemed:${recipient.toLowerCase()}`, this.#eventMaxAge, () =>
      this.#reader.highestRedeemedNonce(sender, recipient),
    );
  }

  signerValidUntil(sender: `0x${string}`, signer: `0x${string}`): Promise<bigint> {
    const bad = refused([sender, "sender"], [signer, "signer"]);
    if (bad !== undefined) return bad;
    return this.#cached(sender, `signer:${signer.toLowerCase()}`, this.#eventMaxAge, () =>
      this.#reader.signerValidUntil(sender, signer),
    );
  }

  /** How long values that broker events keep current may be used. */
  get #eventMaxAge(): bigint {
    return this.#events?.maxAge ?? this.maxAgeBlocks;
  }

  async now(): Promise<bigint> {
    return (await this.head()).timestamp;
  }

  /** Drops every value cached for `sender`: the next reads ask the chain. */
  invalidate(sender: `0x${string}`): void {
    this.#cache.delete(sender.toLowerCase());
  }

  /** The latest head observed, read again when the last read is older than `pollMs`. */
  head(): Promise<ChainHead> {
    if (this.#head !== undefined && this.#clock() - this.#headAt < this.pollMs) {
      return Promise.resolve(this.#head);
    }
    if (this.#headInFlight !== undefined) return this.#headInFlight;
    const inFlight = this.#poll();
    this.#headInFlight = inFlight;
    const clear = (): void => {
      if (this.#headInFlight === inFlight) this.#headInFlight = undefined;
    };
    void inFlight.then(clear, clear);
    return inFlight;
  }

  async #poll(): Promise<ChainHead> {
    const startedAt = this.#clock();
    const block = await this.#provider.getBlock("latest");
    if (block === null) {
      throw new ChainHeadUnavailableError("The provider returned no latest block", {
        hint: "Check the RPC endpoint: it must serve eth_getBlockByNumber(latest).",
      });
    }
    const previous = this.#head;
    let number = BigInt(block.number);
    let timestamp = BigInt(block.timestamp);
    if (previous !== undefined && previous.number > number) number = previous.number;
    if (previous !== undefined && previous.timestamp > timestamp) timestamp = previous.timestamp;
    if (this.#events !== undefined) await this.#applyEvents(number);
    this.#head = { number, timestamp };
    this.#headAt = startedAt;
    this.#sweep(number);
    return this.#head;
  }

  /** Drops what is cached for every sender a broker event named in the blocks up to `head`. */
  async #applyEvents(head: bigint): Promise<void> {
    const from = this.#logsThrough;
    if (from === undefined || head <= from) {
      if (from === undefined) this.#logsThrough = head;
      return;
    }
    this.#logsThrough = head;
    if (head - from > BigInt(MAX_LOG_RANGE)) {
      this.#cache.clear();
      return;
    }
    let logs: readonly { readonly topics: readonly string[] }[];
    try {
      logs = await this.#provider.getLogs!({
        address: this.#events!.broker,
        fromBlock: Number(from + 1n),
        toBlock: Number(head),
        topics: [SENDER_STATE_TOPICS],
      });
    } catch {
      // Events unknown: forget everything rather than trust values they may have changed.
      this.#cache.clear();
      return;
    }
    for (const log of logs) {
      const topic = log.topics[1];
      if (topic !== undefined) this.#cache.delete(`0x${topic.slice(26)}`.toLowerCase());
    }
  }

  async #cached<T>(
    sender: `0x${string}`,
    kind: string,
    maxAge: bigint,
    read: () => Promise<T>,
  ): Promise<T> {
    const { number } = await this.head();
    const key = sender.toLowerCase();
    let values = this.#cache.get(key);
    const hit = values?.get(kind);
    if (hit !== undefined && number - hit.block <= hit.maxAge) return hit.value as Promise<T>;
    if (values === undefined) {
      values = new Map();
      this.#cache.set(key, values);
    }
    const entry: Entry = { block: number, maxAge, value: read() };
    values.set(kind, entry);
    const map = values;
    void entry.value.catch(() => {
      if (map.get(kind) === entry) map.delete(kind);
    });
    return entry.value as Promise<T>;
  }

  /** Drops entries too old to be used again, once per new head. */
  #sweep(head: bigint): void {
    if (head === this.#sweptAt) return;
    this.#sweptAt = head;
    for (const [sender, values] of this.#cache) {
      for (const [kind, entry] of values) {
        if (head - entry.block > entry.maxAge) values.delete(kind);
      }
      if (values.size === 0) this.#cache.delete(sender);
    }
  }
}

/**
 * Address shapes checked (O(1), no hashing: the cache sits on the ticket path), as a rejected
 * promise for the first one that is malformed, else undefined.
 */
function refused(...fields: [unknown, string][]): Promise<never> | undefined {
  try {
    for (const [value, field] of fields) assertAddressShape(value, field);
    return undefined;
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

/**
 * An ethers `JsonRpcProvider` configured for the hot path: it never asks for the chain id
 * again once known (`staticNetwork`), sends each request at once instead of waiting 10 ms to
 * batch it (`batchMaxCount: 1`), and keeps no result cache of its own (`cacheTimeout: -1`). Pass `chainId` when you know it (then no request is spent
 * detecting it); a caller building its own provider should pass the same two options.
 *
 * @example
 * ```ts
 * const provider = createProvider("https://arb1.arbitrum.io/rpc", { chainId: 42161n });
 * ```
 */
export function createProvider(
  url: string,
  options: {
    chainId?: bigint | number;
    /** Set above 1 to batch requests, with `batchStallTime` ms of waiting (default 0). */
    batchMaxCount?: number;
    batchStallTime?: number;
  } = {},
): JsonRpcProvider {
  assertString(url, "url", { nonEmpty: true });
  if (!/^(https?|wss?):\/\/./i.test(url)) {
    throw new InvalidInputError("url must be an http(s) or ws(s) JSON-RPC URL", {
      details: { field: "url", received: describeValue(url) },
      hint: "Pass the node's JSON-RPC endpoint, e.g. http://127.0.0.1:8545.",
    });
  }
  assertObject(options, "createProvider options");
  if (options.chainId !== undefined) {
    if (typeof options.chainId === "number") assertInteger(options.chainId, "chainId", { min: 1 });
    else assertBigint(options.chainId, "chainId", { min: 1n });
  }
  if (options.batchMaxCount !== undefined) {
    assertInteger(options.batchMaxCount, "batchMaxCount", { min: 1 });
  }
  if (options.batchStallTime !== undefined) assertInteger(options.batchStallTime, "batchStallTime");
  const network = options.chainId === undefined ? undefined : Network.from(BigInt(options.chainId));
  return new JsonRpcProvider(url, network, {
    staticNetwork: network ?? true,
    // The reader's cache decides freshness; ethers' own 250 ms result cache would only blur it.
    cacheTimeout: -1,
    batchMaxCount: options.batchMaxCount ?? 1,
    batchStallTime: options.batchStallTime ?? 0,
  });
}
