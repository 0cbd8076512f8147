import { Rational } from "../../math/rational.js";
import { RequestValidationError } from "./errors.js";

/** Parses a decimal wei string from a request, naming the field when it is malformed. */
export function parseWei(text: string, field: string): Rational {
  try {
    const slash = text.indexOf("/");
    if (slash >= 0) {
      return Rational.of(BigInt(text.slice(0, slash)), BigInt(text.slice(slash + 1)));
    }
    return Rational.parseDecimal(text);
  } catch (cause) {
    throw new RequestValidationError(`${field} is not a decimal amount of wei`, {
      details: { field, value: text },
      hint: 'Send wei as a decimal string such as "1500" or "0.205", or a fraction such as "41/200".',
      cause,
    });
  }
}

/** An exact wei amount as text: "n" or "n/d". */
export function weiText(value: Rational | bigint): string {
  return Rational.from(value).toString();
}

/** A session's totals as the services return them. */
export function balanceJson(b: { balance: Rational; credited: Rational; debited: Rational }): {
  balance: string;
  credited: string;
  debited: string;
} {
  return {
    balance: weiText(b.balance),
    credited: weiText(b.credited),
    debited: weiText(b.debited),
  };
}
