/**
 * Runs tasks one at a time per key, in arrival order (other keys run concurrently). Used where
 * a read-decide-write step must not interleave within this process (spend limits, sessions).
 *
 * @example
 * ```ts
 * const mutex = new KeyedMutex();
 * await mutex.run("client-1", async () => decideAndWrite());
 * ```
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before.then(() => mine);
    this.#tails.set(key, tail);
    await before;
    try {
      return await task();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
