/**
 * A JSON-RPC provider that counts every request it sends, per method: each service of the demo
 * gets its own, so the summary can say how many chain requests each one made.
 */
import { BrowserProvider, type Eip1193Provider } from "ethers";

/** Requests sent, per JSON-RPC method. */
export class RpcCounter {
  readonly #byMethod = new Map<string, number>();

  /** Counts one request of `method`. */
  add(method: string): void {
    this.#byMethod.set(method, (this.#byMethod.get(method) ?? 0) + 1);
  }

  /** Requests sent so far. */
  get total(): number {
    let sum = 0;
    for (const n of this.#byMethod.values()) sum += n;
    return sum;
  }

  /** Requests per method, most frequent first. */
  byMethod(): [string, number][] {
    return [...this.#byMethod.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }
}

/**
 * An ethers provider over `inner` (the in-process chain's EIP-1193 provider) that counts each
 * request in `counter` before forwarding it. The chain id is fixed so that ethers does not ask
 * for it before every call; the one request it needs at start is counted too.
 */
export function countingProvider(
  inner: Eip1193Provider,
  counter: RpcCounter,
  chainId: bigint,
): BrowserProvider {
  const counted: Eip1193Provider = {
    request(args) {
      counter.add(args.method);
      return inner.request(args);
    },
  };
  return new BrowserProvider(counted, chainId, { staticNetwork: true, cacheTimeout: -1 });
}
