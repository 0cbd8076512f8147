import { getAddress, isAddress } from "ethers";

import { formatEth, parseAmount } from "./amount.js";
import { brokerAt, poolAt, type CliContext, type CliDeps } from "./context.js";
import { CliInputFileError, CliUsageError } from "./errors.js";
import { messages, type CommandId } from "./messages.js";
import { explainTransactionError } from "./revert.js";
import {
  executeTransaction,
  type DryRunResult,
  type SentResult,
  type TxPlan,
} from "./transaction.js";
import { orderForRedemption, parseWinnersFile, type StoredWinner } from "./winnersFile.js";

/** What a command produces: rows for people and a JSON object for programs. */
export interface CommandResult {
  readonly title: string;
  readonly rows: ReadonlyArray<readonly [string, string]>;
  readonly extraLines?: readonly string[];
  readonly json: Record<string, unknown>;
}

export interface CommandInput {
  readonly positionals: readonly string[];
  readonly values: ReadonlyMap<string, string>;
  readonly dryRun: boolean;
}

export interface Command {
  readonly id: CommandId;
  /** Accepted positional argument counts (after the command words). */
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Value options beyond the global ones. */
  readonly options: readonly string[];
  /** Checks arguments before any network access, so usage errors are instant. */
  validate?(input: CommandInput): void;
  run(ctx: CliContext, deps: CliDeps, input: CommandInput): Promise<CommandResult>;
}

function address(what: string, value: string): string {
  if (!isAddress(value)) {
    throw new CliUsageError(messages.usage.invalidAddress(what, value), {
      details: { [what]: value },
      hint: messages.usage.addressHint,
    });
  }
  return getAddress(value);
}

function positiveAmount(text: string, what: string): bigint {
  const wei = parseAmount(text, what);
  if (wei === 0n) {
    throw new CliUsageError(messages.amount.zero(what), {
      details: { what, value: text },
      hint: messages.amount.zeroHint,
    });
  }
  return wei;
}

async function me(ctx: CliContext): Promise<string> {
  return (await ctx.getSigner()).getAddress();
}

function txResult(
  result: DryRunResult | SentResult,
  extra: CommandResult["rows"] = [],
): CommandResult {
  const o = messages.output;
  if (result.kind === "dry-run") {
    return {
      title: o.dryRunTitle(result.label),
      rows: [
        [o.from, result.from],
        [o.to, result.to],
        [o.value, formatEth(result.value)],
        [o.call, result.call],
        [o.data, result.data],
        [o.gasEstimate, result.gasEstimate.toString()],
        [o.maxFeePerGas, `${result.maxFeePerGas} wei`],
        [o.maxCost, formatEth(result.maxGasCost)],
      ],
      json: {
        dryRun: true,
        action: result.label,
        transaction: {
          from: result.from,
          to: result.to,
          value: result.value,
          data: result.data,
          call: result.call,
        },
        gasEstimate: result.gasEstimate,
        maxFeePerGas: result.maxFeePerGas,
        maxGasCost: result.maxGasCost,
      },
    };
  }
  return {
    title: o.done(result.label),
    rows: [
      [o.hash, result.hash],
      [o.block, String(result.blockNumber)],
      [o.gasUsed, result.gasUsed.toString()],
      ...extra,
    ],
    json: {
      dryRun: false,
      action: result.label,
      from: result.from,
      hash: result.hash,
      blockNumber: result.blockNumber,
      gasUsed: result.gasUsed,
      ...Object.fromEntries(extra),
    },
  };
}

