/**
 * The redeemer as a process (`ticketbroker serve redeemer`): settings from a JSON file and
 * `TICKETBROKER_*` environment variables, a store opened by URL, the chain over JSON-RPC, the
 * daemon started, and a clean stop on SIGINT/SIGTERM.
 */
import { readFileSync } from "node:fs";

import { Wallet } from "ethers";
import { pino } from "pino";
import { Registry, collectDefaultMetrics } from "prom-client";

import { ContractBrokerReader } from "../chain/brokerReader.js";
import { createProvider } from "../chain/cachedBrokerReader.js";
import { withWallClock } from "../chain/clock.js";
import { findRecordedBroker, ignitionRecordFile } from "../contract/ignitionRecord.js";
import { TicketBrokerError } from "../errors.js";
import { assertArray, assertObject, assertString, describeValue } from "../ticket/inputs.js";
import type { Hex } from "../internal/bytes.js";
import { openStore } from "../store/openStore.js";
import { DEFAULT_GRACE_SECONDS } from "../recipient/defaults.js";
import { readTicketDomain } from "../ticket/ticketTypes.js";
import { TicketBroker__factory } from "../../typechain-types/index.js";
import { runRedeemer } from "./daemon.js";
import { serveRedeemerHttp } from "./http.js";
import { observeRedeemer } from "./observe.js";

/** The redeemer process's settings are missing or malformed. */
export class RedeemerConfigError extends TicketBrokerError {}

/** The redeemer process's settings (file keys; each also `TICKETBROKER_<UPPER_SNAKE>`). */
export interface RedeemerProcessConfig {
  /** JSON-RPC URL of the broker's chain. */
  readonly rpcUrl: string;
  /**
   * The TicketBroker address. Optional: without it the broker is found for the chain's id in
   * Ignition's record under the working directory
   * (ignition/deployments/chain-<chainId>/deployed_addresses.json), then in the package's
   * committed deployments.
   */
  readonly broker?: Hex;
  /**
   * `sqlite:<file>` or `postgres://…`: the payee's database. Default
   * `sqlite:./ticketbroker-payee.db`, the payee service's default.
   */
  readonly storeUrl: string;
  /** Address the HTTP listener (`/metrics`, `/healthz`, `/readyz`) binds. Default 127.0.0.1. */
  readonly host: string;
  /** Its port (0: any free port). Default 8937. */
  readonly port: number;
  /** pino level of the log lines: fatal, error, warn, info (default), debug, trace or silent. */
  readonly logLevel: string;
  readonly intervalMs: number;
  readonly marginBps: bigint;
  readonly expiryMarginSeconds: bigint;
  readonly maxBatchSize: number;
  readonly confirmations: number;
  readonly graceSeconds: bigint;
}

/** The payee service's default store, which the redeemer redeems from unless told otherwise. */
export const DEFAULT_REDEEMER_STORE_URL = "sqlite:./ticketbroker-payee.db";

/** The redeemer's default HTTP port (the signer listens on 8935, the payee on 8936). */
export const DEFAULT_REDEEMER_PORT = 8937;

/** Environment variable holding the recipient's private key (never in the file). */
export const REDEEMER_KEY_ENV = "TICKETBROKER_REDEEMER_KEY";

