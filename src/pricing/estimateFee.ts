import { Rational } from "../math/rational.js";
import { InvalidFeeInputError, PriceUnitMismatchError } from "./errors.js";
import { assertObject } from "../ticket/inputs.js";
import { checkPrice, type Price, type PriceUnit } from "./price.js";

/**
 * The frame rate assumed for a passthrough output whose source frame rate was not measured:
 * 120 fps. It is at or above the frame rate of virtually all delivered video (24–60 fps, at
 * most 120), so the estimate pre-pays at least the actual fee; the recipient debits the actual
 * fee and the surplus stays as session credit. Pass `sourceFps` when it is known to avoid
 * over-paying (about 4× at 30 fps).
 */
export const PASSTHROUGH_FPS_ASSUMPTION: Rational = Rational.of(120n);

/** One output rendition of a segment. */
export interface OutputProfile {
  /** Output width in pixels. */
  readonly width: bigint | number;
  /** Output height in pixels. */
  readonly height: bigint | number;
  /**
   * Output frames per second (exact, e.g. `Rational.of(30000n, 1001n)`), or "passthrough" to keep
   * the source frame rate (the default).
   */
  readonly fps?: Rational | bigint | "passthrough";
}

/** A fee estimate: exact pixels and fee, and the wei to pre-pay. */
export interface FeeEstimate {
  /** Output pixels encoded, exact (may be fractional with rational fps and durations). */
  readonly pixels: Rational;
  /** pixels × price, exact. */
  readonly fee: Rational;
  /** ⌈fee⌉: the whole wei a sender pre-pays; never below the exact fee. */
  readonly feeWei: bigint;
}

function positiveInteger(value: bigint | number, name: string): bigint {
  const ok = typeof value === "bigint" ? value > 0n : Number.isSafeInteger(value) && value > 0;
  if (!ok) {
    throw new InvalidFeeInputError(`Output ${name} must be a positive whole number of pixels`, {
      details: {
        [name]: typeof value === "bigint" || typeof value === "number" ? value : typeof value,
      },
      hint: "Give output widths and heights in pixels, e.g. 1280 × 720.",
    });
  }
  return BigInt(value);
}

function positiveRational(value: Rational | bigint, name: string, hint: string): Rational {
  const r = Rational.from(value);
  if (r.cmp(0n) <= 0) {
    throw new InvalidFeeInputError(`${name} must be positive, got ${r.toString()}`, {
      details: { [name]: r.toString() },
      hint,
    });
  }
  return r;
}

/**
 * Output pixels of a segment: Σ over output profiles of width × height × fps × duration, exactly.
 * A passthrough profile uses `sourceFps` when known, otherwise `passthroughFps`
 * (default {@link PASSTHROUGH_FPS_ASSUMPTION}). Only encoded output pixels count; decoding the
 * source is free.
 *
 * @example
 * ```ts
 * segmentPixels({ profiles: [{ width: 1280, height: 720, fps: Rational.of(30000n, 1001n) }], duration: Rational.parseDecimal("2.002") });
 * // 1280 × 720 × 60 frames = 55296000
 * ```
 */
