import {
  assertAddressShape,
  assertBigint,
  assertInteger,
  assertObject,
  assertString,
} from "../ticket/inputs.js";
import type { Hex } from "../internal/bytes.js";
import { refusal } from "./winnerStore.js";

/** What {@link ReplayStore.record} decided for one received nonce. */
export type ReplayOutcome =
  | { outcome: "accepted" }
  | { outcome: "reused" }
  | { outcome: "limit" }
  | { outcome: "belowFloor"; floor: bigint };

/**
 * The recipient's memory of the nonces it received, so that no ticket is credited twice.
 *
 * Per (recipient, sender) it keeps the nonces received on every params set that is still open
 * (`closesAt` = the params' deadline + grace), how many each params set holds, and the sender's
 * floor: the highest nonce received on params that have closed, or any higher floor raised by
 * the recipient. A nonce at or below the floor is refused, so a closed params set no longer needs
 * its nonces and {@link ReplayStore.prune} may drop them.
 *
 * A nonce is unique per (recipient, sender) across all its open params, as the broker's
 * `highestRedeemedNonce` makes a nonce payable once per pair.
 *
 * `durable` says whether what the store remembers survives a restart (and is shared by
 * replicas): a recipient over a durable store accepts params issued before it started, because
 * the store still knows their nonces; over a store that forgets, it refuses them.
 *
 * @example
 * ```ts
 * const replay: ReplayStore = new MemoryReplayStore();
 * const r = await replay.record({ recipient, sender, paramsKey, nonce: 7n, closesAt, maxPerParams: 100_000, now });
 * if (r.outcome === "accepted") credit(); // else refuse the ticket
 * ```
 */
export interface ReplayStore {
  /** Whether the remembered nonces survive a restart of the process. */
  readonly durable: boolean;
  /**
   * Atomic across replicas: records `nonce` as received on params `paramsKey` unless it was
   * already received (-> "reused"), the params already hold `maxPerParams` nonces (-> "limit"),
   * or nonce <= the sender's floor (-> "belowFloor", floor). closesAt = params deadline + grace.
   */
  record(a: {
    recipient: Hex;
    sender: Hex;
    paramsKey: string;
    nonce: bigint;
    closesAt: bigint;
    maxPerParams: number;
    now: bigint;
  }): Promise<ReplayOutcome>;
  /** Removes a nonce recorded by `record` (undo when a later check refuses the ticket). */
  forget(a: { recipient: Hex; sender: Hex; paramsKey: string; nonce: bigint }): Promise<void>;
  /** Sender's floor: max nonce over its params with closesAt < now, and any raised floor. */
  floor(a: { recipient: Hex; sender: Hex; now: bigint }): Promise<bigint>;
  raiseFloor(a: { recipient: Hex; sender: Hex; floor: bigint }): Promise<void>;
  /** Drops nonce rows of params closed before `before` (keeps their max in the floor). */
  prune(before: bigint): Promise<number>;
}

/** One params set still open in a {@link MemoryReplayStore}. */
interface OpenParams {
  readonly pair: string;
  readonly key: string;
  readonly closesAt: bigint;
  readonly nonces: Set<bigint>;
  maxNonce: bigint;
  /** False once folded into the floor (a heap entry may outlive its params). */
  open: boolean;
}

/** Per (recipient, sender): the floor and the nonces of its open params. */
interface PairState {
  floor: bigint;
  /** Every nonce on the pair's open params, to refuse a nonce reused across params in O(1). */
  readonly nonces: Set<bigint>;
}

/**
 * @internal O(1) checks of {@link ReplayStore} arguments, shared by every implementation: types
 * and address shapes only, since `record` runs once per received ticket.
 */
