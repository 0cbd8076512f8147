import { Contract, type ContractRunner } from "ethers";

import { assertAddress, assertFunction, assertObject, describeValue } from "../ticket/inputs.js";
import { Rational } from "../math/rational.js";
import {
  NonPositivePriceFeedAnswerError,
  PriceFeedDecimalsError,
  PriceFeedNotReadyError,
  PriceFeedPairError,
  PriceFeedReadError,
  StalePriceFeedError,
  InvalidPriceError,
} from "./errors.js";
import { WEI_PER_ETH } from "./parsePrice.js";

/** The read side of a Chainlink AggregatorV3 feed, as ethers needs it. */
export const AGGREGATOR_V3_ABI = [
  "function decimals() view returns (uint8)",
  "function description() view returns (string)",
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
] as const;

/**
 * Default maximum age of a feed answer: 25 hours. Chainlink's USD feeds on Arbitrum publish at
 * least once per 24-hour heartbeat (and on every 0.05% move), so a healthy feed is never older;
 * one hour of slack absorbs a late round. Set `maxAgeSeconds` to your feed's heartbeat + slack.
 */
export const DEFAULT_MAX_FEED_AGE_SECONDS = 25n * 3600n;

/** Anything that converts one unit of a currency to wei, exactly. {@link PriceFeed} is one. */
export interface CurrencyRate {
  /** The currency code, upper case (e.g. "USD"). */
  readonly currency: string;
  /** Wei per one unit of `currency`; throws when no fresh answer is available. */
  weiPerCurrencyUnit(): Rational;
}

/** The last answer a {@link PriceFeed} accepted. */
export interface PriceFeedAnswer {
  readonly roundId: bigint;
  /** The raw answer, scaled by 10^decimals. */
  readonly answer: bigint;
  readonly decimals: number;
  readonly description: string;
  /** Unix seconds. */
  readonly updatedAt: bigint;
  /** Wei per one unit of the currency, exact. */
  readonly weiPerCurrencyUnit: Rational;
}

/** Timer functions, injectable so periodic refresh can be driven by hand in tests. */
export interface FeedTimer {
  /** Calls `callback` every `intervalMs` ms; the callback's promise never rejects. */
  set(callback: () => Promise<void>, intervalMs: number): unknown;
  clear(handle: unknown): void;
}

