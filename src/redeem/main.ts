/**
 * The redeemer as a process (`ticketbroker serve redeemer`): settings from a JSON file and
 * `TICKETBROKER_*` environment variables, a store opened by URL, the chain over JSON-RPC, the
 * daemon started, and a clean stop on SIGINT/SIGTERM.
 */
import { readFileSync } from "node:fs";

import { Wallet } from "ethers";
import { pino } from "pino";

import { ContractBrokerReader } from "../chain/brokerReader.js";
import { createProvider } from "../chain/cachedBrokerReader.js";
import { withWallClock } from "../clock.js";
import { TicketBrokerError } from "../errors.js";
import { assertArray, assertObject, assertString, describeValue } from "../inputs.js";
import type { Hex } from "../internal/bytes.js";
import { openStore } from "../store/openStore.js";
import { DEFAULT_GRACE_SECONDS } from "../recipient/defaults.js";
import { readTicketDomain } from "../ticketTypes.js";
import { TicketBroker__factory } from "../../typechain-types/index.js";
import { runRedeemer } from "./daemon.js";

/** The redeemer process's settings are missing or malformed. */
export class RedeemerConfigError extends TicketBrokerError {}

/** The redeemer process's settings (file keys; each also `TICKETBROKER_<UPPER_SNAKE>`). */
export interface RedeemerProcessConfig {
  /** JSON-RPC URL of the broker's chain. */
  readonly rpcUrl: string;
  /** The TicketBroker address. */
  readonly broker: Hex;
  /** `sqlite:<file>` or `postgres://…` (the payee's database). */
  readonly storeUrl: string;
  readonly intervalMs: number;
  readonly marginBps: bigint;
  readonly expiryMarginSeconds: bigint;
  readonly maxBatchSize: number;
  readonly confirmations: number;
  readonly graceSeconds: bigint;
}

/** Environment variable holding the recipient's private key (never in the file). */
export const REDEEMER_KEY_ENV = "TICKETBROKER_REDEEMER_KEY";

