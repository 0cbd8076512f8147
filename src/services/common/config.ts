import { readFileSync } from "node:fs";

import { Type, type Static, type TObject, type TSchema } from "typebox";
import { Value } from "typebox/value";

import { DEFAULT_PARAMS_LIFETIME_SECONDS } from "../../recipient/defaults.js";
import { ServiceConfigError } from "./errors.js";
import { assertArray, assertObject, assertString, describeValue } from "../../ticket/inputs.js";

const Wei = (description: string, def?: string) =>
  Type.String({
    pattern: "^(0|[1-9][0-9]*)$",
    description,
    ...(def === undefined ? {} : { default: def }),
  });
const Decimal = (description: string) =>
  Type.String({ pattern: "^(0|[1-9][0-9]*)(\\.[0-9]+)?$", description });
const Address = (description: string) =>
  Type.String({ pattern: "^0x[0-9a-fA-F]{40}$", description });

const ApiKeySchema = Type.Object(
  {
    // No ":": the payee keeps a key's debits in the ledger as "charge:<id>", apart from the
    // signer's payments under "<id>" when both services share a database.
    id: Type.String({ minLength: 1, maxLength: 64, pattern: "^[\\w.-]+$" }),
    sha256: Type.String({ pattern: "^[0-9a-f]{64}$", description: "SHA-256 of the key, hex" }),
    scopes: Type.Array(
      Type.Union([Type.Literal("pay"), Type.Literal("charge"), Type.Literal("admin")]),
      {
        minItems: 1,
      },
    ),
    ratePerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    burst: Type.Optional(Type.Number({ minimum: 1 })),
    spendLimitWei: Type.Optional(Wei("Most EV in wei the key may have signed per window")),
    spendWindowSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

/** Settings every service has. */
export const CommonConfigSchema = Type.Object({
  host: Type.String({ default: "127.0.0.1", description: "Address to listen on" }),
  port: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 0,
    description: "Port (0: any free port)",
  }),
  logLevel: Type.Union(
    ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l)),
    { default: "info" },
  ),
  bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 10_485_760, default: 65_536 }),
  requestTimeoutMs: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: "Deadline for a request body",
  }),
  shutdownTimeoutMs: Type.Integer({ minimum: 0, default: 10_000 }),
  apiKeys: Type.Array(ApiKeySchema, { default: [] }),
  anonymousScopes: Type.Array(
    Type.Union([Type.Literal("pay"), Type.Literal("charge"), Type.Literal("admin")]),
    { default: [], description: "Scopes a request without a key holds when keys are configured" },
  ),
  storeUrl: Type.String({
    minLength: 1,
    description: "sqlite:<file>, postgres://… or memory: (each service has its own default file)",
  }),
  rpcUrl: Type.Optional(Type.String({ minLength: 1, description: "JSON-RPC URL of the chain" })),
  broker: Type.Optional(Address("TicketBroker address")),
});

/** The signer service's settings. */
export const SignerConfigSchema = Type.Object({
  ...CommonConfigSchema.properties,
  port: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 8935,
    description: "Port (0: any free port)",
  }),
  storeUrl: Type.String({
    minLength: 1,
    default: "sqlite:./ticketbroker-signer.db",
    description: "sqlite:<file>, postgres://… or memory:",
  }),
  sender: Address("The sender (gateway) whose deposit pays the tickets"),
  keystoreFile: Type.Optional(
    Type.String({ description: "Encrypted JSON keystore of the signing key" }),
  ),
  passwordFile: Type.Optional(Type.String({ description: "File holding the keystore password" })),
  maxTicketEVWei: Wei("Largest EV one ticket may carry"),
  maxTotalEVWei: Wei("Largest EV one payment may carry"),
  depositMultiplier: Type.Integer({ minimum: 1, default: 2 }),
  maxTicketsPerPayment: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  maxPricePerUnitWei: Type.Optional(Decimal("Ceiling on any payment's price per unit, in wei")),
  minDepositWei: Wei("Readiness floor on the sender's deposit", "0"),
  minReserveWei: Wei("Readiness floor on the sender's reserve", "0"),
  priceFeedAddress: Type.Optional(
    Address("Chainlink AggregatorV3 quoting the ceiling currency against ETH (e.g. ETH / USD)"),
  ),
  priceFeedRpcUrl: Type.Optional(
    Type.String({ minLength: 1, description: "JSON-RPC of the feed's chain (default: rpcUrl)" }),
  ),
  priceFeedCurrency: Type.String({ pattern: "^[A-Za-z]{3,5}$", default: "USD" }),
  priceFeedDecimals: Type.Integer({ minimum: 0, maximum: 36, default: 8 }),
});