export const replayStoreArgs = {
  record(a: unknown): void {
    pairArgs(a, "record");
    const r = a as Record<string, unknown>;
    assertString(r["paramsKey"], "paramsKey", { nonEmpty: true });
    assertBigint(r["nonce"], "nonce");
    assertBigint(r["closesAt"], "closesAt");
    assertInteger(r["maxPerParams"], "maxPerParams", { min: 1 });
    assertBigint(r["now"], "now");
  },
  forget(a: unknown): void {
    pairArgs(a, "forget");
    const r = a as Record<string, unknown>;
    assertString(r["paramsKey"], "paramsKey", { nonEmpty: true });
    assertBigint(r["nonce"], "nonce");
  },
  floor(a: unknown): void {
    pairArgs(a, "floor");
    assertBigint((a as Record<string, unknown>)["now"], "now");
  },
  raiseFloor(a: unknown): void {
    pairArgs(a, "raiseFloor");
    assertBigint((a as Record<string, unknown>)["floor"], "floor");
  },
  prune(before: unknown): void {
    assertBigint(before, "before");
  },
};

function pairArgs(a: unknown, method: string): void {
  assertObject(a, `${method} arguments`);
  assertAddressShape(a["recipient"], "recipient");
  assertAddressShape(a["sender"], "sender");
}

/**
 * A {@link ReplayStore} in memory. Every operation is O(1) or O(log n) in the number of open
 * params: nonces sit in hash sets per params set and per pair; params close through a min-heap
 * on `closesAt`, folding their highest nonce into the pair's floor and dropping their nonces as
 * they close (a closed nonce is refused by the floor anyway). Time only moves forward: a params
 * set closed by the latest `now` seen stays closed.
 *
 * It forgets everything with the process, so it reports `durable: false` unless told otherwise
 * (tests pass `durable: true` to stand for a database shared across restarts).
 *
 * @example
 * ```ts
 * const replay = new MemoryReplayStore();
 * await replay.record({ recipient, sender, paramsKey, nonce: 1n, closesAt: 1_000n, maxPerParams: 10, now: 900n });
 * await replay.floor({ recipient, sender, now: 1_001n }); // 1n
 * ```
 */
export class MemoryReplayStore implements ReplayStore {
  readonly durable: boolean;
  readonly #pairs = new Map<string, PairState>();
  readonly #params = new Map<string, OpenParams>();
  /** Open params by `closesAt` (binary min-heap). */
  readonly #heap: OpenParams[] = [];
  #latestNow: bigint | undefined;

  constructor(options: { durable?: boolean } = {}) {
    assertObject(options, "MemoryReplayStore options");
    this.durable = options.durable ?? false;
  }

