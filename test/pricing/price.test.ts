import { expect } from "chai";
import fc from "fast-check";

import { advertisedPrice, redemptionOverhead } from "../../src/pricing/adjustPrice.js";
import {
  InvalidPriceError,
  MissingPriceFeedError,
  PriceUnitMismatchError,
} from "../../src/pricing/errors.js";
import { parsePriceSetting } from "../../src/pricing/parsePrice.js";
import { comparePrices, priceInWei, type Price } from "../../src/pricing/price.js";
import type { CurrencyRate } from "../../src/pricing/priceFeed.js";
import { resolvePrice } from "../../src/pricing/resolvePrice.js";
import { isWithinMaxPrice, selectRecipients } from "../../src/pricing/selectRecipients.js";
import { Rational } from "../../src/math/rational.js";

/** A fixed rate, standing in for a feed: ETH at 2000 USD means 5·10^14 wei per USD. */
const usdAt2000: CurrencyRate = {
  currency: "USD",
  weiPerCurrencyUnit: () => Rational.of(10n ** 18n, 2000n),
};

describe("priceInWei and comparePrices", () => {
  it("keeps sub-wei prices exact", () => {
    const p = priceInWei({ wei: 1n, per: 10n });
    expect(p.weiPerUnit.toString()).to.equal("1/10");
    expect(p.unit).to.equal("pixel");
  });

  it("compares exactly, even where a float would not", () => {
    // 1/3 wei vs 333333333333333333/10^18 wei: equal as doubles, not as rationals.
    const third = priceInWei({ wei: 1n, per: 3n });
    const almost = priceInWei({ wei: 333_333_333_333_333_333n, per: 10n ** 18n });
    // The literal loses precision on purpose: that is the float behaviour this test contrasts.
    // eslint-disable-next-line no-loss-of-precision
    expect(1 / 3 === 333_333_333_333_333_333 / 1e18).to.equal(true);
    expect(comparePrices(third, almost)).to.equal(1);
    expect(comparePrices(almost, third)).to.equal(-1);
    expect(comparePrices(third, priceInWei({ wei: 2n, per: 6n }))).to.equal(0);
  });

  it("refuses to compare prices for different units", () => {
    expect(() =>
      comparePrices(priceInWei({ wei: 1n }), priceInWei({ wei: 1n, unit: "second" })),
    ).to.throw(PriceUnitMismatchError);
  });

  it("refuses negative prices and zero unit counts", () => {
    expect(() => priceInWei({ wei: -1n })).to.throw(InvalidPriceError);
    expect(() => priceInWei({ wei: 1n, per: 0n })).to.throw(InvalidPriceError);
  });
});

describe("resolvePrice", () => {
  it("converts 0.41 USD per 10^12 pixels at 2000 USD/ETH to exactly 205 wei per pixel", () => {
    const setting = parsePriceSetting({ pricePerUnit: "0.41USD", pixelsPerUnit: "1e12" });
    const price = resolvePrice({ setting, feed: usdAt2000 });
    expect(price.weiPerUnit.toString()).to.equal("205");
    expect(price.unit).to.equal("pixel");
  });

  it("keeps a sub-wei currency price exact: 0.41 USD per 10^15 pixels is 41/200 wei per pixel", () => {
    const setting = parsePriceSetting({ pricePerUnit: "0.41USD", pixelsPerUnit: "1e15" });
    expect(resolvePrice({ setting, feed: usdAt2000 }).weiPerUnit.toString()).to.equal("41/200");
  });

  it("converts wei and ETH settings without a feed", () => {
    const wei = resolvePrice({
      setting: parsePriceSetting({ pricePerUnit: "1200wei", pixelsPerUnit: "1e3" }),
    });
    expect(wei.weiPerUnit.toString()).to.equal("6/5");
    const eth = resolvePrice({
      setting: parsePriceSetting({ pricePerUnit: "0.000001ETH", pixelsPerUnit: "1e6" }),
    });
    expect(eth.weiPerUnit.toString()).to.equal("1000000");
  });

  it("refuses a currency price without a feed, or with a feed for another currency", () => {
    const setting = parsePriceSetting({ pricePerUnit: "0.41EUR", pixelsPerUnit: "1e12" });
    expect(() => resolvePrice({ setting })).to.throw(MissingPriceFeedError);
    expect(() => resolvePrice({ setting, feed: usdAt2000 })).to.throw(MissingPriceFeedError);
  });
});

