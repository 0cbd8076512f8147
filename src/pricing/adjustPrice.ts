import { Rational } from "../math/rational.js";
import { InvalidPriceError } from "./errors.js";
import { assertObject, describeValue } from "../ticket/inputs.js";
import { checkPrice, type Price } from "./price.js";

/**
 * The redemption overhead of a ticket: what redeeming a winner costs as a fraction of the face
 * value it pays, `txCost / faceValue`, exactly.
 *
 * @example
 * ```ts
 * redemptionOverhead({ txCost: 10n ** 15n, faceValue: 10n ** 17n }).toString(); // "1/100" (1%)
 * ```
 */
export function redemptionOverhead(args: {
  /** Estimated redemption transaction cost in wei (redeem gas × gas price). */
  txCost: Rational | bigint;
  /** The ticket face value in wei. */
  faceValue: bigint;
}): Rational {
  assertObject(args, "redemptionOverhead arguments");
  const { txCost, faceValue } = args;
  const cost = Rational.from(txCost);
  if (typeof faceValue !== "bigint" || faceValue <= 0n || cost.cmp(0n) < 0) {
    throw new InvalidPriceError("Redemption overhead needs a positive face value and a cost ≥ 0", {
      details: { txCost: cost.toString(), faceValue: describeValue(faceValue) },
      hint: "Pass the ticket face value in wei (> 0) and the redemption cost in wei (≥ 0).",
    });
  }
  return cost.div(faceValue);
}

/**
 * The price a recipient advertises: `basePrice × (1 + overhead)` when `autoAdjust` is on (the
 * default), so that redemption costs are passed on; `basePrice` unchanged when it is off.
 * Exact: a base of 1000 wei/pixel gives 1010 at 1% overhead, 1200 at 20%, 1500 at 50%.
 *
 * @example
 * ```ts
 * const base = priceInWei({ wei: 1000n });
 * advertisedPrice({ basePrice: base, overhead: Rational.of(20n, 100n) }).weiPerUnit.toString(); // "1200"
 * advertisedPrice({ basePrice: base, overhead: Rational.of(20n, 100n), autoAdjust: false }).weiPerUnit.toString(); // "1000"
 * ```
 */
export function advertisedPrice(args: {
  basePrice: Price;
  /** Redemption overhead as a fraction (see {@link redemptionOverhead}); ≥ 0. */
  overhead: Rational;
  /** Whether to add the overhead (default true; `-autoAdjustPrice=false` turns it off). */
  autoAdjust?: boolean;
}): Price {
  assertObject(args, "advertisedPrice arguments");
  const { basePrice, overhead, autoAdjust = true } = args;
  checkPrice(basePrice, "basePrice");
  if (!(overhead instanceof Rational) || overhead.cmp(0n) < 0) {
    throw new InvalidPriceError("Redemption overhead must be a Rational ≥ 0", {
      details: {
        overhead: overhead instanceof Rational ? overhead.toString() : describeValue(overhead),
      },
      hint: "Compute it with redemptionOverhead({ txCost, faceValue }).",
    });
  }
  if (!autoAdjust) return basePrice;
  return { unit: basePrice.unit, weiPerUnit: basePrice.weiPerUnit.mul(Rational.ONE.add(overhead)) };
}