  record(a: {
    recipient: Hex;
    sender: Hex;
    paramsKey: string;
    nonce: bigint;
    closesAt: bigint;
    maxPerParams: number;
    now: bigint;
  }): Promise<ReplayOutcome> {
    const refused = refusal(() => replayStoreArgs.record(a));
    if (refused !== undefined) return refused;
    this.#close(a.now);
    const pair = this.#pair(a.recipient, a.sender);
    const state = this.#pairs.get(pair);
    if (state !== undefined && a.nonce <= state.floor) {
      return Promise.resolve({ outcome: "belowFloor", floor: state.floor });
    }
    if (state?.nonces.has(a.nonce) === true) return Promise.resolve({ outcome: "reused" });
    const key = `${pair}|${a.paramsKey.toLowerCase()}`;
    const open = this.#params.get(key);
    if ((open?.nonces.size ?? 0) >= a.maxPerParams) return Promise.resolve({ outcome: "limit" });
    if (a.closesAt < (this.#latestNow ?? a.closesAt)) {
      // Already closed: the nonce is above the floor, so it becomes the new floor at once.
      const s = this.#pairState(pair);
      s.floor = a.nonce;
      return Promise.resolve({ outcome: "accepted" });
    }
    const params = open ?? this.#open(pair, key, a.closesAt);
    params.nonces.add(a.nonce);
    if (a.nonce > params.maxNonce) params.maxNonce = a.nonce;
    this.#pairState(pair).nonces.add(a.nonce);
    return Promise.resolve({ outcome: "accepted" });
  }

  forget(a: { recipient: Hex; sender: Hex; paramsKey: string; nonce: bigint }): Promise<void> {
    const refused = refusal(() => replayStoreArgs.forget(a));
    if (refused !== undefined) return refused;
    const pair = this.#pair(a.recipient, a.sender);
    const params = this.#params.get(`${pair}|${a.paramsKey.toLowerCase()}`);
    if (params === undefined || !params.nonces.delete(a.nonce)) return Promise.resolve();
    this.#pairs.get(pair)?.nonces.delete(a.nonce);
    if (a.nonce === params.maxNonce) {
      // Rare (an undo): the params hold at most maxPerParams nonces.
      let max = 0n;
      for (const n of params.nonces) if (n > max) max = n;
      params.maxNonce = max;
    }
    return Promise.resolve();
  }

  floor(a: { recipient: Hex; sender: Hex; now: bigint }): Promise<bigint> {
    const refused = refusal(() => replayStoreArgs.floor(a));
    if (refused !== undefined) return refused;
    this.#close(a.now);
    return Promise.resolve(this.#pairs.get(this.#pair(a.recipient, a.sender))?.floor ?? 0n);
  }

  raiseFloor(a: { recipient: Hex; sender: Hex; floor: bigint }): Promise<void> {
    const refused = refusal(() => replayStoreArgs.raiseFloor(a));
    if (refused !== undefined) return refused;
    const state = this.#pairState(this.#pair(a.recipient, a.sender));
    if (a.floor > state.floor) state.floor = a.floor;
    return Promise.resolve();
  }

  prune(before: bigint): Promise<number> {
    const refused = refusal(() => replayStoreArgs.prune(before));
    if (refused !== undefined) return refused;
    return Promise.resolve(this.#close(before));
  }

  /** Number of nonces held for open params (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const p of this.#params.values()) n += p.nonces.size;
    return n;
  }

  #pair(recipient: Hex, sender: Hex): string {
    return `${recipient.toLowerCase()}|${sender.toLowerCase()}`;
  }

  #pairState(pair: string): PairState {
    let state = this.#pairs.get(pair);
    if (state === undefined) {
      state = { floor: 0n, nonces: new Set() };
      this.#pairs.set(pair, state);
    }
    return state;
  }

  #open(pair: string, key: string, closesAt: bigint): OpenParams {
    const params: OpenParams = { pair, key, closesAt, nonces: new Set(), maxNonce: 0n, open: true };
    this.#params.set(key, params);
    this.#push(params);
    return params;
  }

  /** Closes every params set with closesAt < now; returns the number of nonces dropped. */
  #close(now: bigint): number {
    if (this.#latestNow === undefined || now > this.#latestNow) this.#latestNow = now;
    const limit = this.#latestNow;
    let dropped = 0;
    while (this.#heap.length > 0 && (this.#heap[0] as OpenParams).closesAt < limit) {
      const params = this.#pop();
      if (!params.open) continue;
      params.open = false;
      this.#params.delete(params.key);
      const state = this.#pairState(params.pair);
      if (params.maxNonce > state.floor) state.floor = params.maxNonce;
      for (const n of params.nonces) state.nonces.delete(n);
      dropped += params.nonces.size;
    }
    return dropped;
  }

  #push(item: OpenParams): void {
    const h = this.#heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((h[parent] as OpenParams).closesAt <= item.closesAt) break;
      h[i] = h[parent] as OpenParams;
      i = parent;
    }
    h[i] = item;
  }

  #pop(): OpenParams {
    const h = this.#heap;
    const top = h[0] as OpenParams;
    const last = h.pop() as OpenParams;
    if (h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c =
        r < h.length && (h[r] as OpenParams).closesAt < (h[l] as OpenParams).closesAt ? r : l;
      if ((h[c] as OpenParams).closesAt >= last.closesAt) break;
      h[i] = h[c] as OpenParams;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
