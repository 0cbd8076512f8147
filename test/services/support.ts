/**
 * Builders for the service tests: a signer and a payee on one chain state (the fake reader of
 * the flow fixtures, or a chain), each on its own store, listening on loopback.
 */
import { hashApiKey, type ApiKeyConfig } from "../../src/services/common/apiKeys.js";
import type { ServiceApp } from "../../src/services/common/baseApp.js";
import {
  parseServiceConfig,
  type PayeeServiceConfig,
  type SignerServiceConfig,
} from "../../src/services/common/config.js";
import { buildPayeeApp, type PayeeDeps } from "../../src/services/payee/payeeApp.js";
import { buildSignerApp, type SignerDeps } from "../../src/services/signer/signerApp.js";
import { MemoryStore } from "../../src/store/memory/memoryStore.js";
import type { Store } from "../../src/store/types.js";
import {
  FakeReader,
  SECRET,
  domain,
  recipientAddress,
  senderSigner,
} from "../support/flowFixtures.js";

/** Test API keys (not secrets) and their configuration. */
export const KEYS = {
  gateway: "gateway-key-0001",
  poor: "poor-gateway-key",
  work: "work-server-key-01",
  payer: "payer-key-000001",
} as const;

export const API_KEYS: ApiKeyConfig[] = [
  { id: "gateway", sha256: hashApiKey(KEYS.gateway), scopes: ["pay"] },
  {
    id: "poor",
    sha256: hashApiKey(KEYS.poor),
    scopes: ["pay"],
    spendLimitWei: "3000000000000",
    spendWindowSeconds: 3600,
  },
  { id: "work", sha256: hashApiKey(KEYS.work), scopes: ["charge"] },
  { id: "payer", sha256: hashApiKey(KEYS.payer), scopes: ["pay"] },
];

/** A started service: its base URL and its app. */
export interface Running {
  readonly url: string;
  readonly app: ServiceApp;
}

/** Listens on an ephemeral loopback port. */
export async function listen(app: ServiceApp): Promise<Running> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return { url: `http://127.0.0.1:${address.port}`, app };
}

export function signerConfig(overrides: Record<string, unknown> = {}): SignerServiceConfig {
  return parseServiceConfig("signer", {
    sender: senderSigner.address,
    maxTicketEVWei: "10000000000000",
    maxTotalEVWei: "100000000000000",
    maxTicketsPerPayment: 20,
    apiKeys: API_KEYS,
    logLevel: "silent",
    requestTimeoutMs: 1000,
    ...overrides,
  });
}

export function payeeConfig(overrides: Record<string, unknown> = {}): PayeeServiceConfig {
  return parseServiceConfig("payee", {
    recipient: recipientAddress,
    targetEVWei: "1000000000000",
    gasPriceWei: "100000000",
    redeemGas: "100000",
    pricePerUnitWei: "0.5",
    apiKeys: API_KEYS,
    logLevel: "silent",
    requestTimeoutMs: 1000,
    ...overrides,
  });
}

/** A signer and a payee on the fake chain, with memory stores unless others are given. */
export async function startPair(
  options: {
    reader?: FakeReader;
    signerStore?: Store;
    payeeStore?: Store;
    signer?: Record<string, unknown>;
    payee?: Record<string, unknown>;
    payeeDeps?: Partial<PayeeDeps>;
    signerDeps?: Partial<SignerDeps>;
  } = {},
): Promise<{
  reader: FakeReader;
  signer: Running;
  payee: Running;
  signerStore: Store;
  payeeStore: Store;
  close(): Promise<void>;
}> {
  const reader = options.reader ?? new FakeReader();
  reader.time = BigInt(Math.floor(Date.now() / 1000));
  const signerStore = options.signerStore ?? new MemoryStore();
  const payeeStore = options.payeeStore ?? new MemoryStore();
  const signer = await listen(
    buildSignerApp(signerConfig(options.signer), {
      store: signerStore,
      reader,
      signer: senderSigner,
      domain,
      logger: false,
      ...options.signerDeps,
    }),
  );
  const payee = await listen(
    buildPayeeApp(payeeConfig(options.payee), {
      store: payeeStore,
      reader,
      domain,
      secret: SECRET,
      logger: false,
      ...options.payeeDeps,
    }),
  );
  return {
    reader,
    signer,
    payee,
    signerStore,
    payeeStore,
    async close() {
      await Promise.all([signer.app.close(), payee.app.close()]);
    },
  };
}

/**
 * A parsed JSON answer. Tests read nested fields of many shapes and assert them with chai, so
 * the body is left untyped here (and only here).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Reply = { status: number; headers: Headers; body: any };

/** A JSON request with a bearer key; returns status, headers and the parsed body. */
export async function call(
  url: string,
  options: {
    method?: string;
    key?: string;
    body?: unknown;
    idempotencyKey?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers["authorization"] = `Bearer ${options.key}`;
  if (options.idempotencyKey !== undefined) headers["idempotency-key"] = options.idempotencyKey;
  if (options.body !== undefined && headers["content-type"] === undefined)
    headers["content-type"] = "application/json";
  const res = await fetch(url, {
    method: options.method ?? (options.body === undefined ? "GET" : "POST"),
    headers,
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (metrics)
  }
  return { status: res.status, headers: res.headers, body };
}