export function segmentPixels(args: {
  profiles: readonly OutputProfile[];
  /** Segment duration in seconds, exact (e.g. `Rational.parseDecimal("2.002")`). */
  duration: Rational | bigint;
  /** The source's measured frame rate, when known. */
  sourceFps?: Rational | bigint | undefined;
  /** The frame rate assumed for passthrough outputs when `sourceFps` is unknown. */
  passthroughFps?: Rational | bigint;
}): Rational {
  assertObject(args, "segmentPixels arguments");
  const { profiles, duration, sourceFps, passthroughFps = PASSTHROUGH_FPS_ASSUMPTION } = args;
  if (!Array.isArray(profiles)) {
    throw new InvalidFeeInputError("profiles must be an array of output profiles", {
      details: { profiles: typeof profiles },
      hint: "Pass the output renditions, e.g. [{ width: 1280n, height: 720n, fps: Rational.of(30n) }].",
    });
  }
  const seconds = Rational.from(duration);
  if (seconds.cmp(0n) < 0) {
    throw new InvalidFeeInputError(`Segment duration must be ≥ 0 s, got ${seconds.toString()}`, {
      details: { duration: seconds.toString() },
      hint: "Pass the segment duration in seconds as a Rational or bigint.",
    });
  }
  const fpsHint = "Pass frame rates as positive Rationals, e.g. Rational.of(30000n, 1001n).";
  const passthrough =
    sourceFps === undefined
      ? positiveRational(passthroughFps, "passthroughFps", fpsHint)
      : positiveRational(sourceFps, "sourceFps", fpsHint);
  let frameArea = Rational.ZERO;
  for (const profile of profiles as readonly OutputProfile[]) {
    assertObject(profile, "profile");
    const width = positiveInteger(profile.width, "width");
    const height = positiveInteger(profile.height, "height");
    const fps =
      profile.fps === undefined || profile.fps === "passthrough"
        ? passthrough
        : positiveRational(profile.fps, "fps", fpsHint);
    frameArea = frameArea.add(fps.mul(width * height));
  }
  return frameArea.mul(seconds);
}

/**
 * The exact fee for `units` of work at `price`: pixels for a per-pixel price, seconds for a
 * per-second price, requests for a per-request price. Throws
 * {@link PriceUnitMismatchError} when `unit` is given and differs from the price's.
 *
 * @example
 * ```ts
 * feeFor({ price: priceInWei({ wei: 900n }), units: 10n }).toString(); // "9000"
 * ```
 */
export function feeFor(args: {
  price: Price;
  units: Rational | bigint;
  unit?: PriceUnit;
}): Rational {
  assertObject(args, "feeFor arguments");
  const { price, units, unit } = args;
  checkPrice(price, "price");
  if (unit !== undefined && unit !== price.unit) {
    throw new PriceUnitMismatchError(`A price per ${price.unit} cannot charge for ${unit}s`, {
      details: { priceUnit: price.unit, unit },
      hint: "Use a price for the unit of work being charged.",
    });
  }
  const amount = Rational.from(units);
  if (amount.cmp(0n) < 0) {
    throw new InvalidFeeInputError(`Units of work must be ≥ 0, got ${amount.toString()}`, {
      details: { units: amount.toString() },
      hint: "Pass the pixels, seconds or requests actually done.",
    });
  }
  return amount.mul(price.weiPerUnit);
}

/**
 * Estimates the fee for a transcoding segment before it is sent: {@link segmentPixels} × a
 * per-pixel price. The exact fee is a rational; `feeWei` rounds it up (ceil), because the sender
 * pre-pays it and must never pay less than the work costs. The recipient later debits the exact
 * actual fee, so the rounding surplus stays as session credit, never lost.
 *
 * @example
 * ```ts
 * const { feeWei } = estimateFee({
 *   profiles: [{ width: 1920, height: 1440 }, { width: 1280, height: 720 }, { width: 640, height: 360 }],
 *   duration: 6n,
 *   price: priceInWei({ wei: 900n }),
 * }); // 2538086400000n (passthrough at the 120 fps assumption)
 * ```
 */
export function estimateFee(args: {
  profiles: readonly OutputProfile[];
  duration: Rational | bigint;
  price: Price;
  sourceFps?: Rational | bigint | undefined;
  passthroughFps?: Rational | bigint;
}): FeeEstimate {
  assertObject(args, "estimateFee arguments");
  const {
    profiles,
    duration,
    price,
    sourceFps,
    passthroughFps = PASSTHROUGH_FPS_ASSUMPTION,
  } = args;
  const pixels = segmentPixels({ profiles, duration, sourceFps, passthroughFps });
  const fee = feeFor({ price, units: pixels, unit: "pixel" });
  return { pixels, fee, feeWei: fee.ceil() };
}