/** The payee service's settings. */
export const PayeeConfigSchema = Type.Object({
  ...CommonConfigSchema.properties,
  port: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 8936,
    description: "Port (0: any free port)",
  }),
  storeUrl: Type.String({
    minLength: 1,
    default: "sqlite:./ticketbroker-payee.db",
    description: "sqlite:<file>, postgres://… or memory: (the redeemer's storeUrl names the same)",
  }),
  recipient: Address("The orchestrator address the tickets pay"),
  secretFile: Type.Optional(Type.String({ description: "File with the 32-byte secret (hex)" })),
  redeemGas: Wei("Gas of one redemption", "60000"),
  txCostMultiplier: Wei("Face value = redeemGas × gasPrice × this", "100"),
  targetEVWei: Wei("EV each ticket carries at least"),
  gasPriceWei: Type.Optional(Wei("Fixed gas price for face values (else read from the chain)")),
  pricePerUnitWei: Decimal("Price of one unit of work in wei (decimals allowed)"),
  priceUnit: Type.Union([Type.Literal("pixel"), Type.Literal("second"), Type.Literal("request")], {
    default: "pixel",
  }),
  paramsLifetimeSeconds: Type.Integer({
    minimum: 10,
    default: Number(DEFAULT_PARAMS_LIFETIME_SECONDS),
  }),
  toleranceWei: Wei("How far below zero a debit may take a session", "0"),
  maxTicketsPerPayment: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  redeemer: Type.Union([Type.Literal("in-process"), Type.Literal("external")], {
    default: "in-process",
  }),
});

export type CommonServiceConfig = Static<typeof CommonConfigSchema>;
export type SignerServiceConfig = Static<typeof SignerConfigSchema>;
export type PayeeServiceConfig = Static<typeof PayeeConfigSchema>;

/** Hosts a service may listen on without API keys. */
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** Whether `host` is a loopback address. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Refuses a configuration that would listen beyond loopback with no API key: anyone who can
 * reach the port could then ask for payments.
 */
export function assertSafeListen(config: CommonServiceConfig): void {
  assertObject(config, "config");
  assertString(config.host, "config.host");
  assertArray(config.apiKeys, "config.apiKeys");
  if (!isLoopback(config.host) && config.apiKeys.length === 0) {
    throw new ServiceConfigError(`Refusing to listen on ${config.host} without API keys`, {
      details: { host: config.host },
      hint: "Configure apiKeys (each with the SHA-256 of a key and its scopes), or listen on 127.0.0.1.",
    });
  }
}

/** camelCase -> TICKETBROKER_UPPER_SNAKE. */
export function envName(key: string): string {
  assertString(key, "key");
  const snake = key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2");
  return `TICKETBROKER_${snake.toUpperCase()}`;
}

function isComposite(schema: TSchema): boolean {
  const t = (schema as { type?: unknown }).type;
  return t === "array" || t === "object";
}

function schemaFor(service: "signer" | "payee"): TObject {
  return service === "signer" ? SignerConfigSchema : PayeeConfigSchema;
}

/**
 * Loads and validates a service configuration. Sources, later ones winning: the JSON `file`,
 * environment variables `TICKETBROKER_<NAME>` (e.g. `TICKETBROKER_STORE_URL` for `storeUrl`;
 * arrays such as `apiKeys` as JSON), then `flags` (camelCase names, as a CLI parses them).
 * Numbers from text are converted, defaults filled, and every problem reported at once with
 * the setting, what it must be, and where to set it.
 *
 * @example
 * ```ts
 * const config = loadServiceConfig({ service: "payee", env: process.env, flags: { port: 8936 } });
 * ```
 */
