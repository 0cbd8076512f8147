import { assertBigint, assertHasMethods, assertObject, describeValue } from "../ticket/inputs.js";
import { NonceStoreError } from "./errors.js";
import { noncePairKey, type NonceRange, type NonceStore } from "./nonceStore.js";

/**
 * Hands out sender nonces per recipient from ranges reserved in a {@link NonceStore}: the store
 * is consulted once per block, not once per ticket. Nonces from one allocator strictly increase
 * per recipient; concurrent calls for the same recipient are serialised.
 *
 * Unused nonces of a reserved block are skipped after a restart (a gap is harmless: the broker
 * only needs nonces to grow).
 *
 * @example
 * ```ts
 * const allocator = new NonceAllocator({ store: new FileNonceStore({ directory }) });
 * const nonces = await allocator.take({ sender, recipient, count: 3n }); // [1n, 2n, 3n]
 * ```
 */
export class NonceAllocator {
  readonly #store: NonceStore;
  readonly #current = new Map<string, { next: bigint; last: bigint }>();
  readonly #queue = new Map<string, Promise<unknown>>();

  constructor(options: { store: NonceStore }) {
    assertObject(options, "NonceAllocator options");
    assertHasMethods(options.store, "store", ["reserve"]);
    this.#store = options.store;
  }

  /**
   * Returns `count` fresh nonces for the pair in increasing order, all above `above` (pass the
   * broker's highestRedeemedNonce for the pair to stay above it even with a fresh store).
   */
  take(args: {
    sender: `0x${string}`;
    recipient: `0x${string}`;
    count: bigint;
    above?: bigint;
  }): Promise<bigint[]> {
    let key: string;
    try {
      assertObject(args, "take arguments");
      key = noncePairKey(args.sender, args.recipient);
      if (args.above !== undefined) assertBigint(args.above, "above");
    } catch (err) {
      return Promise.reject(err);
    }
    if (typeof args.count !== "bigint" || args.count < 1n || args.count > 1_000_000n) {
      return Promise.reject(
        new NonceStoreError("Nonce count out of range", {
          details: { count: describeValue(args.count) },
          hint: "Ask for between 1 and 1,000,000 nonces at a time.",
        }),
      );
    }
    const previous = this.#queue.get(key) ?? Promise.resolve();
    const run = previous.then(
      () => this.#take(key, args),
      () => this.#take(key, args),
    );
    this.#queue.set(key, run);
    return run;
  }

  async #take(
    key: string,
    args: { sender: `0x${string}`; recipient: `0x${string}`; count: bigint; above?: bigint },
  ): Promise<bigint[]> {
    const nonces: bigint[] = [];
    const above = args.above ?? 0n;
    while (BigInt(nonces.length) < args.count) {
      let block = this.#current.get(key);
      if (block !== undefined && block.next <= above)
        block = above < block.last ? { next: above + 1n, last: block.last } : undefined;
      if (block === undefined || block.next > block.last) {
        const range: NonceRange = await this.#store.reserve({
          sender: args.sender,
          recipient: args.recipient,
          above,
        });
        block = { next: range.first, last: range.last };
      }
      nonces.push(block.next);
      block = { next: block.next + 1n, last: block.last };
      this.#current.set(key, block);
    }
    return nonces;
  }
}