async function senderRows(ctx: CliContext, sender: string): Promise<CommandResult> {
  const broker = brokerAt(ctx.brokerAddress, ctx.provider);
  const [info, unlocking, block] = await Promise.all([
    broker.getSenderInfo(sender),
    broker.isUnlockInProgress(sender),
    ctx.provider.getBlock("latest"),
  ]);
  const o = messages.output;
  let state: string;
  let stateCode: "locked" | "unlocking" | "unlocked";
  if (info.unlockEnd === 0n) {
    state = o.locked;
    stateCode = "locked";
  } else if (unlocking) {
    state = o.unlocking(info.unlockEnd);
    stateCode = "unlocking";
  } else {
    state = o.unlocked(info.unlockEnd);
    stateCode = "unlocked";
  }
  return {
    title: `${o.sender} ${sender} on ${ctx.networkName}`,
    rows: [
      [o.deposit, formatEth(info.deposit)],
      [o.reserve, formatEth(info.reserve)],
      [o.unlock, state],
    ],
    json: {
      network: ctx.networkName,
      chainId: ctx.chainId,
      broker: ctx.brokerAddress,
      sender,
      deposit: info.deposit,
      reserve: info.reserve,
      unlockEnd: info.unlockEnd,
      state: stateCode,
      blockTimestamp: block?.timestamp ?? null,
    },
  };
}

function simpleTx(
  id: CommandId,
  plan: (ctx: CliContext, input: CommandInput) => Promise<TxPlan>,
  options: { minArgs?: number; maxArgs?: number; validate?: (input: CommandInput) => void } = {},
): Command {
  return {
    id,
    minArgs: options.minArgs ?? 0,
    maxArgs: options.maxArgs ?? 0,
    options: [],
    ...(options.validate === undefined ? {} : { validate: options.validate }),
    async run(ctx, deps, input) {
      const result = await executeTransaction(ctx, deps, await plan(ctx, input), input.dryRun);
      if (result.kind === "sent") {
        const status = await senderRows(ctx, result.from);
        return txResult(result, status.rows);
      }
      return txResult(result);
    },
  };
}

async function poolOf(ctx: CliContext) {
  const broker = brokerAt(ctx.brokerAddress, ctx.provider);
  return poolAt(await broker.recipientPool(), ctx.provider);
}

const DEFAULT_BATCH_SIZE = 20;

function batchSize(input: CommandInput): number {
  const text = input.values.get("--batch-size");
  if (text === undefined) return DEFAULT_BATCH_SIZE;
  if (!/^[1-9]\d{0,3}$/.test(text)) {
    throw new CliUsageError(messages.usage.invalidInteger("--batch-size", text), {
      details: { batchSize: text },
      hint: messages.usage.integerHint("--batch-size"),
    });
  }
  return Number(text);
}

