import { assertObject, describeValue } from "../ticket/inputs.js";
import { Rational } from "../math/rational.js";
import { InvalidPriceError } from "./errors.js";
import { PRICE_UNITS, type PriceSetting, type PriceUnit } from "./price.js";

const PRICE_FORMS =
  'Write the price as a plain decimal with an optional currency suffix: "1200", "1200wei", ' +
  '"0.41USD", "0.0665EUR", "0.000001ETH". No exponent, no sign, no thousands separators.';

const UNITS_FORMS =
  'Write the units per price as a positive integer, plainly or in exponent notation: "1", ' +
  '"1000000", "1e12", "2.5e3" (the value must be a whole number).';

/** Number of wei in one ETH. */
export const WEI_PER_ETH = 10n ** 18n;

/**
 * Parses `-pricePerUnit` as operators write it: a plain decimal with an optional currency suffix
 * (letters, case-insensitive). No suffix or "wei" means wei; "ETH" means ether; anything else
 * (USD, EUR, BTC...) is a currency that a price feed converts to wei later.
 *
 * @example
 * ```ts
 * parsePricePerUnit("0.41USD"); // { amount: 41/100, currency: "USD" }
 * parsePricePerUnit("1200");    // { amount: 1200, currency: "WEI" }
 * ```
 */
export function parsePricePerUnit(text: string): { amount: Rational; currency: string } {
  if (typeof text !== "string") {
    throw new InvalidPriceError("A price per unit must be text", {
      details: { text: describeValue(text) },
      hint: PRICE_FORMS,
    });
  }
  const match = /^(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]{2,10})?$/.exec(text.trim());
  if (match === null || match[1] === undefined) {
    throw new InvalidPriceError(`Malformed price per unit: "${text}"`, {
      details: { text },
      hint: PRICE_FORMS,
    });
  }
  const amount = Rational.parseDecimal(match[1]);
  const currency = (match[2] ?? "WEI").toUpperCase();
  return { amount, currency };
}

/**
 * Parses `-pixelsPerUnit` (or seconds per unit): a positive integer, optionally in exponent
 * notation (`1e12`, `2.5e3`). A value that is not a whole number, or is zero, is refused.
 *
 * @example
 * ```ts
 * parsePixelsPerUnit("1e12"); // 1000000000000n
 * parsePixelsPerUnit("2.5e3"); // 2500n
 * ```
 */
export function parsePixelsPerUnit(text: string): bigint {
  if (typeof text !== "string") {
    throw new InvalidPriceError("Units per price must be text", {
      details: { text: describeValue(text) },
      hint: UNITS_FORMS,
    });
  }
  const match = /^(\d+)(?:\.(\d+))?(?:[eE]\+?(\d+))?$/.exec(text.trim());
  const intPart = match?.[1];
  const fracPart = match?.[2] ?? "";
  const exponentText = match?.[3];
  // An exponent this large is a typo, and 10^exponent would be a huge allocation.
  const exponent = exponentText === undefined ? 0n : BigInt(exponentText);
  if (intPart === undefined || exponent > 77n || (fracPart !== "" && exponentText === undefined)) {
    throw new InvalidPriceError(`Malformed units per price: "${text}"`, {
      details: { text },
      hint: UNITS_FORMS,
    });
  }
  const value = Rational.parseDecimal(`${intPart}.${fracPart}`).mul(10n ** exponent);
  if (value.den !== 1n || value.num < 1n) {
    throw new InvalidPriceError(`Units per price must be a positive whole number: "${text}"`, {
      details: { text, value: value.toString() },
      hint: UNITS_FORMS,
    });
  }
  return value.num;
}

/**
 * Parses an operator's price setting, `-pricePerUnit` with `-pixelsPerUnit` (default 1).
 *
 * @example
 * ```ts
 * const s = parsePriceSetting({ pricePerUnit: "0.41USD", pixelsPerUnit: "1e12" });
 * // { unit: "pixel", amount: 41/100, currency: "USD", per: 10n ** 12n }
 * const ai = parsePriceSetting({ pricePerUnit: "0.002USD", unit: "second" });
 * ```
 */
export function parsePriceSetting(args: {
  pricePerUnit: string;
  /** Units per price: a bigint, or text such as "1e12". For per-second prices, seconds per unit. */
  pixelsPerUnit?: string | bigint;
  unit?: PriceUnit;
}): PriceSetting {
  assertObject(args, "parsePriceSetting arguments");
  const { pricePerUnit, pixelsPerUnit = 1n, unit = "pixel" } = args;
  if (!PRICE_UNITS.includes(unit)) {
    throw new InvalidPriceError(`Unknown price unit: ${describeValue(unit)}`, {
      details: { unit: describeValue(unit) },
      hint: `Use one of: ${PRICE_UNITS.join(", ")}.`,
    });
  }
  const { amount, currency } = parsePricePerUnit(pricePerUnit);
  const per = typeof pixelsPerUnit === "bigint" ? pixelsPerUnit : parsePixelsPerUnit(pixelsPerUnit);
  if (per < 1n) {
    throw new InvalidPriceError(`Units per price must be at least 1, got ${per}`, {
      details: { pixelsPerUnit: per },
      hint: UNITS_FORMS,
    });
  }
  return { unit, amount, currency, per };
}
