import { getAddress, isAddress } from "ethers";

import { ContractBrokerReader } from "../chain/brokerReader.js";
import { FileWinnerStore } from "../recipient/fileWinnerStore.js";
import { ContractRedemptionClient, Redeemer } from "../recipient/redeemer.js";
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

/** A command that funds the caller's own deposit or reserve with the amount it is given. */
function fundOne(
  id: CommandId,
  what: "deposit" | "reserve",
  method: "fundDeposit" | "fundReserve",
): Command {
  return simpleTx(
    id,
    async (ctx, input) => {
      const value = positiveAmount(input.positionals[0] ?? "", what);
      const request = await brokerAt(ctx.brokerAddress, ctx.provider)[method].populateTransaction({
        value,
      });
      return { label: `${what} ${formatEth(value)}`, call: `${method}()`, request };
    },
    {
      minArgs: 1,
      maxArgs: 1,
      validate: (input) => void positiveAmount(input.positionals[0] ?? "", what),
    },
  );
}

async function poolOf(ctx: CliContext) {
  const broker = brokerAt(ctx.brokerAddress, ctx.provider);
  return poolAt(await broker.recipientPool(), ctx.provider);
}

const DEFAULT_BATCH_SIZE = 20;

function positiveInteger(input: CommandInput, flag: string, fallback: number, max: number): number {
  const text = input.values.get(flag);
  if (text === undefined) return fallback;
  if (
    !/^\d{1,7}$/.test(text) ||
    Number(text) > max ||
    (flag === "--batch-size" && Number(text) === 0)
  ) {
    throw new CliUsageError(messages.usage.invalidInteger(flag, text), {
      details: { [flag]: text },
      hint: messages.usage.integerHint(flag),
    });
  }
  return Number(text);
}

/**
 * Redeems the pending winners of a FileWinnerStore with the library's Redeemer (ascending nonce
 * per sender, only winners that are due and fundable, failures recorded in the store).
 */
async function redeem(ctx: CliContext, deps: CliDeps, input: CommandInput): Promise<CommandResult> {
  const file = input.positionals[0] ?? "";
  const batchSize = positiveInteger(input, "--batch-size", DEFAULT_BATCH_SIZE, 500);
  const graceSeconds = BigInt(positiveInteger(input, "--grace-seconds", 60, 86_400 * 365));
  try {
    await deps.readFile(file);
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
  const store = await FileWinnerStore.open({ file });
  try {
    const signer = await ctx.getSigner();
    const recipient = getAddress(await signer.getAddress()) as `0x${string}`;
    const pending = (await store.list({ status: "pending" })).filter(
      (w) => w.ticket.recipient.toLowerCase() === recipient.toLowerCase(),
    );
    const o = messages.output;
    if (input.dryRun) {
      const broker = brokerAt(ctx.brokerAddress, ctx.provider);
      const ordered = [...pending].sort((a, b) =>
        a.ticket.sender === b.ticket.sender
          ? Number(a.ticket.senderNonce - b.ticket.senderNonce)
          : a.ticket.sender < b.ticket.sender
            ? -1
            : 1,
      );
      let gasEstimate = 0n;
      for (let i = 0; i < ordered.length; i += batchSize) {
        const batch = ordered.slice(i, i + batchSize).map((w) => ({
          ticket: w.ticket,
          signature: w.signature,
          recipientRand: w.recipientRand,
        }));
        try {
          gasEstimate += await broker.redeemWinningTickets.estimateGas(batch, { from: recipient });
        } catch (err) {
          throw explainTransactionError(err);
        }
      }
      return {
        title: o.dryRunTitle(
          messages.winners.dryRun(ordered.length, Math.ceil(ordered.length / batchSize)),
        ),
        rows: [
          [o.recipient, recipient],
          [o.gasEstimate, gasEstimate.toString()],
        ],
        json: { dryRun: true, recipient, pending: ordered.length, batchSize, gasEstimate },
      };
    }
    if (pending.length === 0) {
      return {
        title: messages.winners.empty,
        rows: [],
        json: { dryRun: false, recipient, redeemed: 0, paid: 0n },
      };
    }
    const inner = new ContractRedemptionClient({ broker: brokerAt(ctx.brokerAddress, signer) });
    let batchNumber = 0;
    const client = {
      redeem: async (winners: Parameters<ContractRedemptionClient["redeem"]>[0]) => {
        batchNumber++;
        deps.io.err(messages.progress.batch(batchNumber, winners.length));
        const result = await inner.redeem(winners);
        if (result.txHash !== undefined) deps.io.err(messages.progress.sent(result.txHash));
        return result;
      },
    };
    const redeemer = new Redeemer({
      recipient,
      store,
      reader: new ContractBrokerReader({ broker: brokerAt(ctx.brokerAddress, ctx.provider) }),
      client,
      graceSeconds,
      batchSize,
    });
    const report = await redeemer.redeemDue();
    const extraLines = [
      ...report.unredeemable.map((u) =>
        o.failedTicket(u.winner.ticket.senderNonce, u.winner.ticket.sender, u.error, false),
      ),
      ...report.retryLater.map((u) =>
        o.failedTicket(u.winner.ticket.senderNonce, u.winner.ticket.sender, u.error, true),
      ),
    ];
    return {
      title: o.redeemed(report.redeemed.length, formatEth(report.paid)),
      rows: [
        [o.recipient, recipient],
        [o.gasUsed, report.gasUsed.toString()],
        [o.notDue, String(report.waiting)],
      ],
      extraLines,
      json: {
        dryRun: false,
        recipient,
        redeemed: report.redeemed.map((r) => ({
          sender: r.winner.ticket.sender,
          senderNonce: r.winner.ticket.senderNonce,
          faceValue: r.winner.ticket.faceValue,
          txHash: r.txHash,
        })),
        paid: report.paid,
        gasUsed: report.gasUsed,
        waiting: report.waiting,
        unredeemable: report.unredeemable.map((u) => ({
          sender: u.winner.ticket.sender,
          senderNonce: u.winner.ticket.senderNonce,
          error: u.error,
        })),
        retryLater: report.retryLater.map((u) => ({
          sender: u.winner.ticket.sender,
          senderNonce: u.winner.ticket.senderNonce,
          error: u.error,
        })),
      },
    };
  } finally {
    await store.close();
  }
}

/** Every command, by id. */
export const commands: Readonly<Record<CommandId, Command>> = {
  "sender deposit": fundOne("sender deposit", "deposit", "fundDeposit"),
  "sender reserve": fundOne("sender reserve", "reserve", "fundReserve"),
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
    options: ["--batch-size", "--grace-seconds"],
    validate(input) {
      positiveInteger(input, "--batch-size", DEFAULT_BATCH_SIZE, 500);
      positiveInteger(input, "--grace-seconds", 60, 86_400 * 365);
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
