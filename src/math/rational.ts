import { TicketBrokerError } from "../errors.js";

/** A rational could not be built: zero denominator, a malformed decimal, or not a bigint. */
export class InvalidRationalError extends TicketBrokerError {}

/** A short description of a value that is not a bigint or a Rational, for error details. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${value}`;
  if (typeof value === "string") return `string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value;
}

function notExact(field: string, value: unknown): InvalidRationalError {
  return new InvalidRationalError(`${field} must be a bigint or a Rational`, {
    details: { field, received: kindOf(value) },
    hint:
      typeof value === "number"
        ? `Pass ${field} as a bigint (BigInt(x)) or a Rational: a JavaScript number cannot hold wei exactly.`
        : typeof value === "string"
          ? `Parse text with Rational.parseDecimal("${value.slice(0, 20)}") or BigInt(text) first.`
          : `Pass ${field} as a bigint or a Rational.`,
  });
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  if (x === 0n) return y;
  if (y === 0n) return x;
  // A power of two (EVs are over 2^256): the gcd is the lower of the two lowest set bits.
  if ((y & (y - 1n)) === 0n) {
    const low = x & -x;
    return low < y ? low : y;
  }
  if ((x & (x - 1n)) === 0n) {
    const low = y & -y;
    return low < x ? low : x;
  }
  while (y !== 0n) {
    const r = x % y;
    x = y;
    y = r;
  }
  return x;
}

/**
 * An exact rational number over bigints, always in lowest terms with a positive denominator.
 * Prices, expected values and fees are rationals so that no wei is created or lost by rounding;
 * rounding happens only where money changes hands, with an explicit `floor` or `ceil`.
 *
 * @example
 * ```ts
 * const third = Rational.of(1n, 3n);
 * third.mul(3n).equals(1n); // true
 * Rational.parseDecimal("0.41").toString(); // "41/100"
 * ```
 */
export class Rational {
  readonly num: bigint;
  readonly den: bigint;

  private constructor(num: bigint, den: bigint) {
    this.num = num;
    this.den = den;
  }

  /** `num / den`; throws {@link InvalidRationalError} when `den` is zero. */
  static of(num: bigint, den: bigint = 1n): Rational {
    if (typeof num !== "bigint") throw notExact("numerator", num);
    if (typeof den !== "bigint") throw notExact("denominator", den);
    if (den === 0n) {
      throw new InvalidRationalError("Denominator is zero", {
        details: { num, den },
        hint: "Pass a non-zero denominator.",
      });
    }
    const sign = den < 0n ? -1n : 1n;
    const g = gcd(num, den) || 1n;
    return new Rational((sign * num) / g, (sign * den) / g);
  }

  static readonly ZERO = Rational.of(0n);
  static readonly ONE = Rational.of(1n);

  /**
   * Parses a plain decimal such as `"12"`, `"0.41"` or `".5"` exactly (no exponent, no sign
   * unless `allowNegative`). Throws {@link InvalidRationalError} on anything else.
   */
  static parseDecimal(text: string, options: { allowNegative?: boolean } = {}): Rational {
    if (typeof text !== "string") {
      throw new InvalidRationalError("Not a decimal text", {
        details: { received: kindOf(text) },
        hint: 'Pass the decimal as a string such as "1200" or "0.41".',
      });
    }
    const match = /^(-)?(\d*)(?:\.(\d*))?$/.exec(text.trim());
    const intPart = match?.[2] ?? "";
    const fracPart = match?.[3] ?? "";
    if (
      match === null ||
      (intPart === "" && fracPart === "") ||
      (match[1] !== undefined && options?.allowNegative !== true)
    ) {
      throw new InvalidRationalError(`Not a plain decimal number: "${text}"`, {
        details: { text },
        hint: 'Write digits with an optional decimal point, such as "1200" or "0.41".',
      });
    }
    const scale = 10n ** BigInt(fracPart.length);
    const value = BigInt(intPart || "0") * scale + BigInt(fracPart || "0");
    return Rational.of(match[1] === undefined ? value : -value, scale);
  }

  /**
   * `value` as a Rational: a bigint becomes value/1, a Rational is returned as is. Anything
   * else (a number, a decimal string, a look-alike object) throws {@link InvalidRationalError}:
   * numbers are not exact and strings need parsing ({@link Rational.parseDecimal}).
   */
  static from(value: Rational | bigint): Rational {
    if (typeof value === "bigint") return Rational.of(value);
    if (value instanceof Rational) return value;
    throw notExact("value", value);
  }

  add(other: Rational | bigint): Rational {
    const o = Rational.from(other);
    return Rational.of(this.num * o.den + o.num * this.den, this.den * o.den);
  }

  sub(other: Rational | bigint): Rational {
    const o = Rational.from(other);
    return Rational.of(this.num * o.den - o.num * this.den, this.den * o.den);
  }

  mul(other: Rational | bigint): Rational {
    const o = Rational.from(other);
    return Rational.of(this.num * o.num, this.den * o.den);
  }

  div(other: Rational | bigint): Rational {
    const o = Rational.from(other);
    return Rational.of(this.num * o.den, this.den * o.num);
  }

  /** -1, 0 or 1 as this is below, equal to or above `other`. */
  cmp(other: Rational | bigint): -1 | 0 | 1 {
    const o = Rational.from(other);
    const d = this.num * o.den - o.num * this.den;
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }

  equals(other: Rational | bigint): boolean {
    return this.cmp(other) === 0;
  }

  isZero(): boolean {
    return this.num === 0n;
  }

  /** Largest integer ≤ this. */
  floor(): bigint {
    const q = this.num / this.den;
    return this.num < 0n && q * this.den !== this.num ? q - 1n : q;
  }

  /** Smallest integer ≥ this. */
  ceil(): bigint {
    const q = this.num / this.den;
    return this.num > 0n && q * this.den !== this.num ? q + 1n : q;
  }

  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`;
  }

  /** A decimal approximation for display only; never use it in arithmetic. */
  toDecimalString(digits = 6): string {
    if (!Number.isSafeInteger(digits) || digits < 0 || digits > 1000) {
      throw new InvalidRationalError("digits must be a whole number from 0 to 1000", {
        details: { digits: kindOf(digits) },
        hint: "Pass the number of decimal places to show, such as 6.",
      });
    }
    const scale = 10n ** BigInt(digits);
    const scaled = Rational.of(this.num * scale, this.den).floor();
    const negative = scaled < 0n;
    const abs = negative ? -scaled : scaled;
    const int = abs / scale;
    const frac = (abs % scale).toString().padStart(digits, "0").replace(/0+$/, "");
    return `${negative ? "-" : ""}${int}${frac === "" ? "" : `.${frac}`}`;
  }
}
