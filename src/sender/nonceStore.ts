import { assertBigint, assertObject, describeValue, normalizeAddress } from "../ticket/inputs.js";
import { NonceStoreError } from "./errors.js";

/** The largest nonce the broker accepts (it stores nonces in 96 bits). */
export const MAX_SENDER_NONCE = (1n << 96n) - 1n;

/** An inclusive range of sender nonces, `first` ≤ `last`. */
export interface NonceRange {
  readonly first: bigint;
  readonly last: bigint;
}

/**
 * Where a sender reserves ranges of nonces for one recipient. The broker accepts a ticket only if
 * its nonce is above the highest nonce redeemed for the (sender, recipient) pair, so a sender must
 * never hand out a nonce twice or go below one it used: a reused nonce is a ticket the recipient
 * refuses (or, worse, a winner one of them can never redeem).
 *
 * A store's promise: every range {@link NonceStore.reserve} resolves with is disjoint from every
 * range it (or any other store instance over the same backing storage, in any process) resolved
 * with before, including before a crash or restart; every range a store instance returns lies
 * above all ranges that instance returned before; and the reservation is durable before the
 * promise resolves. {@link MemoryNonceStore} keeps this within one process (tests);
 * `FileNonceStore` keeps it across processes and restarts.
 *
 * Senders do not call a store per ticket: a {@link NonceAllocator} reserves a block at a time
 * and hands its nonces out in order.
 *
 * @example
 * ```ts
 * const store: NonceStore = new MemoryNonceStore({ blockSize: 100n });
 * await store.reserve({ sender, recipient }); // { first: 1n, last: 100n }
 * await store.reserve({ sender, recipient, above: 1000n }); // { first: 1001n, last: 1100n }
 * ```
 */
export interface NonceStore {
  /**
   * Reserves a fresh range of nonces for the pair, all above `above` (default 0, so nonces
   * start at 1; pass the broker's highestRedeemedNonce to stay above it even if the store was
   * lost).
   */
  reserve(args: {
    sender: `0x${string}`;
    recipient: `0x${string}`;
    above?: bigint;
  }): Promise<NonceRange>;
}

/** The pair key used by stores: both addresses lowercased. */
export function noncePairKey(sender: `0x${string}`, recipient: `0x${string}`): string {
  return `${normalizeAddress(sender, "sender")}-${normalizeAddress(recipient, "recipient")}`;
}

/** Checks a block size option: a positive integer small enough to leave room for many blocks. */
export function checkBlockSize(blockSize: bigint): bigint {
  if (typeof blockSize !== "bigint" || blockSize < 1n || blockSize > 1n << 48n) {
    throw new NonceStoreError("Nonce block size out of range", {
      details: { blockSize: describeValue(blockSize) },
      hint: "Use a block size between 1 and 2^48 (the default, 1000, suits most senders).",
    });
  }
  return blockSize;
}

/** Throws when a range would run past the broker's 96-bit nonce limit. */
export function checkNonceLimit(range: NonceRange): NonceRange {
  if (range.last > MAX_SENDER_NONCE) {
    throw new NonceStoreError("Sender nonces for this recipient are exhausted", {
      details: { first: range.first, last: range.last, max: MAX_SENDER_NONCE },
      hint: "The broker only accepts nonces below 2^96; pay this recipient from another sender account.",
    });
  }
  return range;
}

/**
 * A {@link NonceStore} in memory, for tests and single-process tools that never restart with
 * tickets outstanding. Its reservations are lost with the process: do not use it in production.
 *
 * @example
 * ```ts
 * const store = new MemoryNonceStore();
 * const { first, last } = await store.reserve({ sender, recipient }); // 1n, 1000n
 * ```
 */
export class MemoryNonceStore implements NonceStore {
  readonly blockSize: bigint;
  readonly #highest = new Map<string, bigint>();

  constructor(options: { blockSize?: bigint } = {}) {
    assertObject(options, "MemoryNonceStore options");
    this.blockSize = checkBlockSize(options.blockSize ?? 1000n);
  }

  async reserve(args: {
    sender: `0x${string}`;
    recipient: `0x${string}`;
    above?: bigint;
  }): Promise<NonceRange> {
    await Promise.resolve();
    assertObject(args, "reserve arguments");
    const key = noncePairKey(args.sender, args.recipient);
    if (args.above !== undefined) assertBigint(args.above, "above");
    const previous = this.#highest.get(key) ?? 0n;
    const above = args.above ?? 0n;
    const first = (previous > above ? previous : above) + 1n;
    const range = checkNonceLimit({ first, last: first + this.blockSize - 1n });
    this.#highest.set(key, range.last);
    return range;
  }
}