describe("selectRecipients", () => {
  const candidates: { name: string; price: Price }[] = [
    { name: "cheap", price: priceInWei({ wei: 100n }) },
    { name: "exact", price: priceInWei({ wei: 41n, per: 200n }) },
    { name: "justOver", price: priceInWei({ wei: 41n * 10n ** 12n + 1n, per: 200n * 10n ** 12n }) },
    { name: "ai", price: priceInWei({ wei: 1n, unit: "second" }) },
  ];

  it("keeps recipients at or under a wei maximum, exactly at the boundary", () => {
    const max = priceInWei({ wei: 41n, per: 200n });
    expect(selectRecipients({ candidates, maxPrice: max }).map((c) => c.name)).to.deep.equal([
      "exact",
    ]);
    const high = priceInWei({ wei: 100n });
    expect(selectRecipients({ candidates, maxPrice: high }).map((c) => c.name)).to.deep.equal([
      "cheap",
      "exact",
      "justOver",
    ]);
  });

  it("converts a USD maximum through the feed before comparing", () => {
    const maxPrice = parsePriceSetting({ pricePerUnit: "0.41USD", pixelsPerUnit: "1e15" });
    const chosen = selectRecipients({ candidates, maxPrice, feed: usdAt2000 });
    expect(chosen.map((c) => c.name)).to.deep.equal(["exact"]);
  });

  it("never selects a price for another unit", () => {
    expect(
      isWithinMaxPrice({ price: candidates[3]!.price, maxPrice: priceInWei({ wei: 10n ** 18n }) }),
    ).to.equal(false);
  });
});

describe("advertisedPrice (automatic price adjustment)", () => {
  const base = priceInWei({ wei: 1000n });

  for (const [percent, expected] of [
    [1n, 1010n],
    [20n, 1200n],
    [50n, 1500n],
  ] as const) {
    it(`adds a ${percent}% redemption overhead to 1000 wei/pixel: ${expected}`, () => {
      // overhead = tx cost / face value: a face value of 10^18 wei and a tx cost of percent% of it.
      const overhead = redemptionOverhead({
        txCost: (10n ** 18n * percent) / 100n,
        faceValue: 10n ** 18n,
      });
      const adjusted = advertisedPrice({ basePrice: base, overhead });
      expect(adjusted.weiPerUnit.equals(expected)).to.equal(true);
      expect(adjusted.unit).to.equal("pixel");
    });
  }

  it("leaves the base price when adjustment is turned off", () => {
    const adjusted = advertisedPrice({
      basePrice: base,
      overhead: Rational.of(1n, 2n),
      autoAdjust: false,
    });
    expect(adjusted.weiPerUnit.equals(1000n)).to.equal(true);
  });

  it("is exact for any base, cost and face value", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 20n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        fc.bigInt({ min: 0n, max: 10n ** 18n }),
        fc.bigInt({ min: 1n, max: 10n ** 18n }),
        (wei, per, txCost, faceValue) => {
          const basePrice = priceInWei({ wei, per });
          const adjusted = advertisedPrice({
            basePrice,
            overhead: redemptionOverhead({ txCost, faceValue }),
          });
          // adjusted × per × faceValue == wei × (faceValue + txCost), in integers.
          expect(
            adjusted.weiPerUnit.mul(per * faceValue).equals(wei * (faceValue + txCost)),
          ).to.equal(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("refuses a zero face value and a negative overhead", () => {
    expect(() => redemptionOverhead({ txCost: 1n, faceValue: 0n })).to.throw(InvalidPriceError);
    expect(() => advertisedPrice({ basePrice: base, overhead: Rational.of(-1n, 100n) })).to.throw(
      InvalidPriceError,
    );
  });
});