export function loadServiceConfig(args: {
  service: "signer";
  file?: string;
  env: Record<string, string | undefined>;
  flags: Record<string, unknown>;
}): SignerServiceConfig;
export function loadServiceConfig(args: {
  service: "payee";
  file?: string;
  env: Record<string, string | undefined>;
  flags: Record<string, unknown>;
}): PayeeServiceConfig;
export function loadServiceConfig(args: {
  service: "signer" | "payee";
  file?: string;
  env: Record<string, string | undefined>;
  flags: Record<string, unknown>;
}): SignerServiceConfig | PayeeServiceConfig {
  assertObject(args, "loadServiceConfig arguments");
  if (args.service !== "signer" && args.service !== "payee") {
    throw new ServiceConfigError('service must be "signer" or "payee"', {
      details: { received: describeValue(args.service) },
      hint: 'Pass service: "signer" or service: "payee".',
    });
  }
  if (args.file !== undefined) assertString(args.file, "file", { nonEmpty: true });
  assertObject(args.env, "env");
  assertObject(args.flags, "flags");
  const schema = schemaFor(args.service);
  const props = schema.properties as Record<string, TSchema>;
  const merged: Record<string, unknown> = {};
  const problems: string[] = [];
  if (args.file !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(args.file, "utf8"));
    } catch (cause) {
      throw new ServiceConfigError(`Cannot read the configuration file ${args.file}`, {
        details: { file: args.file, reason: (cause as Error).message },
        hint: "Pass a readable JSON file (an object whose keys are the setting names).",
        cause,
      });
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new ServiceConfigError(`Configuration file ${args.file} is not a JSON object`, {
        details: { file: args.file },
        hint: 'Write the settings as one JSON object, e.g. {"port": 8935}.',
      });
    }
    Object.assign(merged, parsed);
  }
  for (const [key, sub] of Object.entries(props)) {
    const text = args.env[envName(key)];
    if (text === undefined) continue;
    if (isComposite(sub)) {
      try {
        merged[key] = JSON.parse(text);
      } catch {
        problems.push(`${envName(key)}: must be JSON (${key} is a list or an object)`);
      }
    } else merged[key] = text;
  }
  for (const [key, value] of Object.entries(args.flags)) {
    if (value === undefined) continue;
    if (!(key in props)) {
      problems.push(`--${key}: not a setting of the ${args.service} service`);
      continue;
    }
    if (typeof value === "string" && isComposite(props[key]!)) {
      try {
        merged[key] = JSON.parse(value);
      } catch {
        problems.push(`--${key}: must be JSON (${key} is a list or an object)`);
      }
    } else merged[key] = value;
  }
  for (const key of Object.keys(merged)) {
    if (!(key in props)) problems.push(`${key}: not a setting of the ${args.service} service`);
  }
  const value = Value.Default(schema, Value.Convert(schema, merged)) as Record<string, unknown>;
  for (const error of Value.Errors(schema, value)) {
    const e = error as {
      instancePath?: string;
      message?: string;
      params?: Record<string, unknown>;
    };
    const missing = e.params?.["requiredProperties"] ?? e.params?.["missingProperty"];
    if (missing !== undefined && (e.instancePath ?? "") === "") {
      for (const key of Array.isArray(missing) ? (missing as string[]) : [String(missing)]) {
        const sub = props[key] as { description?: string } | undefined;
        problems.push(
          `${key}: missing${sub?.description === undefined ? "" : ` (${sub.description})`}; set it in the file, ${envName(key)} or --${key}`,
        );
      }
      continue;
    }
    const path = e.instancePath ?? "";
    const top = path.split("/")[1] ?? "";
    const sub = props[top] as { description?: string } | undefined;
    problems.push(
      `${path.slice(1) || "(config)"}: ${e.message ?? "invalid"}${
        sub?.description === undefined ? "" : ` (${sub.description})`
      }${top === "" ? "" : `; set it in the file, ${envName(top)} or --${top}`}`,
    );
  }
  if (problems.length > 0) {
    throw new ServiceConfigError(
      `Invalid ${args.service} configuration:\n  - ${[...new Set(problems)].join("\n  - ")}`,
      {
        details: { problems },
        hint: "Fix each setting listed; docs/services.md lists every setting with its default.",
      },
    );
  }
  const config = value as SignerServiceConfig | PayeeServiceConfig;
  assertSafeListen(config);
  return config;
}

/** Validates an already-built configuration object (tests, embedding), with defaults filled. */
export function parseServiceConfig(
  service: "signer",
  input: Record<string, unknown>,
): SignerServiceConfig;
export function parseServiceConfig(
  service: "payee",
  input: Record<string, unknown>,
): PayeeServiceConfig;
export function parseServiceConfig(
  service: "signer" | "payee",
  input: Record<string, unknown>,
): SignerServiceConfig | PayeeServiceConfig {
  return service === "signer"
    ? loadServiceConfig({ service, env: {}, flags: input })
    : loadServiceConfig({ service, env: {}, flags: input });
}