const envName = (key: string) =>
  `TICKETBROKER_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;

const LOG_LEVELS: readonly string[] = [
  "fatal",
  "error",
  "warn",
  "info",
  "debug",
  "trace",
  "silent",
];

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
  "host",
  "port",
  "logLevel",
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
 * `…_MAX_BATCH_SIZE`, `…_CONFIRMATIONS`, `…_GRACE_SECONDS`, `…_HOST`, `…_PORT`,
 * `…_LOG_LEVEL`, overridden by `flags`.
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
  const broker = get("broker");
  if (broker !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(broker)) {
    throw new RedeemerConfigError(`broker is not an address: ${broker}`, {
      details: { broker },
      hint: "Set TICKETBROKER_BROKER to the TicketBroker's 0x address.",
    });
  }
  const port = integer("port", String(DEFAULT_REDEEMER_PORT));
  if (port > 65_535n) {
    throw new RedeemerConfigError(`port must be at most 65535, got ${port}`, {
      details: { setting: "port", value: port.toString() },
      hint: `Set ${envName("port")} to a TCP port (0: any free port).`,
    });
  }
  const host = get("host") ?? "127.0.0.1";
  if (host === "") {
    throw new RedeemerConfigError("host is empty", {
      details: { setting: "host" },
      hint: `Set ${envName("host")} to the address to listen on, e.g. 127.0.0.1.`,
    });
  }
  const logLevel = get("logLevel") ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new RedeemerConfigError(
      `logLevel must be one of ${LOG_LEVELS.join(", ")}, got ${logLevel}`,
      {
        details: { setting: "logLevel", value: logLevel },
        hint: `Set ${envName("logLevel")} to one of ${LOG_LEVELS.join(", ")}.`,
      },
    );
  }
  return {
    rpcUrl: required("rpcUrl"),
    ...(broker === undefined ? {} : { broker: broker as Hex }),
    storeUrl: get("storeUrl") ?? DEFAULT_REDEEMER_STORE_URL,
    host,
    port: Number(port),
    logLevel,
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
 * the daemon (one per recipient across processes, by the store's leader lock), listens on
 * `host:port` for `/metrics` (the `ticketbroker_redeemer_*` series), `/healthz` (last round,
 * leader or standby) and `/readyz` (store and chain answer), and resolves with a handle whose
 * `url` is the listener's and whose `closed` settles after SIGINT/SIGTERM or `close()`.
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
}): Promise<{ url: string; closed: Promise<void>; close(): Promise<void> }> {
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
  const log = pino({ name: "ticketbroker-redeemer", level: config.logLevel });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "ticketbroker_redeemer_" });
  const observer = observeRedeemer({ registry, logger: log });
  const provider = createProvider(config.rpcUrl);
  let brokerAddress: Hex;
  try {
    brokerAddress = config.broker ?? (await recordedBroker(provider));
  } catch (err) {
    provider.destroy();
    throw err;
  }
  const broker = TicketBroker__factory.connect(brokerAddress, provider);
  let store: Awaited<ReturnType<typeof openStore>> | undefined;
  let daemon: ReturnType<typeof runRedeemer> | undefined;
  let http: Awaited<ReturnType<typeof serveRedeemerHttp>>;
  try {
    const domain = await readTicketDomain(broker);
    const opened = await openStore({ url: config.storeUrl });
    store = opened;
    daemon = runRedeemer({
      recipient: wallet.address as Hex,
      store: opened.winners,
      locks: opened.locks,
      // The services' clock rule (docs/clock.md): now = max(chain time, wall clock).
      reader: withWallClock(new ContractBrokerReader({ broker })),
      rpc: provider,
      signer: wallet,
      broker: brokerAddress,
      chainId: domain.chainId,
      graceSeconds: config.graceSeconds,
      intervalMs: config.intervalMs,
      economics: {
        marginBps: config.marginBps,
        expiryMarginSeconds: config.expiryMarginSeconds,
        maxBatchSize: config.maxBatchSize,
      },
      transactions: { confirmations: config.confirmations },
      log: observer.log,
      metrics: observer.metrics,
    });
    http = await serveRedeemerHttp({
      host: config.host,
      port: config.port,
      registry,
      status: observer.status,
      checks: [
        { name: "store", check: () => opened.ping() },
        {
          name: "chain",
          check: async () => {
            await provider.getBlockNumber();
          },
        },
      ],
    });
  } catch (err) {
    await daemon?.stop();
    await store?.close();
    provider.destroy();
    throw err;
  }
  const openedStore = store;
  const running = daemon;
  log.info(
    { recipient: wallet.address, broker: brokerAddress, store: openedStore.kind, url: http.url },
    "redeemer started",
  );
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await running.stop();
      await http.close();
      await openedStore.close();
      provider.destroy();
      log.info("redeemer stopped");
      resolveClosed();
    })();
    return closing;
  };
  process.once("SIGINT", () => void close());
  process.once("SIGTERM", () => void close());
  return { url: http.url, closed, close };
}

/**
 * The broker of the chain `provider` is on, when the settings name none: Ignition's record under
 * the working directory, then the package's committed deployments.
 */
async function recordedBroker(provider: {
  getNetwork(): Promise<{ chainId: bigint }>;
}): Promise<Hex> {
  let chainId: bigint;
  try {
    chainId = (await provider.getNetwork()).chainId;
  } catch (cause) {
    throw new RedeemerConfigError("Cannot read the chain id from rpcUrl", {
      details: { reason: (cause as Error).message },
      hint: "Check rpcUrl is reachable (the broker is looked up by the chain's id), or set broker.",
      cause,
    });
  }
  const found = await findRecordedBroker({ chainId, root: process.cwd() });
  if (found === undefined) {
    const record = ignitionRecordFile(".", `chain-${chainId}`);
    throw new RedeemerConfigError(`No TicketBroker is known on chain ${chainId}`, {
      details: { chainId, record },
      hint: `Set TICKETBROKER_BROKER (or "broker" in the configuration file) to the TicketBroker address, or start the redeemer in the directory holding ${record}.`,
    });
  }
  return found.address;
}