async function redeem(ctx: CliContext, deps: CliDeps, input: CommandInput): Promise<CommandResult> {
  const file = input.positionals[0] ?? "";
  const size = batchSize(input);
  let text: string;
  try {
    text = await deps.readFile(file);
  } catch (err) {
    throw new CliInputFileError(
      messages.winners.unreadable(file, err instanceof Error ? err.message : String(err)),
      {
        details: { file },
        hint: messages.winners.unreadableHint,
        cause: err,
      },
    );
  }
  const winners = orderForRedemption(parseWinnersFile(file, text));
  const recipient = await me(ctx);
  const notMine = winners.filter((w) => w.ticket.recipient !== recipient);
  if (notMine.length > 0) {
    throw new CliInputFileError(messages.winners.notYours(notMine.length, recipient), {
      details: { file, recipient, foreign: notMine.length },
      hint: messages.winners.notYoursHint,
    });
  }
  const o = messages.output;
  if (winners.length === 0) {
    return {
      title: messages.winners.empty,
      rows: [],
      json: { redeemed: 0, paid: 0n, failures: [], transactions: [] },
    };
  }
  const broker = brokerAt(ctx.brokerAddress, ctx.provider);
  const batches: StoredWinner[][] = [];
  for (let i = 0; i < winners.length; i += size) batches.push(winners.slice(i, i + size));

  const transactions: Record<string, unknown>[] = [];
  const failures: Record<string, unknown>[] = [];
  const extraLines: string[] = [];
  let paid = 0n;
  let redeemed = 0;
  let gasUsed = 0n;
  for (const [i, batch] of batches.entries()) {
    deps.io.err(messages.progress.batch(i + 1, batches.length, batch.length));
    const request = await broker.redeemWinningTickets.populateTransaction(batch);
    const result = await executeTransaction(
      ctx,
      deps,
      {
        label: `redeem ${batch.length} ticket(s)`,
        call: "redeemWinningTickets(SignedTicket[])",
        request,
      },
      input.dryRun,
    );
    if (result.kind === "dry-run") {
      transactions.push({ batch: i + 1, tickets: batch.length, gasEstimate: result.gasEstimate });
      gasUsed += result.gasEstimate;
      continue;
    }
    gasUsed += result.gasUsed;
    const iface = broker.interface;
    for (const log of result.receipt.logs) {
      if (log.address.toLowerCase() !== ctx.brokerAddress.toLowerCase()) continue;
      const parsed = iface.parseLog(log);
      if (parsed === null) continue;
      if (parsed.name === "WinningTicketRedeemed") {
        paid += parsed.args.getValue("faceValue") as bigint;
        redeemed++;
      } else if (parsed.name === "TicketRedemptionFailed") {
        const nonce = parsed.args.getValue("senderNonce") as bigint;
        const sender = parsed.args.getValue("sender") as string;
        const reasonError = explainTransactionError({
          data: parsed.args.getValue("reason") as string,
        });
        const reason = reasonError instanceof Error ? reasonError.message : String(reasonError);
        failures.push({ sender, senderNonce: nonce, reason });
        extraLines.push(o.failedTicket(nonce, sender, reason));
      }
    }
    transactions.push({
      batch: i + 1,
      tickets: batch.length,
      hash: result.hash,
      gasUsed: result.gasUsed,
    });
  }
  if (input.dryRun) {
    return {
      title: o.dryRunTitle(
        `redeem ${winners.length} ticket(s) in ${batches.length} transaction(s)`,
      ),
      rows: [[o.gasEstimate, gasUsed.toString()]],
      json: { dryRun: true, tickets: winners.length, transactions, gasEstimate: gasUsed },
    };
  }
  return {
    title: o.redeemed(redeemed, formatEth(paid)),
    rows: [[o.gasUsed, gasUsed.toString()]],
    extraLines,
    json: { dryRun: false, redeemed, paid, gasUsed, failures, transactions },
  };
}

