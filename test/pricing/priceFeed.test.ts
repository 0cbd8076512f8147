import { expect } from "chai";
import { network } from "hardhat";

import {
  InvalidPriceError,
  NonPositivePriceFeedAnswerError,
  PriceFeedDecimalsError,
  PriceFeedNotReadyError,
  PriceFeedPairError,
  PriceFeedReadError,
  StalePriceFeedError,
} from "../../src/pricing/errors.js";
import { ARBITRUM_ONE_ETH_USD_FEED, DEFAULT_PRICE_FEED } from "../../src/pricing/feeds.js";
import { parsePriceSetting } from "../../src/pricing/parsePrice.js";
import { PriceFeed, type FeedTimer, type PriceFeedOptions } from "../../src/pricing/priceFeed.js";
import { resolvePrice } from "../../src/pricing/resolvePrice.js";
import { Rational } from "../../src/math/rational.js";

const { ethers, networkHelpers } = await network.create();

/** ETH at 2000 USD: 5·10^14 wei per USD. */
const WEI_PER_USD_AT_2000 = 5n * 10n ** 14n;
const MAX_AGE = 3600n;

async function deployFeed(decimals: number, description: string, answer: bigint) {
  return ethers.deployContract("MockV3Aggregator", [decimals, description, answer]);
}