const systemTimer: FeedTimer = {
  set: (callback, intervalMs) => {
    const handle = setInterval(() => void callback(), intervalMs);
    handle.unref();
    return handle;
  },
  clear: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/** Options of {@link PriceFeed}. */
export interface PriceFeedOptions {
  /** The AggregatorV3 (proxy) address. */
  address: string;
  /** A provider (or signer) on the feed's chain. */
  runner: ContractRunner;
  /** The currency the feed converts, e.g. "USD". Its pair must have ETH on the other side. */
  currency: string;
  /** The decimals the feed must report (8 for Chainlink USD feeds, 18 for ETH-quoted feeds). */
  expectedDecimals: number;
  /** Refuse answers older than this many seconds (default {@link DEFAULT_MAX_FEED_AGE_SECONDS}). */
  maxAgeSeconds?: bigint;
  /** The current unix time in seconds (default: the system clock). */
  nowSeconds?: () => bigint;
  /** Called with the error when a periodic refresh fails; the previous answer stays until stale. */
  onError?: (error: unknown) => void;
  /** Timer for periodic refresh (default: setInterval, unref'd). */
  timer?: FeedTimer;
}

/**
 * A currency → wei rate read from a Chainlink AggregatorV3 feed with ethers. Accepts feeds whose
 * pair has ETH on one side and the currency on the other, in either direction ("ETH / USD" quotes
 * USD per ETH; "USD / ETH" or "BTC / ETH" quote ETH per unit). Every read checks that the
 * decimals equal `expectedDecimals`, the answer is positive and not older than `maxAgeSeconds`;
 * the age is checked again each time the rate is used, so a stalled refresh cannot serve an old
 * price.
 *
 * @example
 * ```ts
 * const feed = await PriceFeed.open({
 *   address: ARBITRUM_ONE_ETH_USD_FEED.address, runner: provider, currency: "USD", expectedDecimals: 8,
 * });
 * feed.start({ intervalMs: 60_000 });
 * const price = resolvePrice({ setting: parsePriceSetting({ pricePerUnit: "0.41USD", pixelsPerUnit: "1e12" }), feed });
 * ```
 */
export class PriceFeed implements CurrencyRate {
  readonly address: string;
  readonly currency: string;
  readonly expectedDecimals: number;
  readonly maxAgeSeconds: bigint;
  private readonly contract: Contract;
  private readonly nowSeconds: () => bigint;
  private readonly onError: (error: unknown) => void;
  private readonly timer: FeedTimer;
  private latestAnswer: PriceFeedAnswer | undefined;
  private intervalHandle: unknown;

  constructor(options: PriceFeedOptions) {
    assertObject(options, "PriceFeed options");
    assertAddress(options.address, "address");
    if (options.runner !== null && options.runner !== undefined) {
      assertObject(options.runner, "runner");
    }
    const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_FEED_AGE_SECONDS;
    if (
      typeof options.currency !== "string" ||
      typeof maxAge !== "bigint" ||
      !Number.isInteger(options.expectedDecimals) ||
      options.expectedDecimals < 0 ||
      options.expectedDecimals > 77 ||
      maxAge < 1n ||
      !/^[A-Za-z]{2,10}$/.test(options.currency)
    ) {
      throw new InvalidPriceError("Invalid price feed options", {
        details: {
          currency: describeValue(options.currency),
          expectedDecimals: describeValue(options.expectedDecimals),
          maxAgeSeconds: describeValue(maxAge),
        },
        hint: "Give a currency code (letters), expectedDecimals in 0..77 and maxAgeSeconds ≥ 1.",
      });
    }
    this.address = options.address;
    this.currency = options.currency.toUpperCase();
    this.expectedDecimals = options.expectedDecimals;
    this.maxAgeSeconds = maxAge;
    this.contract = new Contract(options.address, AGGREGATOR_V3_ABI, options.runner);
    if (options.nowSeconds !== undefined) assertFunction(options.nowSeconds, "nowSeconds");
    if (options.onError !== undefined) assertFunction(options.onError, "onError");
    if (options.timer !== undefined) assertObject(options.timer, "timer");
    this.nowSeconds = options.nowSeconds ?? (() => BigInt(Math.floor(Date.now() / 1000)));
    this.onError = options.onError ?? (() => {});
    this.timer = options.timer ?? systemTimer;
  }

  /** Creates a feed and reads it once, so it is ready to use. */
  static async open(options: PriceFeedOptions): Promise<PriceFeed> {
    const feed = new PriceFeed(options);
    await feed.refresh();
    return feed;
  }

  /**
   * Reads the feed and, if the answer passes every check, makes it the current rate. On any
   * failure the previous answer is kept (it is still refused once it is too old) and the error
   * is thrown.
   */
  async refresh(): Promise<PriceFeedAnswer> {
    let decimalsRaw: bigint;
    let description: string;
    let round: { roundId: bigint; answer: bigint; updatedAt: bigint };
    try {
      const [d, desc, r] = await Promise.all([
        this.contract.getFunction("decimals")(),
        this.contract.getFunction("description")(),
        this.contract.getFunction("latestRoundData")(),
      ]);
      decimalsRaw = BigInt(d as bigint);
      description = String(desc);
      const result = r as { roundId: bigint; answer: bigint; updatedAt: bigint };
      round = { roundId: result.roundId, answer: result.answer, updatedAt: result.updatedAt };
    } catch (cause) {
      throw new PriceFeedReadError(`Could not read price feed ${this.address}`, {
        details: { address: this.address },
        hint: "Check the feed address, that the provider is on the feed's chain, and the RPC endpoint.",
        cause,
      });
    }
    const decimals = Number(decimalsRaw);
    if (decimals !== this.expectedDecimals) {
      throw new PriceFeedDecimalsError(
        `Price feed ${this.address} reports ${decimals} decimals, expected ${this.expectedDecimals}`,
        {
          details: { address: this.address, decimals, expectedDecimals: this.expectedDecimals },
          hint: "Check that the address is the feed you meant, then set expectedDecimals to its decimals.",
        },
      );
    }
    const direction = this.pairDirection(description);
    if (round.answer <= 0n) {
      throw new NonPositivePriceFeedAnswerError(
        `Price feed ${this.address} (${description}) answered ${round.answer}`,
        {
          details: { address: this.address, answer: round.answer, roundId: round.roundId },
          hint: "The feed is broken or paused; keep the last price and alert an operator.",
        },
      );
    }
    this.assertFresh(round.updatedAt, description);
    const scale = 10n ** BigInt(decimals);
    const weiPerCurrencyUnit =
      direction === "ethBase"
        ? // answer = currency per ETH × 10^decimals, so one currency unit = 10^18 × 10^decimals / answer wei.
          Rational.of(WEI_PER_ETH * scale, round.answer)
        : // answer = ETH per currency unit × 10^decimals.
          Rational.of(round.answer * WEI_PER_ETH, scale);
    this.latestAnswer = Object.freeze({
      roundId: round.roundId,
      answer: round.answer,
      decimals,
      description,
      updatedAt: round.updatedAt,
      weiPerCurrencyUnit,
    });
    return this.latestAnswer;
  }

  /** The last accepted answer, or undefined before the first successful refresh. */
  get latest(): PriceFeedAnswer | undefined {
    return this.latestAnswer;
  }

  /**
   * Wei per one unit of the currency from the last accepted answer. Throws
   * {@link PriceFeedNotReadyError} before the first refresh and {@link StalePriceFeedError} when
   * that answer has grown older than `maxAgeSeconds`.
   */
  weiPerCurrencyUnit(): Rational {
    const latest = this.latestAnswer;
    if (latest === undefined) {
      throw new PriceFeedNotReadyError(`Price feed ${this.address} has no answer yet`, {
        details: { address: this.address },
        hint: "Await refresh() (or use PriceFeed.open) before converting prices.",
      });
    }
    this.assertFresh(latest.updatedAt, latest.description);
    return latest.weiPerCurrencyUnit;
  }

  /**
   * Refreshes every `intervalMs` milliseconds until {@link stop}. Failures go to `onError` and
   * leave the previous answer in place (refused once stale).
   */
  start({ intervalMs }: { intervalMs: number }): void {
    if (!Number.isFinite(intervalMs) || intervalMs < 1) {
      throw new InvalidPriceError(`Invalid refresh interval: ${intervalMs} ms`, {
        details: { intervalMs },
        hint: "Pass a positive number of milliseconds, such as 60000.",
      });
    }
    this.stop();
    this.intervalHandle = this.timer.set(async () => {
      try {
        await this.refresh();
      } catch (error) {
        this.onError(error);
      }
    }, intervalMs);
  }

  /** Stops periodic refresh. */
  stop(): void {
    if (this.intervalHandle !== undefined) {
      this.timer.clear(this.intervalHandle);
      this.intervalHandle = undefined;
    }
  }

  private pairDirection(description: string): "ethBase" | "ethQuote" {
    const parts = description.split("/").map((p) => p.trim().toUpperCase());
    if (parts.length === 2 && parts[0] === "ETH" && parts[1] === this.currency) return "ethBase";
    if (parts.length === 2 && parts[0] === this.currency && parts[1] === "ETH") return "ethQuote";
    throw new PriceFeedPairError(
      `Price feed ${this.address} quotes "${description}", not ETH against ${this.currency}`,
      {
        details: { address: this.address, description, currency: this.currency },
        hint: `Use a feed whose pair is "ETH / ${this.currency}" or "${this.currency} / ETH", or change the price's currency suffix.`,
      },
    );
  }

  private assertFresh(updatedAt: bigint, description: string): void {
    const now = this.nowSeconds();
    const age = now - updatedAt;
    if (updatedAt === 0n || age > this.maxAgeSeconds) {
      throw new StalePriceFeedError(
        updatedAt === 0n
          ? `Price feed ${this.address} (${description}) has an incomplete round`
          : `Price feed ${this.address} (${description}) answer is ${age} s old, more than ${this.maxAgeSeconds} s`,
        {
          details: { address: this.address, updatedAt, now, maxAgeSeconds: this.maxAgeSeconds },
          hint: "Wait for the feed to update, check it on a block explorer, or raise maxAgeSeconds to the feed's heartbeat.",
        },
      );
    }
  }
}