/** Every command, by id. */
export const commands: Readonly<Record<CommandId, Command>> = {
  "sender deposit": simpleTx(
    "sender deposit",
    async (ctx, input) => {
      const value = positiveAmount(input.positionals[0] ?? "", "deposit");
      const request = await brokerAt(
        ctx.brokerAddress,
        ctx.provider,
      ).fundDeposit.populateTransaction({ value });
      return { label: `deposit ${formatEth(value)}`, call: "fundDeposit()", request };
    },
    {
      minArgs: 1,
      maxArgs: 1,
      validate: (input) => void positiveAmount(input.positionals[0] ?? "", "deposit"),
    },
  ),
  "sender reserve": simpleTx(
    "sender reserve",
    async (ctx, input) => {
      const value = positiveAmount(input.positionals[0] ?? "", "reserve");
      const request = await brokerAt(
        ctx.brokerAddress,
        ctx.provider,
      ).fundReserve.populateTransaction({ value });
      return { label: `reserve ${formatEth(value)}`, call: "fundReserve()", request };
    },
    {
      minArgs: 1,
      maxArgs: 1,
      validate: (input) => void positiveAmount(input.positionals[0] ?? "", "reserve"),
    },
  ),
  "sender fund": {
    id: "sender fund",
    minArgs: 1,
    maxArgs: 1,
    options: ["--deposit", "--reserve"],
    validate(input) {
      fundAmounts(input);
    },
    async run(ctx, deps, input) {
      const { sender, deposit, reserve } = fundAmounts(input);
      const request = await brokerAt(
        ctx.brokerAddress,
        ctx.provider,
      ).fundDepositAndReserveFor.populateTransaction(sender, deposit, reserve, {
        value: deposit + reserve,
      });
      const result = await executeTransaction(
        ctx,
        deps,
        {
          label: `fund ${sender}: deposit ${formatEth(deposit)}, reserve ${formatEth(reserve)}`,
          call: "fundDepositAndReserveFor(address,uint256,uint256)",
          request,
        },
        input.dryRun,
      );
      if (result.kind === "sent") return txResult(result, (await senderRows(ctx, sender)).rows);
      return txResult(result);
    },
  },
  "sender unlock": simpleTx("sender unlock", async (ctx) => ({
    label: "unlock",
    call: "unlock()",
    request: await brokerAt(ctx.brokerAddress, ctx.provider).unlock.populateTransaction(),
  })),
  "sender cancel-unlock": simpleTx("sender cancel-unlock", async (ctx) => ({
    label: "cancel unlock",
    call: "cancelUnlock()",
    request: await brokerAt(ctx.brokerAddress, ctx.provider).cancelUnlock.populateTransaction(),
  })),
  "sender withdraw": simpleTx("sender withdraw", async (ctx) => ({
    label: "withdraw",
    call: "withdraw()",
    request: await brokerAt(ctx.brokerAddress, ctx.provider).withdraw.populateTransaction(),
  })),
  "sender status": {
    id: "sender status",
    minArgs: 0,
    maxArgs: 1,
    options: [],
    validate(input) {
      if (input.positionals[0] !== undefined) address("sender address", input.positionals[0]);
    },
    async run(ctx, _deps, input) {
      const sender =
        input.positionals[0] === undefined
          ? await me(ctx)
          : address("sender address", input.positionals[0]);
      return senderRows(ctx, sender);
    },
  },
  "recipient status": {
    id: "recipient status",
    minArgs: 0,
    maxArgs: 1,
    options: [],
    validate(input) {
      if (input.positionals[0] !== undefined) address("recipient address", input.positionals[0]);
    },
    async run(ctx, _deps, input) {
      const recipient =
        input.positionals[0] === undefined
          ? await me(ctx)
          : address("recipient address", input.positionals[0]);
      const broker = brokerAt(ctx.brokerAddress, ctx.provider);
      const pool = await poolOf(ctx);
      const [credited, eligible, count, round, balance] = await Promise.all([
        broker.creditedEarnings(recipient),
        pool.isEligible(recipient),
        pool.eligibleCount(),
        broker.currentRound(),
        ctx.provider.getBalance(recipient),
      ]);
      const o = messages.output;
      return {
        title: `${o.recipient} ${recipient} on ${ctx.networkName}`,
        rows: [
          [o.inPool, eligible ? o.yes : o.no],
          [o.eligibleCount, count.toString()],
          [o.credited, formatEth(credited)],
          [o.walletBalance, formatEth(balance)],
          [o.currentRound, round.toString()],
        ],
        json: {
          network: ctx.networkName,
          chainId: ctx.chainId,
          recipient,
          inPool: eligible,
          eligibleCount: count,
          creditedEarnings: credited,
          balance,
          currentRound: round,
        },
      };
    },
  },
  "recipient claimable": {
    id: "recipient claimable",
    minArgs: 1,
    maxArgs: 2,
    options: [],
    validate(input) {
      address("sender address", input.positionals[0] ?? "");
      if (input.positionals[1] !== undefined) address("recipient address", input.positionals[1]);
    },
    async run(ctx, _deps, input) {
      const sender = address("sender address", input.positionals[0] ?? "");
      const recipient =
        input.positionals[1] === undefined
          ? await me(ctx)
          : address("recipient address", input.positionals[1]);
      const broker = brokerAt(ctx.brokerAddress, ctx.provider);
      const [claimable, round] = await Promise.all([
        broker.claimableReserve(sender, recipient),
        broker.currentRound(),
      ]);
      const o = messages.output;
      return {
        title: `${o.recipient} ${recipient}, ${o.sender} ${sender}`,
        rows: [
          [o.claimable, formatEth(claimable)],
          [o.currentRound, round.toString()],
        ],
        json: { sender, recipient, claimableReserve: claimable, currentRound: round },
      };
    },
  },
  "recipient redeem": {
    id: "recipient redeem",
    minArgs: 1,
    maxArgs: 1,
    options: ["--batch-size"],
    validate(input) {
      batchSize(input);
    },
    run: redeem,
  },
  "recipient withdraw-earnings": {
    id: "recipient withdraw-earnings",
    minArgs: 0,
    maxArgs: 0,
    options: ["--to"],
    validate(input) {
      const to = input.values.get("--to");
      if (to !== undefined) address("--to address", to);
    },
    async run(ctx, deps, input) {
      const toFlag = input.values.get("--to");
      const to = toFlag === undefined ? await me(ctx) : address("--to address", toFlag);
      const broker = brokerAt(ctx.brokerAddress, ctx.provider);
      const request = await broker.withdrawEarnings.populateTransaction(to);
      const result = await executeTransaction(
        ctx,
        deps,
        { label: `withdraw earnings to ${to}`, call: "withdrawEarnings(address)", request },
        input.dryRun,
      );
      return txResult(result);
    },
  },
  "pool add": poolTx("pool add", "addRecipient"),
  "pool remove": poolTx("pool remove", "removeRecipient"),
  "pool list": {
    id: "pool list",
    minArgs: 0,
    maxArgs: 0,
    options: [],
    async run(ctx) {
      const pool = await poolOf(ctx);
      const [recipients, owner] = await Promise.all([pool.recipients(), pool.owner()]);
      const o = messages.output;
      return {
        title: o.recipients(recipients.length),
        rows: [
          [o.pool, await pool.getAddress()],
          [o.poolOwner, owner],
          ...recipients.map((r, i) => [`#${i + 1}`, r] as const),
        ],
        json: { pool: await pool.getAddress(), owner, recipients },
      };
    },
  },
  info: {
    id: "info",
    minArgs: 0,
    maxArgs: 0,
    options: [],
    async run(ctx) {
      const broker = brokerAt(ctx.brokerAddress, ctx.provider);
      const [pool, unlockPeriod, roundLength, round] = await Promise.all([
        broker.recipientPool(),
        broker.unlockPeriod(),
        broker.roundLength(),
        broker.currentRound(),
      ]);
      const o = messages.output;
      return {
        title: `TicketBroker on ${ctx.networkName}`,
        rows: [
          [o.chainId, ctx.chainId.toString()],
          [o.broker, ctx.brokerAddress],
          [o.pool, pool],
          [o.unlockPeriod, o.seconds(unlockPeriod)],
          [o.roundLength, o.seconds(roundLength)],
          [o.currentRound, round.toString()],
        ],
        json: {
          network: ctx.networkName,
          chainId: ctx.chainId,
          broker: ctx.brokerAddress,
          recipientPool: pool,
          unlockPeriod,
          roundLength,
          currentRound: round,
        },
      };
    },
  },
};

