/**
 * A small "inference" API priced with lottery tickets over x402: `GET /v1/models` costs a flat
 * price per request, `POST /v1/complete` a price per request plus a price per generated token
 * (an `upto` route: the maximum is reserved, the tokens actually generated are charged).
 * `GET /healthz` is free. The model is a stand-in that echoes words.
 */
import Fastify, { type FastifyInstance } from "fastify";

import {
  createLotteryPaywall,
  lotteryPaywallPlugin,
  type LotteryPaywallOptions,
} from "../../../src/index.js";

/** Prices of the API, wei. */
export interface InferencePrices {
  /** Flat price of `GET /v1/models`. */
  readonly listModels: bigint;
  /** Price of every completion request, on top of its tokens. */
  readonly perRequest: bigint;
  /** Price of one generated token. */
  readonly perToken: bigint;
  /** Most tokens one completion may generate (bounds the per-request maximum). */
  readonly maxTokens: number;
}

export const DEFAULT_PRICES: InferencePrices = {
  listModels: 10n ** 11n,
  perRequest: 2n * 10n ** 11n,
  perToken: 10n ** 10n,
  maxTokens: 256,
};

/** The stand-in model: up to `maxTokens` words, the prompt's words echoed in turn. */
export function generate(prompt: string, maxTokens: number): string[] {
  const words = prompt.split(/\s+/).filter((w) => w !== "");
  const count = Math.min(maxTokens, Math.max(1, words.length * 3));
  return Array.from({ length: count }, (_, i) => words[i % Math.max(1, words.length)] ?? "…");
}

/**
 * Builds the API (not listening). `paywall` holds what both routes share: the payee, the session
 * store, the chain, the gas price and the session secret.
 */
export async function buildInferenceApp(args: {
  paywall: Omit<LotteryPaywallOptions, "price" | "mode" | "perUnit">;
  prices?: InferencePrices;
}): Promise<FastifyInstance> {
  const prices = args.prices ?? DEFAULT_PRICES;
  const models = createLotteryPaywall({
    ...args.paywall,
    price: prices.listModels,
    description: "List the models",
  });
  const maxCompletion = prices.perRequest + BigInt(prices.maxTokens) * prices.perToken;
  const complete = createLotteryPaywall({
    ...args.paywall,
    price: maxCompletion,
    mode: "upto",
    perUnit: { price: prices.perToken, unit: "token" },
    description: `A completion: ${prices.perRequest} wei + ${prices.perToken} wei per token`,
    mimeType: "application/json",
  });

  const app = Fastify();
  app.get("/healthz", async () => ({ ok: true }));
  await app.register(async (paid) => {
    await paid.register(lotteryPaywallPlugin, { paywall: models });
    paid.get("/v1/models", async () => ({
      models: [{ id: "echo-1", maxTokens: prices.maxTokens }],
    }));
  });
  await app.register(async (paid) => {
    await paid.register(lotteryPaywallPlugin, { paywall: complete });
    paid.post<{ Body: { prompt?: unknown; maxTokens?: unknown } }>(
      "/v1/complete",
      async (request) => {
        const prompt = typeof request.body?.prompt === "string" ? request.body.prompt : "";
        const asked =
          typeof request.body?.maxTokens === "number" ? request.body.maxTokens : prices.maxTokens;
        const tokens = generate(prompt, Math.max(1, Math.min(prices.maxTokens, Math.floor(asked))));
        request.lottery?.charge(prices.perRequest + BigInt(tokens.length) * prices.perToken);
        return { model: "echo-1", text: tokens.join(" "), tokens: tokens.length };
      },
    );
  });
  return app;
}
