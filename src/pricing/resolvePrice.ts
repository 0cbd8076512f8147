import { assertHasMethods, assertObject, describeValue } from "../ticket/inputs.js";
import { Rational } from "../math/rational.js";
import { InvalidPriceError, MissingPriceFeedError } from "./errors.js";
import { WEI_PER_ETH } from "./parsePrice.js";
import { checkPriceSetting, type Price, type PriceSetting } from "./price.js";
import type { CurrencyRate } from "./priceFeed.js";

/**
 * Turns an operator's price setting into an exact wei price: wei and ETH settings directly,
 * any other currency through `feed` (which must be for that currency). Call it whenever the
 * current price is needed; a {@link PriceFeed} refreshed in the background keeps it current.
 *
 * @example
 * ```ts
 * // 0.41 USD per 10^12 pixels with ETH at 2000 USD: 0.41 × 5·10^14 / 10^12 = 205 wei per pixel
 * const price = resolvePrice({ setting: parsePriceSetting({ pricePerUnit: "0.41USD", pixelsPerUnit: "1e12" }), feed });
 * ```
 */
export function resolvePrice(args: {
  setting: PriceSetting;
  feed?: CurrencyRate | undefined;
}): Price {
  assertObject(args, "resolvePrice arguments");
  const { setting, feed } = args;
  checkPriceSetting(setting, "setting");
  if (feed !== undefined) assertHasMethods(feed, "feed", ["weiPerCurrencyUnit"]);
  if (setting.amount.cmp(0n) < 0 || setting.per < 1n) {
    throw new InvalidPriceError("A price setting must be ≥ 0 for ≥ 1 unit", {
      details: { amount: setting.amount.toString(), per: setting.per },
      hint: "Use a non-negative pricePerUnit and a positive pixelsPerUnit.",
    });
  }
  const currency = setting.currency.toUpperCase();
  let weiPerCurrencyUnit: Rational;
  if (currency === "WEI") {
    weiPerCurrencyUnit = Rational.ONE;
  } else if (currency === "ETH") {
    weiPerCurrencyUnit = Rational.of(WEI_PER_ETH);
  } else if (
    feed !== undefined &&
    typeof feed.currency === "string" &&
    feed.currency.toUpperCase() === currency
  ) {
    weiPerCurrencyUnit = feed.weiPerCurrencyUnit();
  } else {
    throw new MissingPriceFeedError(`No price feed for ${currency}`, {
      details: { currency, feedCurrency: describeValue(feed?.currency) },
      hint: `Pass a PriceFeed for a pair of ETH and ${currency}, or give the price in wei.`,
    });
  }
  return {
    unit: setting.unit,
    weiPerUnit: setting.amount.mul(weiPerCurrencyUnit).div(setting.per),
  };
}
