/**
 * The example inference API (examples/x402-inference) on loopback: the specification-only client
 * pays a completion by hand, the example agent pays through the wrapper, and a client whose
 * session is unknown to a route (routes without a shared session secret) moves to that route's
 * session instead of failing.
 */
import { expect } from "chai";
import Fastify from "fastify";

import { Rational } from "../../src/math/rational.js";
import { MemorySessionStore } from "../../src/store/memory/memorySessionStore.js";
import { payWithTicketSender, wrapFetchWithLottery } from "../../src/x402/client.js";
import { lotteryPaywallPlugin } from "../../src/x402/fastifyPlugin.js";
import { createLotteryPaywall } from "../../src/x402/paywall.js";
import { runAgent } from "../../examples/x402-inference/src/agent.js";
import {
  DEFAULT_PRICES,
  buildInferenceApp,
  generate,
} from "../../examples/x402-inference/src/inferenceApp.js";
import { fetchOffer, paymentHeader, signPayment, ticketsFor, unb64 } from "./docClient.js";
import { GAS_PRICE, lotteryWorld, type LotteryWorld } from "./fixture.js";

describe("x402 inference example", function () {
  this.timeout(120_000);
  let world: LotteryWorld;
  let url: string;
  let sessions: MemorySessionStore;
  let close: () => Promise<void>;

  before(async () => {
    world = await lotteryWorld();
    sessions = new MemorySessionStore();
    const app = await buildInferenceApp({
      paywall: {
        recipient: world.recipient,
        sessions,
        chainId: world.domain.chainId,
        gasPrice: () => Promise.resolve(GAS_PRICE),
        sessionSecret: new Uint8Array(32).fill(3),
      },
    });
    url = await app.listen({ port: 0, host: "127.0.0.1" });
    close = async () => {
      await app.close();
      await world.close();
    };
  });
  after(async () => close());

  it("a client written from the specification alone pays a completion by the token", async () => {
    const endpoint = `${url}/v1/complete`;
    const { status, offer } = await fetchOffer(endpoint, world.handSigner.address, {
      method: "POST",
      body: JSON.stringify({ prompt: "hello" }),
    });
    expect(status).to.equal(402);
    const max =
      DEFAULT_PRICES.perRequest + BigInt(DEFAULT_PRICES.maxTokens) * DEFAULT_PRICES.perToken;
    expect(offer.amount).to.equal(max.toString());
    expect(offer.extra.pricing).to.deep.include({
      mode: "upto",
      perUnit: DEFAULT_PRICES.perToken.toString(),
      unit: "token",
    });
    const count = ticketsFor(offer.extra.params, BigInt(offer.amount));
    const payment = await signPayment(world.handSigner, offer, 1n, count);
    const prompt = "three little words";
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "PAYMENT-SIGNATURE": paymentHeader(offer, offer.extra.session, payment),
      },
      body: JSON.stringify({ prompt, maxTokens: 5 }),
    });
    expect(response.status).to.equal(200);
    const body = (await response.json()) as { tokens: number; text: string };
    expect(body.tokens).to.equal(5);
    expect(body.text).to.equal(generate(prompt, 5).join(" "));
    const settled = unb64(response.headers.get("PAYMENT-RESPONSE"));
    const charge = DEFAULT_PRICES.perRequest + 5n * DEFAULT_PRICES.perToken;
    expect(settled.charged).to.equal(charge.toString());
    const ev = Rational.of(
      BigInt(offer.extra.params.faceValue) * BigInt(offer.extra.params.winProb) * count,
      1n << 256n,
    );
    const stored = await sessions.get(offer.extra.session as string);
    expect(stored!.balance.equals(ev.sub(charge))).to.equal(true);
    expect(settled.balance).to.equal(ev.sub(charge).floor().toString());
  });

  it("the example agent pays 41 requests with a couple of payments", async () => {
    const report = await runAgent({
      baseUrl: url,
      sender: world.gateway.sender,
      pay: payWithTicketSender(world.gateway),
      maxPrice: 3n * 10n ** 12n,
      prompts: Array.from({ length: 40 }, (_, i) => `prompt ${i} with five words`),
    });
    expect(report.requests).to.equal(41);
    expect(report.payments).to.be.at.most(3);
    // Every completion of 5 words yields 15 tokens: 40 × (perRequest + 15 × perToken) + models.
    expect(report.tokens).to.equal(40 * 15);
    expect(report.charged).to.equal(
      DEFAULT_PRICES.listModels + 40n * (DEFAULT_PRICES.perRequest + 15n * DEFAULT_PRICES.perToken),
    );
  });

  it("moves to a route's own session when a session from another route is unknown to it", async () => {
    const shared = {
      recipient: world.recipient,
      sessions,
      chainId: world.domain.chainId,
      gasPrice: () => Promise.resolve(GAS_PRICE),
    };
    const app = Fastify();
    for (const name of ["a", "b"]) {
      const paywall = createLotteryPaywall({ ...shared, price: 10n ** 11n }); // own random secret
      await app.register(async (scope) => {
        await scope.register(lotteryPaywallPlugin, { paywall });
        scope.get(`/${name}`, async () => ({ route: name }));
      });
    }
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      let payments = 0;
      const pay = payWithTicketSender(world.gateway);
      const paidFetch = wrapFetchWithLottery(fetch, {
        sender: world.gateway.sender,
        maxPrice: 10n ** 11n,
        pay: (c) => {
          payments += 1;
          return pay(c);
        },
      });
      expect(await (await paidFetch(`${base}/a`)).json()).to.deep.equal({ route: "a" });
      expect(await (await paidFetch(`${base}/b`)).json()).to.deep.equal({ route: "b" });
      expect(await (await paidFetch(`${base}/b`)).json()).to.deep.equal({ route: "b" });
      expect(payments).to.equal(2);
    } finally {
      await app.close();
    }
  });
});
