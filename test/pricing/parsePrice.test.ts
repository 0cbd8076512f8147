import { expect } from "chai";
import fc from "fast-check";

import { InvalidPriceError } from "../../src/pricing/errors.js";
import {
  parsePixelsPerUnit,
  parsePricePerUnit,
  parsePriceSetting,
} from "../../src/pricing/parsePrice.js";
import { Rational } from "../../src/math/rational.js";

function expectInvalid(fn: () => unknown, formHint: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).to.be.instanceOf(InvalidPriceError);
  expect((caught as InvalidPriceError).hint).to.contain(formHint);
}

describe("parsePricePerUnit", () => {
  it("reads a USD decimal as operators write it", () => {
    const { amount, currency } = parsePricePerUnit("0.41USD");
    expect(amount.equals(Rational.of(41n, 100n))).to.equal(true);
    expect(currency).to.equal("USD");
  });

  it("reads plain wei, with or without the wei suffix, case-insensitively", () => {
    for (const text of ["1200", "1200wei", "1200WEI", " 1200 Wei "]) {
      const { amount, currency } = parsePricePerUnit(text);
      expect(amount.equals(1200n), text).to.equal(true);
      expect(currency, text).to.equal("WEI");
    }
  });

  it("reads other currencies and normalises them to upper case", () => {
    expect(parsePricePerUnit("0.0665eur").currency).to.equal("EUR");
    const eth = parsePricePerUnit("0.000001ETH");
    expect(eth.currency).to.equal("ETH");
    expect(eth.amount.equals(Rational.of(1n, 1_000_000n))).to.equal(true);
  });

  it("refuses exponents, signs, separators and empty values, showing the accepted forms", () => {
    for (const text of [
      "4.1e-13USD",
      "1e3",
      "-1",
      "+5",
      "1,000",
      "",
      "USD",
      "0x10",
      "1.2.3",
      "1 2",
    ]) {
      expectInvalid(() => parsePricePerUnit(text), '"0.41USD"');
    }
  });
});

describe("parsePixelsPerUnit", () => {
  it("reads plain integers and exponent notation", () => {
    expect(parsePixelsPerUnit("1")).to.equal(1n);
    expect(parsePixelsPerUnit("1000000")).to.equal(1_000_000n);
    expect(parsePixelsPerUnit("1e12")).to.equal(10n ** 12n);
    expect(parsePixelsPerUnit("1E+12")).to.equal(10n ** 12n);
    expect(parsePixelsPerUnit("2.5e3")).to.equal(2500n);
  });

  it("refuses non-integers, zero, negatives and garbage", () => {
    for (const text of ["2.5e0", "2.5", "0", "0e5", "-1", "1e-3", "abc", "", "1e", "1e78"]) {
      expectInvalid(() => parsePixelsPerUnit(text), '"1e12"');
    }
  });

  it("agrees with exact decimal arithmetic for any mantissa and exponent", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.nat(6),
        fc.nat(20),
        (m, fracDigits, exp) => {
          const digits = m.toString().padStart(fracDigits + 1, "0");
          const text = `${digits.slice(0, digits.length - fracDigits)}${fracDigits > 0 ? "." + digits.slice(-fracDigits) : ""}e${exp}`;
          const value = Rational.of(m * 10n ** BigInt(exp), 10n ** BigInt(fracDigits));
          if (value.den === 1n) expect(parsePixelsPerUnit(text)).to.equal(value.num);
          else expect(() => parsePixelsPerUnit(text)).to.throw(InvalidPriceError);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("parsePriceSetting", () => {
  it("combines -pricePerUnit 0.41USD -pixelsPerUnit 1e12", () => {
    const s = parsePriceSetting({ pricePerUnit: "0.41USD", pixelsPerUnit: "1e12" });
    expect(s.unit).to.equal("pixel");
    expect(s.currency).to.equal("USD");
    expect(s.per).to.equal(10n ** 12n);
    expect(s.amount.equals(Rational.of(41n, 100n))).to.equal(true);
  });

  it("defaults to 1 pixel per unit and accepts per-second and per-request prices", () => {
    expect(parsePriceSetting({ pricePerUnit: "900" }).per).to.equal(1n);
    expect(parsePriceSetting({ pricePerUnit: "0.002USD", unit: "second" }).unit).to.equal("second");
    expect(parsePriceSetting({ pricePerUnit: "5wei", unit: "request" }).unit).to.equal("request");
  });

  it("refuses a zero unit count given as bigint and an unknown unit", () => {
    expect(() => parsePriceSetting({ pricePerUnit: "1", pixelsPerUnit: 0n })).to.throw(
      InvalidPriceError,
    );
    expect(() =>
      parsePriceSetting({ pricePerUnit: "1", unit: "frame" as unknown as "pixel" }),
    ).to.throw(InvalidPriceError);
  });
});
