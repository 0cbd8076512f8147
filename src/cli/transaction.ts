import type { ContractTransaction, TransactionReceipt } from "ethers";

import { formatEth } from "./amount.js";
import type { CliContext, CliDeps } from "./context.js";
import { ContractRevertError, InsufficientBalanceError } from "./errors.js";
import { messages } from "./messages.js";
import { explainTransactionError } from "./revert.js";

/** A transaction a command wants to send. */
export interface TxPlan {
  /** What it does, for people: "deposit 1.5 ETH". */
  readonly label: string;
  /** The contract function, e.g. `fundDeposit()`. */
  readonly call: string;
  readonly request: ContractTransaction;
}

export interface DryRunResult {
  readonly kind: "dry-run";
  readonly label: string;
  readonly from: string;
  readonly to: string;
  readonly value: bigint;
  readonly call: string;
  readonly data: string;
  readonly gasEstimate: bigint;
  readonly maxFeePerGas: bigint;
  readonly maxGasCost: bigint;
}

export interface SentResult {
  readonly kind: "sent";
  readonly label: string;
  readonly from: string;
  readonly hash: string;
  readonly blockNumber: number;
  readonly gasUsed: bigint;
  readonly receipt: TransactionReceipt;
}

async function waitForReceipt(
  ctx: CliContext,
  deps: CliDeps,
  hash: string,
): Promise<TransactionReceipt> {
  const started = deps.now();
  for (;;) {
    const receipt = await ctx.provider.getTransactionReceipt(hash);
    if (receipt !== null) {
      deps.io.endProgress();
      return receipt;
    }
    deps.io.progress(messages.progress.waiting(Math.floor((deps.now() - started) / 1000)));
    await deps.sleep(deps.pollIntervalMs);
  }
}

/**
 * Estimates, checks and (unless `dryRun`) sends one transaction from the context's signer,
 * showing progress until it is mined. A revert, at estimation or in the receipt, becomes a
 * {@link ContractRevertError} with the Solidity error name and values; a balance that cannot
 * pay value plus gas becomes an {@link InsufficientBalanceError} before anything is sent.
 */
export async function executeTransaction(
  ctx: CliContext,
  deps: CliDeps,
  plan: TxPlan,
  dryRun: boolean,
): Promise<DryRunResult | SentResult> {
  const signer = await ctx.getSigner();
  const from = await signer.getAddress();
  const value = plan.request.value ?? 0n;
  const balance = await ctx.provider.getBalance(from);
  if (balance < value) {
    throw new InsufficientBalanceError(
      messages.balance.insufficient(from, formatEth(balance), formatEth(value)),
      {
        details: { account: from, balance, value },
        hint: messages.balance.hint,
      },
    );
  }
  let gasEstimate: bigint;
  try {
    gasEstimate = await ctx.provider.estimateGas({ ...plan.request, from });
  } catch (err) {
    throw explainTransactionError(err);
  }
  const feeData = await ctx.provider.getFeeData();
  const maxFeePerGas = feeData.maxFeePerGas ?? feeData.gasPrice ?? 0n;
  const maxGasCost = gasEstimate * maxFeePerGas;
  if (balance < value + maxGasCost) {
    throw new InsufficientBalanceError(
      messages.balance.insufficient(from, formatEth(balance), formatEth(value + maxGasCost)),
      { details: { account: from, balance, value, maxGasCost }, hint: messages.balance.hint },
    );
  }
  if (dryRun) {
    return {
      kind: "dry-run",
      label: plan.label,
      from,
      to: plan.request.to,
      value,
      call: plan.call,
      data: plan.request.data,
      gasEstimate,
      maxFeePerGas,
      maxGasCost,
    };
  }
  let hash: string;
  try {
    const response = await signer.sendTransaction({ ...plan.request, gasLimit: gasEstimate });
    hash = response.hash;
  } catch (err) {
    throw explainTransactionError(err);
  }
  deps.io.err(messages.progress.sent(hash));
  const receipt = await waitForReceipt(ctx, deps, hash);
  if (receipt.status !== 1) {
    throw new ContractRevertError(messages.revert.failedReceipt(hash), {
      errorName: "unknown",
      args: {},
      details: { hash, blockNumber: receipt.blockNumber },
      hint: messages.revert.undecodedHint,
    });
  }
  deps.io.err(messages.progress.confirmed(receipt.blockNumber, receipt.gasUsed));
  return {
    kind: "sent",
    label: plan.label,
    from,
    hash,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
    receipt,
  };
}
