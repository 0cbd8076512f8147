/**
 * The lottery paywall as a Fastify plugin: every route registered in the scope where the plugin
 * is registered is paid for (see {@link createLotteryPaywall}).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";

import { assertHasMethods, assertObject } from "../ticket/inputs.js";
import { LotteryOverchargeError } from "./errors.js";
import type { LotteryGrant, LotteryPaywall, PaidRequestContext } from "./paywall.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set on a route behind a lottery paywall once the request is paid. */
    lottery?: PaidRequestContext;
  }
}

/** Options of {@link lotteryPaywallPlugin}. */
export interface LotteryPaywallPluginOptions {
  readonly paywall: LotteryPaywall;
}

interface PaidState {
  grant: LotteryGrant;
  charge?: bigint;
}

const STATE = Symbol("lotteryPaywall");
type WithState = FastifyRequest & { [STATE]?: PaidState };

/**
 * Registers the paywall's hooks in the scope it is registered in (routes of that scope and its
 * children): a request without a valid payment gets the 402; a paid one runs with
 * `request.lottery` (session, maximum, `charge(wei)` for `upto` routes) and its answer carries
 * PAYMENT-RESPONSE. An answer with status ≥ 500 is refunded.
 *
 * @example
 * ```ts
 * await app.register(async (paid) => {
 *   await paid.register(lotteryPaywallPlugin, { paywall });
 *   paid.post("/v1/infer", async (request) => {
 *     const tokens = 250n;
 *     request.lottery?.charge(tokens * perToken);
 *     return { text: "…" };
 *   });
 * });
 * ```
 */
export const lotteryPaywallPlugin: FastifyPluginAsync<LotteryPaywallPluginOptions> = async (
  fastify,
  options,
) => {
  assertHasMethods(fastify, "fastify", ["addHook"]);
  assertObject(options, "lotteryPaywallPlugin options");
  assertHasMethods(options.paywall, "paywall", ["begin", "finish", "abort"]);
  const { paywall } = options;

  fastify.addHook("preHandler", async (request: WithState, reply: FastifyReply) => {
    const decision = await paywall.begin({
      url: `${request.protocol}://${request.host}${request.url}`,
      header: (name) => {
        const value = request.headers[name.toLowerCase()];
        return Array.isArray(value) ? value[0] : value;
      },
    });
    if (!decision.paid) {
      const { refusal } = decision;
      await reply.code(refusal.status).headers(refusal.headers).send(refusal.body);
      return reply;
    }
    const state: PaidState = { grant: decision.grant };
    request[STATE] = state;
    request.lottery = {
      sessionId: state.grant.sessionId,
      maxCharge: state.grant.reserved,
      charge: (wei) => {
        state.charge = wei;
      },
    };
    return undefined;
  });

  fastify.addHook("onSend", async (request: WithState, reply: FastifyReply, payload) => {
    const state = request[STATE];
    if (state === undefined) return payload;
    delete request[STATE];
    if (reply.statusCode >= 500) {
      await paywall.abort(state.grant);
      return payload;
    }
    try {
      const headers = await paywall.finish(state.grant, state.charge);
      void reply.headers(headers);
      return payload;
    } catch (err) {
      if (!(err instanceof LotteryOverchargeError)) throw err;
      void reply.code(500).header("content-type", "application/problem+json");
      return JSON.stringify({
        type: `https://ticketbroker.dev/problems/${err.code}`,
        title: "Charge above the advertised maximum",
        status: 500,
        detail: err.message,
        code: err.code,
        hint: err.hint,
      });
    }
  });

  fastify.addHook("onError", async (request: WithState) => {
    const state = request[STATE];
    if (state === undefined) return;
    delete request[STATE];
    await paywall.abort(state.grant);
  });
};

// Hooks apply to the scope that registers the plugin, as fastify-plugin would arrange.
(lotteryPaywallPlugin as unknown as Record<symbol, unknown>)[Symbol.for("skip-override")] = true;
