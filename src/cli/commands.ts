import { getAddress, isAddress } from "ethers";

import { ContractBrokerReader } from "../chain/brokerReader.js";
import { DEFAULT_GRACE_SECONDS } from "../recipient/defaults.js";
import { FileWinnerStore } from "../recipient/fileWinnerStore.js";
import { ContractRedemptionClient, Redeemer } from "../redeem/redeemer.js";
import type { StoredWinner, WinnerStatus } from "../recipient/winnerStore.js";
import { importFileStores } from "../store/importFileStores.js";
import { openStore } from "../store/openStore.js";
import { encodeWinner } from "../wire/index.js";
import { formatEth, parseAmount } from "./amount.js";
import { brokerAt, poolAt, type CliContext, type CliDeps } from "./context.js";
import { CliUsageError, NothingToWithdrawError } from "./errors.js";
import { messages, type CommandId } from "./messages.js";
import { readRedemptionPlan } from "./redeemPlan.js";
import { formatDuration, formatTime, jsonTime } from "./time.js";
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
  /** Print `json` as it is, even without --json (an export in the wire format). */
  readonly raw?: boolean;
}

export interface CommandInput {
  /** Arguments after the command words. */
  readonly positionals: readonly string[];
  /** Option values by long flag, e.g. `--batch-size`. */
  readonly values: ReadonlyMap<string, string>;
  readonly dryRun: boolean;
  readonly json: boolean;
}

/** An option of one command, in Commander's syntax. */
export interface OptionSpec {
  readonly flags: string;
  readonly description: string;
}

export interface Command {
  readonly id: CommandId;
  /** Positional arguments in Commander's syntax: `<amount>`, `[sender-address]`. */
  readonly args: readonly string[];
  /** Options beyond the global ones. */
  readonly options?: readonly OptionSpec[];
  /** Hands unknown options and extra arguments to the command (services parse their own). */
  readonly passThrough?: boolean;
  /** Checks arguments before any network access, so usage errors are instant. */
  validate?(input: CommandInput): void;
  /** Runs against a network. */
  run(ctx: CliContext, deps: CliDeps, input: CommandInput): Promise<CommandResult>;
  /** Runs without a network (reads a local file, starts a service); takes precedence over run. */
  runLocal?(deps: CliDeps, input: CommandInput): Promise<CommandResult>;
}

function address(what: string, value: string): string {
  if (/^0x[0-9a-fA-F]{40}$/.test(value) && !isAddress(value)) {
    throw new CliUsageError(messages.usage.badChecksum(what, value), {
      details: { [what]: value, reason: "bad checksum" },
      hint: messages.usage.badChecksumHint,
    });
  }
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
    state = o.unlocking(formatTime(info.unlockEnd));
    stateCode = "unlocking";
  } else {
    state = o.unlocked(formatTime(info.unlockEnd));
    stateCode = "unlocked";
  }
  return {
    title: `${o.sender} ${sender} on ${ctx.networkName}`,
    rows: [
      [o.deposit, formatEth(info.deposit)],
      [o.reserve, formatEth(info.reserve)],
      [o.unlock, state],
      ...(block === null ? [] : ([[o.blockTime, formatTime(block.timestamp)]] as const)),
    ],
    json: {
      network: ctx.networkName,
      chainId: ctx.chainId,
      broker: ctx.brokerAddress,
      sender,
      deposit: info.deposit,
      reserve: info.reserve,
      unlockEnd: info.unlockEnd === 0n ? null : jsonTime(info.unlockEnd),
      state: stateCode,
      blockTime: block === null ? null : jsonTime(block.timestamp),
    },
  };
}

