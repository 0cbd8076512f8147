import type { Price, PriceSetting } from "./price.js";
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
export function isWithinMaxPrice({ price, maxPrice }: { price: Price; maxPrice: Price }): boolean {
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
export function selectRecipients<T extends { readonly price: Price }>({
  candidates,
  maxPrice,
  feed,
}: {
  candidates: readonly T[];
  maxPrice: Price | PriceSetting;
  feed?: CurrencyRate | undefined;
}): T[] {
  const max = "currency" in maxPrice ? resolvePrice({ setting: maxPrice, feed }) : maxPrice;
  return candidates.filter((c) => isWithinMaxPrice({ price: c.price, maxPrice: max }));
}
