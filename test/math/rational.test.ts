import { expect } from "chai";
import fc from "fast-check";

import { Rational } from "../../src/math/rational.js";

/** The textbook gcd, as the reference the normalisation is checked against. */
function referenceGcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) {
    const r = x % y;
    x = y;
    y = r;
  }
  return x;
}

const big = fc.bigInt({ min: -(1n << 300n), max: 1n << 300n });
const positive = fc.bigInt({ min: 1n, max: 1n << 300n });
/** Powers of two up to 2^300, and multiples of them: the denominators EVs have. */
const powerOfTwo = fc.integer({ min: 0, max: 300 }).map((k) => 1n << BigInt(k));
const denominator = fc.oneof(
  positive,
  powerOfTwo,
  fc.tuple(positive, powerOfTwo).map(([a, b]) => a * b),
);

describe("Rational: lowest terms", function () {
  it("reduces num/den by exactly their gcd (any denominator, powers of two included)", function () {
    fc.assert(
      fc.property(big, denominator, (num, den) => {
        const r = Rational.of(num, den);
        const g = referenceGcd(num, den) || 1n;
        expect(r.num).to.equal(num / g);
        expect(r.den).to.equal(den / g);
        expect(referenceGcd(r.num, r.den) === 1n || r.num === 0n).to.equal(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("adds EVs over 2^256 exactly, in lowest terms", function () {
    const two256 = 1n << 256n;
    fc.assert(
      fc.property(positive, positive, (a, b) => {
        const sum = Rational.of(a, two256).add(Rational.of(b, two256));
        const g = referenceGcd(a + b, two256);
        expect(sum.num).to.equal((a + b) / g);
        expect(sum.den).to.equal(two256 / g);
      }),
      { numRuns: 1_000 },
    );
  });

  it("normalises at the boundaries: zero, one, a power of two over itself, an odd numerator", function () {
    expect(Rational.of(0n, 1n << 256n).den).to.equal(1n);
    expect(Rational.of(1n << 256n, 1n << 256n).equals(1n)).to.equal(true);
    expect(Rational.of(3n, 1n << 256n).den).to.equal(1n << 256n);
    expect(Rational.of(6n, 4n).num).to.equal(3n);
    expect(Rational.of(6n, 4n).den).to.equal(2n);
    expect(Rational.of(-8n, 2n).num).to.equal(-4n);
    expect(Rational.of(-8n, 2n).den).to.equal(1n);
  });
});
