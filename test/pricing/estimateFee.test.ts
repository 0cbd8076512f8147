import { expect } from "chai";
import fc from "fast-check";

import { InvalidFeeInputError, PriceUnitMismatchError } from "../../src/pricing/errors.js";
import {
  PASSTHROUGH_FPS_ASSUMPTION,
  estimateFee,
  feeFor,
  segmentPixels,
  type OutputProfile,
} from "../../src/pricing/estimateFee.js";
import { priceInWei } from "../../src/pricing/price.js";
import { Rational } from "../../src/math/rational.js";

const seedProfiles: OutputProfile[] = [
  { width: 1920, height: 1440, fps: 120n },
  { width: 1280, height: 720, fps: 120n },
  { width: 640, height: 360, fps: 120n },
];

describe("estimateFee", () => {
  it("charges 2,538,086,400,000 wei for 1920×1440 + 1280×720 + 640×360 at 120 fps, 6 s, 900 wei/pixel", () => {
    const est = estimateFee({
      profiles: seedProfiles,
      duration: 6n,
      price: priceInWei({ wei: 900n }),
    });
    expect(est.feeWei).to.equal(2_538_086_400_000n);
    expect(est.fee.equals(2_538_086_400_000n)).to.equal(true);
    expect(est.pixels.equals(2_820_096_000n)).to.equal(true);
  });

  it("gives the same figure for passthrough outputs at the 120 fps assumption", () => {
    const passthrough = seedProfiles.map(({ width, height }) => ({ width, height }));
    const est = estimateFee({
      profiles: passthrough,
      duration: 6n,
      price: priceInWei({ wei: 900n }),
    });
    expect(PASSTHROUGH_FPS_ASSUMPTION.equals(120n)).to.equal(true);
    expect(est.feeWei).to.equal(2_538_086_400_000n);
  });

  it("uses the measured source frame rate for passthrough outputs when known", () => {
    const est = estimateFee({
      profiles: [
        { width: 1280, height: 720 },
        { width: 640, height: 360, fps: 30n },
      ],
      duration: 2n,
      sourceFps: 60n,
      price: priceInWei({ wei: 1n }),
    });
    expect(est.pixels.equals(1280n * 720n * 60n * 2n + 640n * 360n * 30n * 2n)).to.equal(true);
  });

  it("handles rational frame rates and durations exactly: 30000/1001 fps × 2.002 s = 60 frames", () => {
    const pixels = segmentPixels({
      profiles: [{ width: 1280, height: 720, fps: Rational.of(30000n, 1001n) }],
      duration: Rational.parseDecimal("2.002"),
    });
    expect(pixels.equals(1280n * 720n * 60n)).to.equal(true);
  });

  it("rounds a fractional fee up (ceil) for pre-payment", () => {
    // 1 pixel × 1 fps × 1 s at 1/3 wei per pixel: exact fee 1/3, pre-paid 1 wei.
    const est = estimateFee({
      profiles: [{ width: 1, height: 1, fps: 1n }],
      duration: 1n,
      price: priceInWei({ wei: 1n, per: 3n }),
    });
    expect(est.fee.toString()).to.equal("1/3");
    expect(est.feeWei).to.equal(1n);
  });

  it("charges only for a per-pixel price and refuses bad profiles", () => {
    const perSecond = priceInWei({ wei: 1n, unit: "second" });
    expect(() => estimateFee({ profiles: seedProfiles, duration: 6n, price: perSecond })).to.throw(
      PriceUnitMismatchError,
    );
    for (const bad of [
      { width: 0, height: 720 },
      { width: 1.5, height: 720 },
      { width: 1280, height: -1n },
      { width: 1280, height: 720, fps: 0n },
    ]) {
      expect(() => segmentPixels({ profiles: [bad], duration: 1n })).to.throw(InvalidFeeInputError);
    }
    expect(() => segmentPixels({ profiles: seedProfiles, duration: -1n })).to.throw(
      InvalidFeeInputError,
    );
    expect(() => segmentPixels({ profiles: seedProfiles, duration: 1n, sourceFps: 0n })).to.throw(
      InvalidFeeInputError,
    );
  });

  it("estimate ≥ actual fee for passthrough outputs with any real source fps ≤ the assumption", () => {
    const rational = (max: bigint) =>
      fc
        .tuple(fc.bigInt({ min: 1n, max }), fc.bigInt({ min: 1n, max: 1001n }))
        .map(([n, d]) => Rational.of(n, d));
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            width: fc.integer({ min: 1, max: 7680 }),
            height: fc.integer({ min: 1, max: 4320 }),
            passthrough: fc.boolean(),
            fps: rational(240_000n),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        rational(120_000n).filter((fps) => fps.cmp(PASSTHROUGH_FPS_ASSUMPTION) <= 0),
        rational(20_000n),
        fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.bigInt({ min: 1n, max: 10n ** 12n })),
        (outputs, realFps, duration, [wei, per]) => {
          const price = priceInWei({ wei, per });
          const profiles: OutputProfile[] = outputs.map((o) =>
            o.passthrough ? { width: o.width, height: o.height } : o,
          );
          const estimate = estimateFee({ profiles, duration, price });
          // The actual work: passthrough outputs run at the real source frame rate.
          let actualPixels = Rational.ZERO;
          for (const o of outputs) {
            const fps = o.passthrough ? realFps : o.fps;
            actualPixels = actualPixels.add(fps.mul(BigInt(o.width * o.height)).mul(duration));
          }
          const actual = feeFor({ price, units: actualPixels });
          expect(estimate.fee.cmp(actual)).to.be.at.least(0);
          expect(estimate.feeWei >= actual.ceil()).to.equal(true);
          // With the real rate measured, the estimate is exact.
          expect(
            estimateFee({ profiles, duration, price, sourceFps: realFps }).fee.equals(actual),
          ).to.equal(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("feeFor", () => {
  it("charges per second and per request", () => {
    expect(
      feeFor({
        price: priceInWei({ wei: 5n, unit: "second" }),
        units: Rational.of(3n, 2n),
      }).toString(),
    ).to.equal("15/2");
    expect(
      feeFor({
        price: priceInWei({ wei: 7n, unit: "request" }),
        units: 1n,
        unit: "request",
      }).equals(7n),
    ).to.equal(true);
    expect(() => feeFor({ price: priceInWei({ wei: 7n }), units: 1n, unit: "second" })).to.throw(
      PriceUnitMismatchError,
    );
    expect(() => feeFor({ price: priceInWei({ wei: 7n }), units: -1n })).to.throw(
      InvalidFeeInputError,
    );
  });
});