function fundAmounts(input: CommandInput): { sender: string; deposit: bigint; reserve: bigint } {
  const sender = address("sender address", input.positionals[0] ?? "");
  const depositText = input.values.get("--deposit");
  const reserveText = input.values.get("--reserve");
  const deposit = depositText === undefined ? 0n : parseAmount(depositText, "deposit");
  const reserve = reserveText === undefined ? 0n : parseAmount(reserveText, "reserve");
  if (deposit + reserve === 0n) {
    throw new CliUsageError(messages.usage.fundNeedsAmount, {
      details: { deposit, reserve },
      hint: messages.usage.fundHint,
    });
  }
  return { sender, deposit, reserve };
}

function poolTx(id: "pool add" | "pool remove", fn: "addRecipient" | "removeRecipient"): Command {
  return {
    id,
    minArgs: 1,
    maxArgs: 1,
    options: [],
    validate(input) {
      address("recipient address", input.positionals[0] ?? "");
    },
    async run(ctx, deps, input) {
      const recipient = address("recipient address", input.positionals[0] ?? "");
      const pool = await poolOf(ctx);
      const request = await pool[fn].populateTransaction(recipient);
      const result = await executeTransaction(
        ctx,
        deps,
        {
          label: `${id === "pool add" ? "add" : "remove"} recipient ${recipient}`,
          call: `${fn}(address)`,
          request,
        },
        input.dryRun,
      );
      return txResult(result);
    },
  };
}
