import { Rational } from "../math/rational.js";
import { assertObject, describeValue } from "../ticket/inputs.js";
import { InvalidPriceError, PriceUnitMismatchError } from "./errors.js";

/**
 * What a price is charged for: one output pixel (transcoding), one second (live AI pipelines)
 * or one request.
 */
export type PriceUnit = "pixel" | "second" | "request";

/** The units a price can be for, for validation and help text. */
export const PRICE_UNITS: readonly PriceUnit[] = ["pixel", "second", "request"];

/**
 * An exact price in wei for one unit of work. Sub-wei prices are exact: 0.205 wei per pixel is
 * `weiPerUnit = 41/200`, never a float.
 *
 * @example
 * ```ts
 * const p: Price = { unit: "pixel", weiPerUnit: Rational.of(1n, 10n) }; // 1 wei per 10 pixels
 * ```
 */
export interface Price {
  readonly unit: PriceUnit;
  /** Wei per one unit (one pixel, one second or one request); ≥ 0. */
  readonly weiPerUnit: Rational;
}

/**
 * A price as an operator configures it: `amount` of `currency` per `per` units, such as
 * "0.41 USD per 10^12 pixels" (`-pricePerUnit 0.41USD -pixelsPerUnit 1e12`). A setting in a
 * fiat currency becomes a {@link Price} in wei through a price feed (see `resolvePrice`).
 *
 * @example
 * ```ts
 * const setting: PriceSetting = { unit: "pixel", amount: Rational.parseDecimal("0.41"), currency: "USD", per: 10n ** 12n };
 * ```
 */
export interface PriceSetting {
  readonly unit: PriceUnit;
  /** The price for `per` units, in `currency`; ≥ 0. */
  readonly amount: Rational;
  /** "WEI", "ETH", or a currency code that a price feed quotes against ETH (e.g. "USD"). */
  readonly currency: string;
  /** How many units `amount` pays for (pixelsPerUnit); ≥ 1. */
  readonly per: bigint;
}

/**
 * A wei price for `per` units (default 1), exactly.
 *
 * @example
 * ```ts
 * priceInWei({ wei: 1n, per: 10n }).weiPerUnit.toString(); // "1/10"
 * priceInWei({ wei: 900n }).weiPerUnit.toString(); // "900"
 * ```
 */
export function priceInWei(args: {
  wei: Rational | bigint;
  per?: bigint;
  unit?: PriceUnit;
}): Price {
  assertObject(args, "priceInWei arguments");
  const { wei, per = 1n, unit = "pixel" } = args;
  const amount = Rational.from(wei);
  if (amount.cmp(0n) < 0 || typeof per !== "bigint" || per < 1n || !PRICE_UNITS.includes(unit)) {
    throw new InvalidPriceError(
      "A price must be ≥ 0 wei for ≥ 1 unit of pixel, second or request",
      {
        details: { wei: amount.toString(), per: describeValue(per), unit: describeValue(unit) },
        hint: "Pass a non-negative wei amount, a positive unit count and unit pixel, second or request.",
      },
    );
  }
  return { unit, weiPerUnit: amount.div(per) };
}

/**
 * Throws {@link PriceUnitMismatchError} unless both prices are for the same unit.
 *
 * @example
 * ```ts
 * assertSameUnit(priceInWei({ wei: 1n }), priceInWei({ wei: 1n, unit: "second" })); // throws
 * ```
 */
export function assertSameUnit(a: Price, b: Price, what = "prices"): void {
  checkPrice(a, "a");
  checkPrice(b, "b");
  if (a.unit !== b.unit) {
    throw new PriceUnitMismatchError(`Cannot compare ${what} per ${a.unit} and per ${b.unit}`, {
      details: { a: a.unit, b: b.unit },
      hint: "Configure both prices for the same unit (pixel, second or request).",
    });
  }
}

/**
 * Compares two prices exactly: -1, 0 or 1 as `a` is below, equal to or above `b`. Throws
 * {@link PriceUnitMismatchError} when they are for different units.
 *
 * @example
 * ```ts
 * comparePrices(priceInWei({ wei: 1n, per: 3n }), priceInWei({ wei: 333n, per: 1000n })); // 1
 * ```
 */
export function comparePrices(a: Price, b: Price): -1 | 0 | 1 {
  assertSameUnit(a, b);
  return a.weiPerUnit.cmp(b.weiPerUnit);
}

/**
 * A short human-readable form, for display only.
 *
 * @example
 * ```ts
 * formatPrice(priceInWei({ wei: 41n, per: 200n })); // "41/200 wei/pixel (≈ 0.205)"
 * ```
 */
export function formatPrice(price: Price): string {
  checkPrice(price, "price");
  const exact = `${price.weiPerUnit.toString()} wei/${price.unit}`;
  return price.weiPerUnit.den === 1n
    ? exact
    : `${exact} (≈ ${price.weiPerUnit.toDecimalString(9)})`;
}

/**
 * Throws {@link InvalidPriceError} unless `value` is a {@link Price}: a known unit and a
 * `weiPerUnit` Rational ≥ 0.
 *
 * @example
 * ```ts
 * checkPrice(priceInWei({ wei: 10n }), "price"); // passes
 * ```
 */
export function checkPrice(value: unknown, field = "price"): asserts value is Price {
  const v = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const unit = v["unit"];
  const weiPerUnit = v["weiPerUnit"];
  if (
    typeof unit !== "string" ||
    !PRICE_UNITS.includes(unit as PriceUnit) ||
    !(weiPerUnit instanceof Rational) ||
    weiPerUnit.cmp(0n) < 0
  ) {
    throw new InvalidPriceError(`${field} is not a price`, {
      details: { field, unit: describeValue(unit), weiPerUnit: describeValue(weiPerUnit) },
      hint: "Build prices with priceInWei({ wei, per, unit }) or resolvePrice({ setting, feed }).",
    });
  }
}

/**
 * Throws {@link InvalidPriceError} unless `value` is a {@link PriceSetting}: a known unit, an
 * amount Rational ≥ 0, a currency string and `per` ≥ 1.
 *
 * @example
 * ```ts
 * checkPriceSetting(parsePriceSetting({ pricePerUnit: "0.41USD" }), "setting"); // passes
 * ```
 */
export function checkPriceSetting(
  value: unknown,
  field = "setting",
): asserts value is PriceSetting {
  const v = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const { unit, amount, currency, per } = v;
  if (
    typeof unit !== "string" ||
    !PRICE_UNITS.includes(unit as PriceUnit) ||
    !(amount instanceof Rational) ||
    amount.cmp(0n) < 0 ||
    typeof currency !== "string" ||
    typeof per !== "bigint" ||
    per < 1n
  ) {
    throw new InvalidPriceError(`${field} is not a price setting`, {
      details: {
        field,
        unit: describeValue(unit),
        amount: describeValue(amount),
        currency: describeValue(currency),
        per: describeValue(per),
      },
      hint: "Build price settings with parsePriceSetting({ pricePerUnit, pixelsPerUnit, unit }).",
    });
  }
}