const envName = (key: string) =>
  `TICKETBROKER_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;

/** The setting names (file keys, `--name value` arguments). */
const SETTINGS = [
  "rpcUrl",
  "broker",
  "storeUrl",
  "intervalMs",
  "marginBps",
  "expiryMarginSeconds",
  "maxBatchSize",
  "confirmations",
  "graceSeconds",
] as const;

/**
 * Reads `--name value` / `--name=value` arguments (`--store-url` is read as `storeUrl`), as
 * `ticketbroker serve redeemer` passes them; an argument that is not a setting is refused.
 */
export function redeemerFlags(args: readonly string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const match = /^--([A-Za-z][\w-]*)(?:=(.*))?$/.exec(arg);
    const key = (match?.[1] ?? "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = match === null ? undefined : (match[2] ?? args[++i]);
    if (!(SETTINGS as readonly string[]).includes(key) || value === undefined) {
      throw new RedeemerConfigError(`"${arg}" is not a redeemer setting with a value`, {
        details: { argument: arg, settings: [...SETTINGS] },
        hint: `Give settings as --name value, each one of ${SETTINGS.join(", ")}.`,
      });
    }
    flags[key] = value;
  }
  return flags;
}

/**
 * Reads the settings: the file's keys, overridden by `TICKETBROKER_RPC_URL`, `…_BROKER`,
 * `…_STORE_URL`, `…_INTERVAL_MS`, `…_MARGIN_BPS`, `…_EXPIRY_MARGIN_SECONDS`,
 * `…_MAX_BATCH_SIZE`, `…_CONFIRMATIONS`, `…_GRACE_SECONDS`, overridden by `flags`.
 */
export function loadRedeemerConfig(args: {
  configFile?: string | undefined;
  env: Record<string, string | undefined>;
  flags?: Readonly<Record<string, string>>;
}): RedeemerProcessConfig {
  assertObject(args, "loadRedeemerConfig arguments");
  if (args.configFile !== undefined)
    assertString(args.configFile, "configFile", { nonEmpty: true });
  assertObject(args.env, "env");
  if (args.flags !== undefined) assertObject(args.flags, "flags");
  let file: Record<string, unknown> = {};
  if (args.configFile !== undefined) {
    try {
      file = JSON.parse(readFileSync(args.configFile, "utf8")) as Record<string, unknown>;
    } catch (cause) {
      throw new RedeemerConfigError(`Cannot read the configuration file ${args.configFile}`, {
        details: { file: args.configFile },
        hint: "Pass a readable JSON object whose keys are the setting names.",
        cause,
      });
    }
  }
  const get = (key: string): string | undefined => {
    const fromFlag: unknown = args.flags?.[key];
    const fromEnv: unknown = args.env[envName(key)];
    for (const [where, v] of [
      [`flag ${key}`, fromFlag],
      [envName(key), fromEnv],
    ] as const) {
      if (v !== undefined && typeof v !== "string") {
        throw new RedeemerConfigError(`The setting ${where} is not text`, {
          details: { setting: key, received: describeValue(v) },
          hint: `Give ${key} as a string, as the environment and the command line do.`,
        });
      }
    }
    if (typeof fromFlag === "string") return fromFlag;
    if (typeof fromEnv === "string" && fromEnv !== "") return fromEnv;
    const v = file[key];
    return v === undefined || v === null ? undefined : String(v);
  };
  const required = (key: string): string => {
    const v = get(key);
    if (v === undefined) {
      throw new RedeemerConfigError(`The redeemer needs ${key}`, {
        details: { setting: key, env: envName(key) },
        hint: `Set ${envName(key)} or "${key}" in the configuration file.`,
      });
    }
    return v;
  };
  const integer = (key: string, fallback: string): bigint => {
    const v = get(key) ?? fallback;
    if (!/^\d+$/.test(v)) {
      throw new RedeemerConfigError(`${key} must be a non-negative integer, got ${v}`, {
        details: { setting: key, value: v },
        hint: `Set ${envName(key)} to a whole number.`,
      });
    }
    return BigInt(v);
  };
  const broker = required("broker");
  if (!/^0x[0-9a-fA-F]{40}$/.test(broker)) {
    throw new RedeemerConfigError(`broker is not an address: ${broker}`, {
      details: { broker },
      hint: "Set TICKETBROKER_BROKER to the TicketBroker's 0x address.",
    });
  }
  return {
    rpcUrl: required("rpcUrl"),
    broker: broker as Hex,
    storeUrl: required("storeUrl"),
    intervalMs: Number(integer("intervalMs", "15000")),
    marginBps: integer("marginBps", "10000"),
    expiryMarginSeconds: integer("expiryMarginSeconds", "3600"),
    maxBatchSize: Number(integer("maxBatchSize", "50")),
    confirmations: Number(integer("confirmations", "1")),
    graceSeconds: integer("graceSeconds", String(DEFAULT_GRACE_SECONDS)),
  };
}

/**
 * Entry of `ticketbroker serve redeemer`: loads the settings, opens the store, connects, starts
 * the daemon (one per recipient across processes, by the store's leader lock) and resolves with
 * a handle whose `closed` settles after SIGINT/SIGTERM or `close()`.
 *
 * @example
 * ```ts
 * const { closed } = await startRedeemer({ configFile: "redeemer.json", env: process.env });
 * await closed;
 * ```
 */
export async function startRedeemer(options: {
  configFile?: string | undefined;
  args?: readonly string[];
  env: Record<string, string | undefined>;
}): Promise<{ closed: Promise<void>; close(): Promise<void> }> {
  assertObject(options, "startRedeemer options");
  if (options.args !== undefined) {
    assertArray(options.args, "args");
    options.args.forEach((a, i) => assertString(a, `args[${i}]`));
  }
  const config = loadRedeemerConfig({ ...options, flags: redeemerFlags(options.args ?? []) });
  const key = options.env[REDEEMER_KEY_ENV];
  if (key === undefined || key === "") {
    throw new RedeemerConfigError("The redeemer has no key", {
      details: { env: REDEEMER_KEY_ENV },
      hint: `Set ${REDEEMER_KEY_ENV} to the recipient's private key: it signs the redemption transactions.`,
    });
  }
  let wallet: Wallet;
  try {
    wallet = new Wallet(key);
  } catch (cause) {
    throw new RedeemerConfigError("The redeemer's key is not a private key", {
      details: { env: REDEEMER_KEY_ENV },
      hint: `Set ${REDEEMER_KEY_ENV} to the recipient's 32-byte private key as 0x-prefixed hex.`,
      cause,
    });
  }
  const log = pino({ name: "ticketbroker-redeemer" });
  const provider = createProvider(config.rpcUrl);
  const broker = TicketBroker__factory.connect(config.broker, provider);
  const domain = await readTicketDomain(broker);
  const store = await openStore({ url: config.storeUrl });
  const daemon = runRedeemer({
    recipient: wallet.address as Hex,
    store: store.winners,
    locks: store.locks,
    // The services' clock rule (docs/clock.md): now = max(chain time, wall clock).
    reader: withWallClock(new ContractBrokerReader({ broker })),
    rpc: provider,
    signer: wallet,
    broker: config.broker,
    chainId: domain.chainId,
    graceSeconds: config.graceSeconds,
    intervalMs: config.intervalMs,
    economics: {
      marginBps: config.marginBps,
      expiryMarginSeconds: config.expiryMarginSeconds,
      maxBatchSize: config.maxBatchSize,
    },
    transactions: { confirmations: config.confirmations },
    log: (fields, message) => log.info(fields, message),
    metrics: {
      onRound: (s) =>
        log.info(
          {
            leader: s.leader,
            pending: s.pendingCount,
            pendingFaceValue: s.pendingFaceValue.toString(),
            redeemed: s.redeemedCount,
            sendersCannotPay: s.sendersCannotPay,
            nearExpiry: s.nearExpiry,
            costRatio: s.costRatio,
            ...(s.error === undefined ? {} : { error: s.error }),
          },
          "redeemer round",
        ),
    },
  });
  log.info(
    { recipient: wallet.address, broker: config.broker, store: store.kind },
    "redeemer started",
  );
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await daemon.stop();
      await store.close();
      provider.destroy();
      log.info("redeemer stopped");
      resolveClosed();
    })();
    return closing;
  };
  process.once("SIGINT", () => void close());
  process.once("SIGTERM", () => void close());
  return { closed, close };
}
