/**
 * The x402 client paying through the signer service (the gateway's remote signer over HTTP)
 * instead of a local key: the paywall, the signer and the client each on loopback, on the flow
 * fixtures' chain state.
 */
import { expect } from "chai";
import Fastify from "fastify";

import { SignerClient } from "../../src/services/client/signerClient.js";
import { buildSignerApp } from "../../src/services/signer/signerApp.js";
import { MemoryStore } from "../../src/store/memory/memoryStore.js";
import { MemorySessionStore } from "../../src/store/memory/memorySessionStore.js";
import { payWithSigner, wrapFetchWithLottery } from "../../src/x402/client.js";
import { lotteryPaywallPlugin } from "../../src/x402/fastifyPlugin.js";
import { createLotteryPaywall } from "../../src/x402/paywall.js";
import { FakeReader, domain, fixtureRecipient, senderSigner } from "../support/flowFixtures.js";
import { KEYS, listen, signerConfig } from "../services/support.js";

describe("x402 lottery client with the signer service", function () {
  it("pays a lottery-priced route with tickets the signer service signs", async () => {
    const reader = new FakeReader();
    reader.time = BigInt(Math.floor(Date.now() / 1000));
    const signer = await listen(
      buildSignerApp(signerConfig(), {
        store: new MemoryStore(),
        reader,
        signer: senderSigner,
        domain,
        logger: false,
      }),
    );
    const recipient = fixtureRecipient({
      reader,
      policy: { redeemGas: 100_000n, targetEV: 10n ** 12n },
    });
    const sessions = new MemorySessionStore();
    const paywall = createLotteryPaywall({
      recipient,
      sessions,
      chainId: domain.chainId,
      price: 10n ** 12n,
      gasPrice: () => Promise.resolve(10n ** 8n),
    });
    const app = Fastify();
    await app.register(lotteryPaywallPlugin, { paywall });
    app.get("/paid", async () => ({ paid: true }));
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      let payments = 0;
      const pay = payWithSigner(new SignerClient({ baseUrl: signer.url, apiKey: KEYS.gateway }));
      const paidFetch = wrapFetchWithLottery(fetch, {
        sender: senderSigner.address,
        maxPrice: 10n ** 12n,
        pay: (challenge) => {
          payments += 1;
          return pay(challenge);
        },
      });
      for (let i = 0; i < 12; i++) {
        const response = await paidFetch(`${url}/paid`);
        expect(response.status).to.equal(200);
        expect(await response.json()).to.deep.equal({ paid: true });
      }
      expect(payments).to.equal(2);
      const [known] = [...paidFetch.sessions.values()];
      const stored = await sessions.get(known!.session);
      expect(stored!.debited.equals(12n * 10n ** 12n)).to.equal(true);
      expect(stored!.credited.cmp(12n * 10n ** 12n)).to.be.greaterThanOrEqual(0);
    } finally {
      await app.close();
      await signer.app.close();
    }
  });
});
