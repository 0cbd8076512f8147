import { Interface, type ErrorDescription } from "ethers";

import { recipientPoolAbi } from "../contract/abi.js";
import {
  TicketBrokerUnknownRevert,
  decodeBrokerError,
  findRevertData,
} from "../contract/contractErrors.js";
import { ContractRevertError, InsufficientBalanceError } from "./errors.js";
import { messages } from "./messages.js";

/** The pool's custom errors (with its OpenZeppelin parents'); the broker's go through decodeBrokerError. */
const poolErrorInterface = new Interface(recipientPoolAbi.filter((item) => item.type === "error"));

function describeArgs(description: ErrorDescription): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  description.fragment.inputs.forEach((input, i) => {
    args[input.name === "" ? `arg${i}` : input.name] = description.args[i];
  });
  return args;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Turns a failed call, gas estimate or transaction into a clear error: a revert becomes a
 * {@link ContractRevertError} named after the Solidity error with its values; a node's
 * "insufficient funds" becomes an {@link InsufficientBalanceError}. Anything else is returned as is.
 */
export function explainTransactionError(err: unknown): unknown {
  const data = findRevertData(err);
  // Data without a selector (`0x`) names no error: the node's message says more.
  if (data !== undefined && data.length >= 10) {
    const brokerError = decodeBrokerError(data);
    if (!(brokerError instanceof TicketBrokerUnknownRevert)) {
      const args = { ...brokerError.details };
      return new ContractRevertError(
        `${messages.revert.decoded(brokerError.code, args)} ${brokerError.message}.`,
        {
          errorName: brokerError.code,
          args,
          details: { errorName: brokerError.code, ...args },
          // The library's hint is the one source of what to do about a broker error.
          hint: brokerError.hint,
          cause: brokerError,
        },
      );
    }
    let description: ErrorDescription | null;
    try {
      description = poolErrorInterface.parseError(data);
    } catch {
      description = null;
    }
    if (description !== null) {
      const args = describeArgs(description);
      return new ContractRevertError(messages.revert.decoded(description.name, args), {
        errorName: description.name,
        args,
        details: { errorName: description.name, ...args },
        hint: messages.revert.hint(description.name),
        cause: err,
      });
    }
    return new ContractRevertError(messages.revert.undecoded(data), {
      errorName: "unknown",
      args: { data },
      details: { data },
      hint: messages.revert.undecodedHint,
      cause: err,
    });
  }
  const text = errorText(err);
  if (/insufficient funds/i.test(text)) {
    return new InsufficientBalanceError(messages.balance.nodeRefused, {
      details: { reason: text.split("\n")[0] },
      hint: messages.balance.hint,
      cause: err,
    });
  }
  if (/reverted/i.test(text) || (err as { code?: unknown } | null)?.code === "CALL_EXCEPTION") {
    return new ContractRevertError(messages.revert.noData(text.split("\n")[0] ?? text), {
      errorName: "unknown",
      args: {},
      details: { reason: text.split("\n")[0] },
      hint: messages.revert.undecodedHint,
      cause: err,
    });
  }
  return err;
}
