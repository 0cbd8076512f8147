import { randomUUID } from "node:crypto";

import { MemoryReplayStore } from "../../recipient/replayStore.js";
import { MemoryNonceStore } from "../../sender/nonceStore.js";
import type { Store } from "../types.js";
import { MemoryLeaderLock } from "./memoryLeaderLock.js";
import { MemoryPaymentLedger } from "./memoryLedger.js";
import { MemorySessionStore } from "./memorySessionStore.js";
import { MemoryDurableWinnerStore } from "./memoryWinnerStore.js";
import { assertObject } from "../../ticket/inputs.js";

/**
 * Every store in process memory (`memory:`): for tests and tools that keep nothing across a
 * restart. Replay state reports `durable: false`, so a recipient on it keeps refusing params
 * from earlier runs.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * await store.nonces.reserve({ sender, recipient }); // { first: 1n, last: 1000n }
 * ```
 */
export class MemoryStore implements Store {
  readonly kind = "memory" as const;
  readonly nonces: MemoryNonceStore;
  readonly ledger = new MemoryPaymentLedger();
  readonly replay = new MemoryReplayStore();
  readonly sessions = new MemorySessionStore();
  readonly winners = new MemoryDurableWinnerStore();
  readonly locks: MemoryLeaderLock;

  /**
   * @param options.blockSize Nonces per reserved block (default 1000).
   * @param options.lockScope Stores built with the same scope compete for the same lock names.
   */
  constructor(options: { blockSize?: bigint; lockScope?: string } = {}) {
    assertObject(options, "MemoryStore options");
    this.nonces = new MemoryNonceStore(
      options.blockSize === undefined ? {} : { blockSize: options.blockSize },
    );
    this.locks = new MemoryLeaderLock(options.lockScope ?? randomUUID());
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return this.locks.releaseAll();
  }
}
