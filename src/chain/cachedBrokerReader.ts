import { JsonRpcProvider, Network } from "ethers";

import { TicketBrokerError } from "../errors.js";
import type { BrokerReader, SenderFunds } from "./brokerReader.js";

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
}

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
}

interface Entry {
  /** Head block number observed before the read was sent. */
  readonly block: bigint;
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
 * `now()` is the timestamp of the latest head observed, and never runs backwards (a node that
 * answers from behind does not move the clock back).
 *
 * @example
 * ```ts
 * const provider = createProvider(url, { chainId: 42161n });
 * const broker = TicketBroker__factory.connect(address, provider);
 * const reader = new CachedBrokerReader({
 *   reader: new ContractBrokerReader({ broker }), provider, pollMs: 1_000, maxAgeBlocks: 4,
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

  constructor(options: CachedBrokerReaderOptions) {
    this.#reader = options.reader;
    this.#provider = options.provider;
    this.pollMs = options.pollMs ?? 1_000;
    this.maxAgeBlocks = BigInt(options.maxAgeBlocks ?? 0);
    this.#clock = options.clock ?? Date.now;
    if (!(this.pollMs >= 0) || this.maxAgeBlocks < 0n) {
      throw new ChainHeadUnavailableError("pollMs and maxAgeBlocks must not be negative", {
        details: { pollMs: this.pollMs, maxAgeBlocks: this.maxAgeBlocks },
        hint: "Pass pollMs ≥ 0 (milliseconds) and maxAgeBlocks ≥ 0 (blocks).",
      });
    }
  }

  senderFunds(sender: `0x${string}`): Promise<SenderFunds> {
    return this.#cached(sender, "funds", () => this.#reader.senderFunds(sender));
  }

  claimableReserve(sender: `0x${string}`, recipient: `0x${string}`): Promise<bigint> {
    return this.#cached(sender, `claimable:${recipient.toLowerCase()}`, () =>
      this.#reader.claimableReserve(sender, recipient),
    );
  }

  highestRedeemedNonce(sender: `0x${string}`, recipient: `0x${string}`): Promise<bigint> {
    return this.#cached(sender, `redeemed:${recipient.toLowerCase()}`, () =>
      this.#reader.highestRedeemedNonce(sender, recipient),
    );
  }

  signerValidUntil(sender: `0x${string}`, signer: `0x${string}`): Promise<bigint> {
    return this.#cached(sender, `signer:${signer.toLowerCase()}`, () =>
      this.#reader.signerValidUntil(sender, signer),
    );
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
    const startedAt = this.#clock();
    const inFlight = this.#provider.getBlock("latest").then((block) => {
      if (block === null) {
        throw new ChainHeadUnavailableError("The provider returned no latest block", {
          hint: "Check the RPC endpoint: it must serve eth_getBlockByNumber(latest).",
        });
      }
      const previous = this.#head;
      const number = BigInt(block.number);
      const timestamp = BigInt(block.timestamp);
      this.#head = {
        number: previous !== undefined && previous.number > number ? previous.number : number,
        timestamp:
          previous !== undefined && previous.timestamp > timestamp ? previous.timestamp : timestamp,
      };
      this.#headAt = startedAt;
      this.#sweep(this.#head.number);
      return this.#head;
    });
    this.#headInFlight = inFlight;
    const clear = (): void => {
      if (this.#headInFlight === inFlight) this.#headInFlight = undefined;
    };
    inFlight.then(clear, clear);
    return inFlight;
  }

  async #cached<T>(sender: `0x${string}`, kind: string, read: () => Promise<T>): Promise<T> {
    const { number } = await this.head();
    const key = sender.toLowerCase();
    let values = this.#cache.get(key);
    const hit = values?.get(kind);
    if (hit !== undefined && number - hit.block <= this.maxAgeBlocks)
      return hit.value as Promise<T>;
    if (values === undefined) {
      values = new Map();
      this.#cache.set(key, values);
    }
    const entry: Entry = { block: number, value: read() };
    values.set(kind, entry);
    const map = values;
    entry.value.catch(() => {
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
        if (head - entry.block > this.maxAgeBlocks) values.delete(kind);
      }
      if (values.size === 0) this.#cache.delete(sender);
    }
  }
}

/**
 * An ethers `JsonRpcProvider` configured for the hot path: it never asks for the chain id
 * again once known (`staticNetwork`), and sends each request at once instead of waiting 10 ms to
 * batch it (`batchMaxCount: 1`). Pass `chainId` when you know it (then no request is spent
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
  const network = options.chainId === undefined ? undefined : Network.from(BigInt(options.chainId));
  return new JsonRpcProvider(url, network, {
    staticNetwork: network ?? true,
    batchMaxCount: options.batchMaxCount ?? 1,
    batchStallTime: options.batchStallTime ?? 0,
  });
}
