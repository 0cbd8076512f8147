import { assertObject, describeValue } from "../ticket/inputs.js";
import { InvalidPriceError } from "./errors.js";
import { checkPrice, type Price, type PriceSetting } from "./price.js";
import type { CurrencyRate } from "./priceFeed.js";
import { resolvePrice } from "./resolvePrice.js";

/**
 * Whether `price` is at or under `maxPrice`, compared exactly. Prices for different units never
 * qualify (a per-second AI price is not comparable with a per-pixel transcoding maximum).
 *
 * @example
 * ```ts
 * isWithinMaxPrice({ price: priceInWei({ wei: 1n, per: 3n }), maxPrice: priceInWei({ wei: 1n, per: 3n }) }); // true
 * ```
 */
export function isWithinMaxPrice(args: { price: Price; maxPrice: Price }): boolean {
  assertObject(args, "isWithinMaxPrice arguments");
  const { price, maxPrice } = args;
  checkPrice(price, "price");
  checkPrice(maxPrice, "maxPrice");
  return price.unit === maxPrice.unit && price.weiPerUnit.cmp(maxPrice.weiPerUnit) <= 0;
}

/**
 * The candidates whose advertised price is at or under the gateway's `maxPricePerUnit`, in their
 * original order. The maximum may be a wei {@link Price} or a {@link PriceSetting} in a currency,
 * converted through `feed` at the time of the call.
 *
 * @example
 * ```ts
 * const max = parsePriceSetting({ pricePerUnit: "0.5USD", pixelsPerUnit: "1e12" });
 * const chosen = selectRecipients({ candidates: orchestrators, maxPrice: max, feed });
 * ```
 */
export function selectRecipients<T extends { readonly price: Price }>(args: {
  candidates: readonly T[];
  maxPrice: Price | PriceSetting;
  feed?: CurrencyRate | undefined;
}): T[] {
  assertObject(args, "selectRecipients arguments");
  const { candidates, maxPrice, feed } = args;
  if (!Array.isArray(candidates)) {
    throw new InvalidPriceError("candidates must be an array", {
      details: { candidates: describeValue(candidates) },
      hint: "Pass the recipients to choose from, each with its price: [{ price, ... }].",
    });
  }
  assertObject(maxPrice as unknown, "maxPrice");
  const max = "currency" in maxPrice ? resolvePrice({ setting: maxPrice, feed }) : maxPrice;
  return (candidates as readonly T[]).filter((c) => {
    assertObject(c, "candidate");
    return isWithinMaxPrice({ price: c.price, maxPrice: max });
  });
}
