import type { LeaderLock } from "../types.js";
import { refusal, storeArgs } from "../args.js";

/** Names held by memory lock instances of this process: one holder per name per process. */
const HELD = new Map<string, object>();

/**
 * A {@link LeaderLock} within one process: two instances compete like two processes would.
 * For tests and single-process deployments.
 *
 * @example
 * ```ts
 * const a = new MemoryLeaderLock();
 * await a.tryAcquire("redeemer"); // true
 * await new MemoryLeaderLock().tryAcquire("redeemer"); // false
 * ```
 */
export class MemoryLeaderLock implements LeaderLock {
  readonly #held = new Set<string>();
  readonly #owner = {};

  /** @param scope Separates stores (each memory store is its own world). */
  constructor(readonly scope = "default") {
    storeArgs.lockName(scope);
  }

  tryAcquire(name: string): Promise<boolean> {
    const refused = refusal(() => storeArgs.lockName(name));
    if (refused !== undefined) return refused;
    const key = `${this.scope}\u0000${name}`;
    const owner = HELD.get(key);
    if (owner !== undefined && owner !== this.#owner) return Promise.resolve(false);
    HELD.set(key, this.#owner);
    this.#held.add(name);
    return Promise.resolve(true);
  }

  release(name: string): Promise<void> {
    const refused = refusal(() => storeArgs.lockName(name));
    if (refused !== undefined) return refused;
    const key = `${this.scope}\u0000${name}`;
    if (HELD.get(key) === this.#owner) HELD.delete(key);
    this.#held.delete(name);
    return Promise.resolve();
  }

  /** Releases every lock this instance holds. */
  releaseAll(): Promise<void> {
    for (const name of [...this.#held]) void this.release(name);
    return Promise.resolve();
  }
}