describe("PriceFeed (MockV3Aggregator on the in-process network)", () => {
  /** The injected clock: starts at the chain's time, moved by hand. */
  let now: bigint;
  const clock = () => now;

  async function options(
    address: string,
    extra: Partial<PriceFeedOptions> = {},
  ): Promise<PriceFeedOptions> {
    return {
      address,
      runner: ethers.provider,
      currency: "USD",
      expectedDecimals: 8,
      maxAgeSeconds: MAX_AGE,
      nowSeconds: clock,
      ...extra,
    };
  }

  beforeEach(async () => {
    now = BigInt(await networkHelpers.time.latest());
  });

  it("converts through an ETH / USD feed: 2000 USD per ETH is 5·10^14 wei per USD", async () => {
    const agg = await deployFeed(8, "ETH / USD", 2000n * 10n ** 8n);
    now = BigInt(await networkHelpers.time.latest());
    const feed = await PriceFeed.open(await options(await agg.getAddress()));
    expect(feed.weiPerCurrencyUnit().equals(WEI_PER_USD_AT_2000)).to.equal(true);
    const setting = parsePriceSetting({ pricePerUnit: "0.41USD", pixelsPerUnit: "1e12" });
    expect(resolvePrice({ setting, feed }).weiPerUnit.equals(205n)).to.equal(true);
    expect(feed.latest?.description).to.equal("ETH / USD");
  });

  it("converts through a feed in the other direction (USD / ETH, 18 decimals)", async () => {
    const agg = await deployFeed(18, "USD / ETH", WEI_PER_USD_AT_2000);
    now = BigInt(await networkHelpers.time.latest());
    const feed = await PriceFeed.open(
      await options(await agg.getAddress(), { expectedDecimals: 18 }),
    );
    expect(feed.weiPerCurrencyUnit().equals(WEI_PER_USD_AT_2000)).to.equal(true);
  });

  it("keeps a non-round rate exact: ETH at 3333.33333333 EUR", async () => {
    const agg = await deployFeed(8, "ETH / EUR", 333_333_333_333n);
    now = BigInt(await networkHelpers.time.latest());
    const feed = await PriceFeed.open(await options(await agg.getAddress(), { currency: "eur" }));
    expect(feed.currency).to.equal("EUR");
    // 10^18 × 10^8 / 333333333333 wei per EUR, as a fraction.
    expect(feed.weiPerCurrencyUnit().equals(Rational.of(10n ** 26n, 333_333_333_333n))).to.equal(
      true,
    );
  });

  it("refuses a feed whose pair is not ETH and the currency", async () => {
    const agg = await deployFeed(8, "BTC / USD", 2000n * 10n ** 8n);
    await expectRejected(PriceFeed.open(await options(await agg.getAddress())), PriceFeedPairError);
    const eur = await deployFeed(8, "ETH / EUR", 2000n * 10n ** 8n);
    await expectRejected(PriceFeed.open(await options(await eur.getAddress())), PriceFeedPairError);
  });

  it("refuses a feed whose decimals differ from the configured ones", async () => {
    const agg = await deployFeed(18, "ETH / USD", 2000n * 10n ** 18n);
    await expectRejected(
      PriceFeed.open(await options(await agg.getAddress())),
      PriceFeedDecimalsError,
    );
  });

  it("refuses zero and negative answers", async () => {
    const agg = await deployFeed(8, "ETH / USD", 0n);
    now = BigInt(await networkHelpers.time.latest());
    await expectRejected(
      PriceFeed.open(await options(await agg.getAddress())),
      NonPositivePriceFeedAnswerError,
    );
    await (await agg.updateAnswer(-1n)).wait();
    now = BigInt(await networkHelpers.time.latest());
    await expectRejected(
      PriceFeed.open(await options(await agg.getAddress())),
      NonPositivePriceFeedAnswerError,
    );
  });

  it("accepts an answer exactly maxAge old and refuses one a second older, or an incomplete round", async () => {
    const agg = await deployFeed(8, "ETH / USD", 2000n * 10n ** 8n);
    const address = await agg.getAddress();
    await (await agg.updateRoundData(7n, 2000n * 10n ** 8n, now - MAX_AGE, now - MAX_AGE)).wait();
    const feed = await PriceFeed.open(await options(address));
    expect(feed.latest?.roundId).to.equal(7n);
    await (
      await agg.updateRoundData(8n, 2000n * 10n ** 8n, now - MAX_AGE - 1n, now - MAX_AGE - 1n)
    ).wait();
    await expectRejected(feed.refresh(), StalePriceFeedError);
    expect(feed.latest?.roundId).to.equal(7n); // the previous good answer is kept...
    now += 1n;
    expect(() => feed.weiPerCurrencyUnit()).to.throw(StalePriceFeedError); // ...until it is too old itself
    await (await agg.updateRoundData(9n, 2000n * 10n ** 8n, 0n, now)).wait();
    await expectRejected(feed.refresh(), StalePriceFeedError);
  });

  it("has no rate before the first refresh", async () => {
    const agg = await deployFeed(8, "ETH / USD", 2000n * 10n ** 8n);
    const feed = new PriceFeed(await options(await agg.getAddress()));
    expect(() => feed.weiPerCurrencyUnit()).to.throw(PriceFeedNotReadyError);
  });

  it("reports a read failure for an address without a feed", async () => {
    const [signer] = await ethers.getSigners();
    const feed = new PriceFeed(await options(await signer!.getAddress()));
    await expectRejected(feed.refresh(), PriceFeedReadError);
  });

  it("refuses invalid options", async () => {
    const address = ARBITRUM_ONE_ETH_USD_FEED.address;
    for (const bad of [
      { currency: "U$D" },
      { expectedDecimals: -1 },
      { expectedDecimals: 1.5 },
      { maxAgeSeconds: 0n },
    ]) {
      expect(
        () =>
          new PriceFeed({
            address,
            runner: ethers.provider,
            currency: "USD",
            expectedDecimals: 8,
            ...bad,
          }),
      ).to.throw(InvalidPriceError);
    }
  });

  it("refreshes periodically: picks up new answers and reports failures without losing the last rate", async () => {
    const agg = await deployFeed(8, "ETH / USD", 2000n * 10n ** 8n);
    now = BigInt(await networkHelpers.time.latest());
    let tick: (() => Promise<void>) | undefined;
    let interval: number | undefined;
    let cleared = false;
    const timer: FeedTimer = {
      set: (callback, intervalMs) => {
        tick = callback;
        interval = intervalMs;
        return "handle";
      },
      clear: (handle) => {
        cleared = handle === "handle";
      },
    };
    const errors: unknown[] = [];
    const feed = await PriceFeed.open(
      await options(await agg.getAddress(), { timer, onError: (e) => errors.push(e) }),
    );
    feed.start({ intervalMs: 60_000 });
    expect(interval).to.equal(60_000);

    await (await agg.updateAnswer(4000n * 10n ** 8n)).wait();
    now = BigInt(await networkHelpers.time.latest());
    await tick!();
    expect(feed.weiPerCurrencyUnit().equals(WEI_PER_USD_AT_2000 / 2n)).to.equal(true);

    await (await agg.updateAnswer(0n)).wait();
    await tick!();
    expect(errors).to.have.length(1);
    expect(errors[0]).to.be.instanceOf(NonPositivePriceFeedAnswerError);
    expect(feed.weiPerCurrencyUnit().equals(WEI_PER_USD_AT_2000 / 2n)).to.equal(true);

    feed.stop();
    expect(cleared).to.equal(true);
    expect(() => feed.start({ intervalMs: 0 })).to.throw(InvalidPriceError);
  });

  it("ships the Arbitrum One ETH/USD feed as the default", () => {
    expect(DEFAULT_PRICE_FEED).to.equal(ARBITRUM_ONE_ETH_USD_FEED);
    expect(ethers.getAddress(ARBITRUM_ONE_ETH_USD_FEED.address)).to.equal(
      "0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612",
    );
    expect(ARBITRUM_ONE_ETH_USD_FEED.chainId).to.equal(42161n);
    expect(ARBITRUM_ONE_ETH_USD_FEED.expectedDecimals).to.equal(8);
  });
});

async function expectRejected(
  promise: Promise<unknown>,
  type: new (...args: never[]) => Error,
): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${type.name}`).to.be.instanceOf(type);
}
