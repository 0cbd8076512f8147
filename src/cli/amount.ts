import { formatUnits, parseUnits } from "ethers";

import { CliUsageError } from "./errors.js";
import { messages } from "./messages.js";

/** Decimals of each unit an amount may be written in. */
const UNIT_DECIMALS = { eth: 18, gwei: 9, wei: 0 } as const;

type Unit = keyof typeof UNIT_DECIMALS;

const AMOUNT_PATTERN = /^(\d+(?:\.\d+)?)(eth|gwei|wei)$/i;

/**
 * Parses an amount with an explicit unit into wei: `1.5eth`, `20gwei`, `1000wei`. A bare number
 * is refused, since `1` could mean one ether or one wei and money is at stake.
 *
 * @example
 * ```ts
 * parseAmount("1.5eth", "deposit"); // 1500000000000000000n
 * parseAmount("1000wei", "deposit"); // 1000n
 * ```
 */
export function parseAmount(text: string, what: string): bigint {
  const match = AMOUNT_PATTERN.exec(text.trim());
  if (match === null) {
    throw new CliUsageError(messages.amount.invalid(what, text), {
      details: { what, value: text },
      hint: messages.amount.hint,
    });
  }
  const [, digits = "", unitText = ""] = match;
  const unit = unitText.toLowerCase() as Unit;
  const decimals = UNIT_DECIMALS[unit];
  const fraction = digits.split(".")[1] ?? "";
  if (fraction.length > decimals) {
    throw new CliUsageError(messages.amount.tooPrecise(what, text, unit), {
      details: { what, value: text, unit, maxDecimals: decimals },
      hint: messages.amount.hint,
    });
  }
  return parseUnits(digits, decimals);
}

/** Formats wei as ETH with its unit, e.g. `1.5 ETH`; exact, never rounded. */
export function formatEth(wei: bigint): string {
  const text = formatUnits(wei, 18);
  return `${text.endsWith(".0") ? text.slice(0, -2) : text} ETH`;
}
