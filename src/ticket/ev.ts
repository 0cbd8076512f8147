import { TicketBrokerError } from "../errors.js";
import { describeValue } from "./inputs.js";
import { Rational } from "../math/rational.js";

/** 2^256: a ticket wins with probability winProb / 2^256. */
export const WIN_PROB_SCALE = 1n << 256n;

/** The largest winProb (2^256 − 1): the ticket wins unless its draw is exactly 2^256 − 1. */
export const MAX_WIN_PROB = WIN_PROB_SCALE - 1n;

/** A face value, win probability, EV or amount is out of its range. */
export class InvalidTicketValueError extends TicketBrokerError {}

/**
 * Expected value of a ticket in wei, exactly: faceValue × winProb / 2^256.
 *
 * @example
 * ```ts
 * ticketEV(1000n, 1n << 255n).equals(500n); // true: half the time 1000 wei
 * ```
 */
export function ticketEV(faceValue: bigint, winProb: bigint): Rational {
  if (
    typeof faceValue !== "bigint" ||
    typeof winProb !== "bigint" ||
    faceValue < 0n ||
    winProb < 0n ||
    winProb > MAX_WIN_PROB
  ) {
    throw new InvalidTicketValueError("Face value or win probability out of range", {
      details: { faceValue: describeValue(faceValue), winProb: describeValue(winProb) },
      hint: "faceValue must be ≥ 0 wei and winProb in [0, 2^256 − 1].",
    });
  }
  return Rational.of(faceValue * winProb, WIN_PROB_SCALE);
}

/**
 * The smallest winProb whose EV at `faceValue` is at least `ev`: ⌈ev × 2^256 / faceValue⌉, so
 * the EV is never under the target. Throws when the target EV is not below the face value
 * (a ticket cannot be worth more than it pays).
 */
export function winProbForEV(ev: Rational | bigint, faceValue: bigint): bigint {
  const target = Rational.from(ev);
  if (typeof faceValue !== "bigint") {
    throw new InvalidTicketValueError("The face value must be a bigint (wei)", {
      details: { faceValue: describeValue(faceValue) },
      hint: "Pass the face value in wei as a bigint.",
    });
  }
  if (faceValue <= 0n || target.cmp(0n) <= 0 || target.cmp(faceValue) >= 0) {
    throw new InvalidTicketValueError("Target EV must be positive and below the face value", {
      details: { ev: target.toString(), faceValue },
      hint: "Raise the face value above the EV per ticket, or lower the EV per ticket.",
    });
  }
  return target.mul(WIN_PROB_SCALE).div(faceValue).ceil();
}

/**
 * How many tickets of expected value `ev` pay `amount`: ⌈amount / ev⌉, and at least one.
 *
 * @example
 * ```ts
 * ticketCountFor(Rational.of(3n * 10n ** 12n), Rational.of(10n ** 12n)); // 3n
 * ```
 */
export function ticketCountFor(amount: Rational | bigint, ev: Rational): bigint {
  if (!(ev instanceof Rational) || ev.cmp(0n) <= 0) {
    throw new InvalidTicketValueError("Ticket EV must be a positive Rational", {
      details: { ev: ev instanceof Rational ? ev.toString() : describeValue(ev) },
      hint: "Use ticket params with a non-zero face value and win probability.",
    });
  }
  const count = Rational.from(amount).div(ev).ceil();
  return count < 1n ? 1n : count;
}
