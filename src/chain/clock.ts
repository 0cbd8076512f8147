/**
 * The one rule for "now" (docs/clock.md): a time the library judges against is the later of
 * the chain's time (the latest block's timestamp) and the host's wall clock.
 *
 * The broker judges a ticket at redemption by that block's timestamp, which is at least the
 * latest block's timestamp and, on a chain that mines on demand (a local node idle for a
 * while), close to the wall clock of the moment the next block is mined. Taking the later of
 * the two means nothing is accepted that either clock already calls expired, and params are
 * never issued with a deadline that either clock already calls past. A wall clock that runs
 * ahead only makes checks stricter; one that runs behind is outvoted by the chain.
 */
import type { BrokerReader } from "./brokerReader.js";
import { assertFunction, assertHasMethods, InvalidInputError } from "../ticket/inputs.js";

/** The host's clock in whole Unix seconds. */
export type WallClock = () => bigint;

/** `Date.now()` in whole Unix seconds (rounded down). */
export const systemWallClock: WallClock = () => BigInt(Math.floor(Date.now() / 1000));

/** One reading of both clocks and the time the library uses. */
export interface ClockReading {
  /** The latest block's timestamp (Unix seconds). */
  readonly chain: bigint;
  /** The host's wall clock (Unix seconds). */
  readonly wall: bigint;
  /** max(chain, wall): the time validity checks and params issuance use. */
  readonly now: bigint;
}

/**
 * Reads "now" as max(chain time, wall clock). See docs/clock.md for why.
 *
 * @example
 * ```ts
 * const clock = new Clock({ reader });
 * const { chain, wall, now } = await clock.read(); // now = max(chain, wall)
 * ```
 */
export class Clock {
  readonly #reader: Pick<BrokerReader, "now">;
  readonly #wall: WallClock;

  constructor(options: { reader: Pick<BrokerReader, "now">; wallClock?: WallClock }) {
    assertHasMethods(options?.reader, "reader", ["now"]);
    if (options.wallClock !== undefined) assertFunction(options.wallClock, "wallClock");
    this.#reader = options.reader;
    this.#wall = options.wallClock ?? systemWallClock;
  }

  /** Both clocks and their maximum. */
  async read(): Promise<ClockReading> {
    const chain = await this.#reader.now();
    const wall = this.#wall();
    if (typeof wall !== "bigint" || wall < 0n) {
      throw new InvalidInputError("The wall clock must return whole Unix seconds as a bigint", {
        details: { field: "wallClock()", received: typeof wall },
        hint: "Pass wallClock: () => BigInt(Math.floor(Date.now() / 1000)), or leave it out.",
      });
    }
    return { chain, wall, now: chain > wall ? chain : wall };
  }

  /** max(chain time, wall clock) in Unix seconds. */
  async now(): Promise<bigint> {
    return (await this.read()).now;
  }
}

/**
 * A {@link BrokerReader} that answers `now()` with max(chain time, wall clock) and passes every
 * other read through. Give it to `Recipient` and `TicketSender` so that params issued on an
 * idle chain are not born expired and no ticket already expired by the wall clock is accepted.
 *
 * @example
 * ```ts
 * const reader = withWallClock(new ContractBrokerReader({ broker }));
 * const recipient = new Recipient({ address, secret, hasher, reader, winners, policy });
 * ```
 */
export function withWallClock(reader: BrokerReader, wallClock?: WallClock): BrokerReader {
  assertHasMethods(reader, "reader", ["now"]);
  const clock = new Clock(wallClock === undefined ? { reader } : { reader, wallClock });
  const now = (): Promise<bigint> => clock.now();
  // A proxy rather than a copy, so reads the interface gains later pass through unchanged.
  return new Proxy(reader, {
    get(target, prop) {
      if (prop === "now") return now;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