function simpleTx(
  id: CommandId,
  plan: (ctx: CliContext, input: CommandInput) => Promise<TxPlan>,
  options: { args?: readonly string[]; validate?: (input: CommandInput) => void } = {},
): Command {
  return {
    id,
    args: options.args ?? [],
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
      args: ["<amount>"],
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

function storeFile(input: CommandInput): string {
  return input.positionals[0] ?? "";
}

function winnerJson(w: StoredWinner): Record<string, unknown> {
  const t = w.ticket;
  return {
    status: w.status,
    digest: w.digest,
    ticket: {
      recipient: t.recipient,
      sender: t.sender,
      faceValue: t.faceValue,
      winProb: t.winProb,
      senderNonce: t.senderNonce,
      recipientRandHash: t.recipientRandHash,
      expiry: jsonTime(t.expiry),
      workId: t.workId,
    },
    signature: w.signature,
    recipientRand: w.recipientRand,
    paramsDeadline: jsonTime(w.paramsDeadline),
    lastError: w.lastError ?? null,
    txHash: w.txHash ?? null,
  };
}

function brief(w: StoredWinner): Record<string, unknown> {
  return {
    sender: w.ticket.sender,
    senderNonce: w.ticket.senderNonce,
    faceValue: w.ticket.faceValue,
    digest: w.digest,
  };
}

/**
 * `recipient redeem --dry-run`: opens the store read-only and shows only what a run would send
 * now (with its gas estimate), and when the rest falls due.
 */
async function redeemDryRun(
  ctx: CliContext,
  input: CommandInput,
  recipient: `0x${string}`,
  batchSize: number,
  graceSeconds: bigint,
): Promise<CommandResult> {
  const store = await FileWinnerStore.open({ file: storeFile(input), readOnly: true });
  const winners = await store.list({ status: "pending" });
  await store.close();
  const broker = brokerAt(ctx.brokerAddress, ctx.provider);
  const {
    now,
    due: dueNow,
    senders,
  } = await readRedemptionPlan({
    recipient,
    winners,
    reader: new ContractBrokerReader({ broker }),
    graceSeconds,
  });
  let gasEstimate = 0n;
  let transactions = 0;
  // Batches as the Redeemer cuts them: the plan's send order, `batchSize` at a time.
  for (let i = 0; i < dueNow.length; i += batchSize) {
    const batch = dueNow.slice(i, i + batchSize).map((w) => ({
      ticket: w.ticket,
      signature: w.signature,
      recipientRand: w.recipientRand,
    }));
    transactions++;
    try {
      gasEstimate += await broker.redeemWinningTickets.estimateGas(batch, { from: recipient });
    } catch (err) {
      throw explainTransactionError(err);
    }
  }
  const o = messages.output;
  const m = messages.winners;
  const extraLines: string[] = [];
  for (const plan of senders) {
    if (plan.notDue.length > 0 && plan.dueAt !== undefined) {
      extraLines.push(m.notDueLine(plan.sender, plan.notDue.length, formatTime(plan.dueAt)));
    }
    if (plan.held.length > 0) {
      extraLines.push(m.heldLine(plan.sender, plan.held.length, plan.heldReason ?? ""));
    }
    if (plan.dead.length > 0) {
      extraLines.push(m.deadLine(plan.sender, plan.dead.length, plan.deadReason ?? ""));
    }
  }
  return {
    title: o.dryRunTitle(m.dryRun(dueNow.length, transactions)),
    rows: [
      [o.recipient, recipient],
      [o.blockTime, formatTime(now)],
      [o.gasEstimate, gasEstimate.toString()],
    ],
    extraLines,
    json: {
      dryRun: true,
      recipient,
      chainTime: jsonTime(now),
      batchSize,
      transactions,
      gasEstimate,
      dueNow: dueNow.map(brief),
      later: senders
        .filter((p) => p.notDue.length > 0)
        .map((p) => ({
          sender: p.sender,
          dueAt: p.dueAt === undefined ? null : jsonTime(p.dueAt),
          winners: p.notDue.map(brief),
        })),
      held: senders
        .filter((p) => p.held.length > 0)
        .map((p) => ({ sender: p.sender, reason: p.heldReason, winners: p.held.map(brief) })),
      unredeemable: senders
        .filter((p) => p.dead.length > 0)
        .map((p) => ({ sender: p.sender, reason: p.deadReason, winners: p.dead.map(brief) })),
    },
  };
}

/**
 * Redeems the pending winners of a FileWinnerStore with the library's Redeemer (ascending nonce
 * per sender, only winners that are due and fundable, failures recorded in the store). The store
 * is opened for writing, so this refuses to run while another process holds it.
 */
async function redeem(ctx: CliContext, deps: CliDeps, input: CommandInput): Promise<CommandResult> {
  const batchSize = positiveInteger(input, "--batch-size", DEFAULT_BATCH_SIZE, 500);
  const graceSeconds = BigInt(
    positiveInteger(input, "--grace-seconds", Number(DEFAULT_GRACE_SECONDS), 86_400 * 365),
  );
  const signer = await ctx.getSigner();
  const recipient = getAddress(await signer.getAddress()) as `0x${string}`;
  if (input.dryRun) return redeemDryRun(ctx, input, recipient, batchSize, graceSeconds);
  // Read it first: a mistyped path must not become a new, empty store.
  await (await FileWinnerStore.open({ file: storeFile(input), readOnly: true })).close();
  const store = await FileWinnerStore.open({ file: storeFile(input) });
  try {
    const pending = (await store.list({ status: "pending" })).filter(
      (w) => w.ticket.recipient.toLowerCase() === recipient.toLowerCase(),
    );
    const o = messages.output;
    if (pending.length === 0) {
      return {
        title: messages.winners.empty,
        rows: [],
        json: {
          dryRun: false,
          recipient,
          redeemed: [],
          paid: 0n,
          gasUsed: 0n,
          waiting: 0,
          unredeemable: [],
          retryLater: [],
        },
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
    // When the winners left waiting fall due, read the same way a dry run reads it.
    const after = await readRedemptionPlan({
      recipient,
      winners: await store.list({ status: "pending" }),
      reader: new ContractBrokerReader({ broker: brokerAt(ctx.brokerAddress, ctx.provider) }),
      graceSeconds,
    });
    const later = after.senders.filter((p) => p.notDue.length > 0 && p.dueAt !== undefined);
    const extraLines = [
      ...report.unredeemable.map((u) =>
        o.failedTicket(u.winner.ticket.senderNonce, u.winner.ticket.sender, u.error, false),
      ),
      ...report.retryLater.map((u) =>
        o.failedTicket(u.winner.ticket.senderNonce, u.winner.ticket.sender, u.error, true),
      ),
      ...later.map((p) =>
        messages.winners.notDueLine(p.sender, p.notDue.length, formatTime(p.dueAt ?? 0n)),
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
        redeemed: report.redeemed.map((r) => ({ ...brief(r.winner), txHash: r.txHash })),
        paid: report.paid,
        gasUsed: report.gasUsed,
        waiting: report.waiting,
        later: later.map((p) => ({
          sender: p.sender,
          dueAt: p.dueAt === undefined ? null : jsonTime(p.dueAt),
          winners: p.notDue.map(brief),
        })),
        unredeemable: report.unredeemable.map((u) => ({ ...brief(u.winner), error: u.error })),
        retryLater: report.retryLater.map((u) => ({ ...brief(u.winner), error: u.error })),
      },
    };
  } finally {
    await store.close();
  }
}

const WINNER_STATUSES: readonly WinnerStatus[] = ["pending", "redeemed", "unredeemable"];

function statusFilter(input: CommandInput): WinnerStatus | undefined {
  const text = input.values.get("--status");
  if (text === undefined) return undefined;
  if (!(WINNER_STATUSES as readonly string[]).includes(text)) {
    throw new CliUsageError(messages.usage.invalidStatus(text), {
      details: { status: text },
      hint: messages.usage.statusHint,
    });
  }
  return text as WinnerStatus;
}

async function readWinners(input: CommandInput): Promise<StoredWinner[]> {
  const store = await FileWinnerStore.open({ file: storeFile(input), readOnly: true });
  try {
    const status = statusFilter(input);
    return await store.list(status === undefined ? {} : { status });
  } finally {
    await store.close();
  }
}

/** A command that only reads a winner store file. */
function winnersCommand(id: "recipient winners list" | "recipient winners export"): Command {
  return {
    id,
    args: ["<winner-store-file>"],
    options: [{ flags: "--status <status>", description: messages.options.status }],
    validate: (input) => void statusFilter(input),
    run: () => Promise.reject(new Error("runs without a network")),
    async runLocal(_deps, input) {
      const winners = await readWinners(input);
      if (id === "recipient winners export") {
        // The wire format's Winner message (src/wire), with the store's state beside it.
        const exported = {
          format: "ticketbroker-winners-export",
          exportVersion: 1,
          winners: winners.map((w) => ({
            winner: encodeWinner(w),
            status: w.status,
            lastError: w.lastError ?? null,
            txHash: w.txHash ?? null,
          })),
        };
        return { title: "", rows: [], json: exported, raw: true };
      }
      const json = { winners: winners.map(winnerJson) };
      return {
        title: messages.winners.listTitle(winners.length, storeFile(input)),
        rows: [],
        extraLines: winners.map((w) =>
          messages.winners.listLine({
            status: w.status,
            sender: w.ticket.sender,
            nonce: w.ticket.senderNonce,
            face: formatEth(w.ticket.faceValue),
            ...(w.lastError === undefined ? {} : { error: w.lastError.code }),
          }),
        ),
        json,
      };
    },
  };
}

/** `store import`: moves the file stores' state into a database store (no network). */
const storeImportCommand: Command = {
  id: "store import",
  args: [],
  options: [
    { flags: "--into <store-url>", description: messages.options.into },
    { flags: "--nonce-dir <dir>", description: messages.options.nonceDir },
    { flags: "--winners-file <file>", description: messages.options.winnersFile },
  ],
  validate(input) {
    if (input.values.get("--into") === undefined) {
      throw new CliUsageError(messages.usage.importNeedsInto, { hint: messages.usage.importHint });
    }
    if (!input.values.has("--nonce-dir") && !input.values.has("--winners-file")) {
      throw new CliUsageError(messages.usage.importNeedsSource, {
        hint: messages.usage.importHint,
      });
    }
  },
  run: () => Promise.reject(new Error("runs without a network")),
  async runLocal(_deps, input) {
    const url = input.values.get("--into") ?? "";
    const nonceDir = input.values.get("--nonce-dir");
    const winnersFile = input.values.get("--winners-file");
    const store = await openStore({ url });
    try {
      const report = await importFileStores({
        into: store,
        ...(nonceDir === undefined ? {} : { nonceDir }),
        ...(winnersFile === undefined ? {} : { winnersFile }),
      });
      return {
        title: `Imported into ${store.kind} store`,
        rows: [
          ["nonce pairs", String(report.nonces.length)],
          ["winners found", String(report.winners.found)],
          ["winners added", String(report.winners.added)],
        ],
        json: { nonces: report.nonces, winners: report.winners },
      };
    } finally {
      await store.close();
    }
  },
};

/** `serve <service>`: starts a long-running service through its entry function. */
function serveCommand(service: "signer" | "payee" | "redeemer"): Command {
  return {
    id: `serve ${service}`,
    args: [],
    options: [{ flags: "--config <file>", description: messages.options.config }],
    passThrough: true,
    run: () => Promise.reject(new Error("runs without a network")),
    async runLocal(deps, input) {
      const { startService } = await import("./serve.js");
      // `--broker` and `--rpc-url` are also options of every command, so the command line takes
      // them before the service sees its arguments: hand them on as the service's settings.
      const shared = (
        [
          ["--broker", "--broker"],
          ["--rpc-url", "--rpcUrl"],
        ] as const
      ).flatMap(([flag, setting]) => {
        const value = input.values.get(flag);
        return value === undefined ? [] : [setting, value];
      });
      const options = {
        configFile: input.values.get("--config"),
        args: [...input.positionals, ...shared],
        env: process.env,
      };
      await (deps.serve ?? startService)(service, options);
      return { title: `${service} stopped`, rows: [], json: { service, stopped: true } };
    },
  };
}

/** `sender signer authorize|revoke <key-address>`. */
function signerTx(id: "sender signer authorize" | "sender signer revoke"): Command {
  const fn = id === "sender signer authorize" ? "authorizeSigner" : "revokeSigner";
  return {
    id,
    args: ["<key-address>"],
    validate: (input) => void address("key address", input.positionals[0] ?? ""),
    async run(ctx, deps, input) {
      const key = address("key address", input.positionals[0] ?? "");
      const request = await brokerAt(ctx.brokerAddress, ctx.provider)[fn].populateTransaction(key);
      const result = await executeTransaction(
        ctx,
        deps,
        {
          label: `${fn === "authorizeSigner" ? "authorize" : "revoke"} signer ${key}`,
          call: `${fn}(address)`,
          request,
        },
        input.dryRun,
      );
      if (result.kind === "dry-run") return txResult(result);
      const status = await signerStatus(ctx, key, result.from);
      return txResult(result, status.rows);
    },
  };
}

const UINT256_MAX = 2n ** 256n - 1n;

async function signerStatus(ctx: CliContext, key: string, sender: string): Promise<CommandResult> {
  const broker = brokerAt(ctx.brokerAddress, ctx.provider);
  const [validUntil, block] = await Promise.all([
    broker.signerValidUntil(sender, key),
    ctx.provider.getBlock("latest"),
  ]);
  const now = BigInt(block?.timestamp ?? 0);
  const o = messages.output;
  let state: "active" | "revoked" | "expired" | "never";
  let text: string;
  if (validUntil === UINT256_MAX) {
    state = "active";
    text = o.signerActive;
  } else if (validUntil === 0n) {
    state = "never";
    text = o.signerNever;
  } else if (validUntil >= now) {
    state = "revoked";
    text = o.signerRevoked(formatTime(validUntil));
  } else {
    state = "expired";
    text = o.signerExpired(formatTime(validUntil));
  }
  return {
    title: `${o.signer} ${key} for ${o.sender} ${sender}`,
    rows: [
      [o.signerState, text],
      [o.blockTime, formatTime(now)],
    ],
    json: {
      sender,
      signer: key,
      state,
      validUntil: state === "active" || state === "never" ? null : jsonTime(validUntil),
      blockTime: jsonTime(now),
    },
  };
}

/** Every command, by id. */
export const commands: Readonly<Record<CommandId, Command>> = {
  "sender deposit": fundOne("sender deposit", "deposit", "fundDeposit"),
  "sender reserve": fundOne("sender reserve", "reserve", "fundReserve"),
  "sender fund": {
    id: "sender fund",
    args: ["<sender-address>"],
    options: [
      { flags: "--deposit <amount>", description: messages.options.deposit },
      { flags: "--reserve <amount>", description: messages.options.reserve },
    ],
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
    args: ["[sender-address]"],
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
  "sender signer authorize": signerTx("sender signer authorize"),
  "sender signer revoke": signerTx("sender signer revoke"),
  "sender signer status": {
    id: "sender signer status",
    args: ["<key-address>", "[sender-address]"],
    validate(input) {
      address("key address", input.positionals[0] ?? "");
      if (input.positionals[1] !== undefined) address("sender address", input.positionals[1]);
    },
    async run(ctx, _deps, input) {
      const key = address("key address", input.positionals[0] ?? "");
      const sender =
        input.positionals[1] === undefined
          ? await me(ctx)
          : address("sender address", input.positionals[1]);
      return signerStatus(ctx, key, sender);
    },
  },
  "recipient status": {
    id: "recipient status",
    args: ["[recipient-address]"],
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
    args: ["<sender-address>", "[recipient-address]"],
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
    args: ["<winner-store-file>"],
    options: [
      { flags: "--batch-size <n>", description: messages.options.batchSize },
      { flags: "--grace-seconds <s>", description: messages.options.graceSeconds },
    ],
    validate(input) {
      positiveInteger(input, "--batch-size", DEFAULT_BATCH_SIZE, 500);
      positiveInteger(input, "--grace-seconds", Number(DEFAULT_GRACE_SECONDS), 86_400 * 365);
    },
    run: redeem,
  },
  "recipient winners list": winnersCommand("recipient winners list"),
  "recipient winners export": winnersCommand("recipient winners export"),
  "recipient withdraw-earnings": {
    id: "recipient withdraw-earnings",
    args: [],
    options: [{ flags: "--to <address>", description: messages.options.to }],
    validate(input) {
      const to = input.values.get("--to");
      if (to !== undefined) address("--to address", to);
    },
    async run(ctx, deps, input) {
      const toFlag = input.values.get("--to");
      const recipient = await me(ctx);
      const to = toFlag === undefined ? recipient : address("--to address", toFlag);
      const broker = brokerAt(ctx.brokerAddress, ctx.provider);
      const credited = await broker.creditedEarnings(recipient);
      if (credited === 0n) {
        throw new NothingToWithdrawError(messages.earnings.nothing(recipient), {
          details: { recipient, creditedEarnings: 0n },
          hint: messages.earnings.nothingHint,
        });
      }
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
    args: [],
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
    args: [],
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
          [o.unlockPeriod, formatDuration(unlockPeriod)],
          [o.roundLength, formatDuration(roundLength)],
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
  "store import": storeImportCommand,
  "serve signer": serveCommand("signer"),
  "serve payee": serveCommand("payee"),
  "serve redeemer": serveCommand("redeemer"),
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
    args: ["<recipient-address>"],
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
