/**
 * Operations over real HTTP: rate limits, metrics, readiness, graceful shutdown, and the typed
 * clients with the live payment loop, on memory stores and the fake chain.
 */
import { expect } from "chai";
import { Writable } from "node:stream";

import type { SenderFunds } from "../../src/chain/brokerReader.js";
import { Rational } from "../../src/math/rational.js";
import { MemoryStore } from "../../src/store/memory/memoryStore.js";
import { hashApiKey } from "../../src/services/common/apiKeys.js";
import { serviceLogger } from "../../src/services/common/logger.js";
import { payeeSessionKey } from "../../src/services/common/sessionKeys.js";
import { LivePaymentLoop } from "../../src/services/client/livePaymentLoop.js";
import { PayeeClient } from "../../src/services/client/payeeClient.js";
import { ServiceClientError } from "../../src/services/client/serviceClientError.js";
import { SignerClient } from "../../src/services/client/signerClient.js";
import { FakeReader, senderSigner } from "../support/flowFixtures.js";
import { API_KEYS, KEYS, call, startPair } from "./support.js";

/** Logs an object through a service logger (to check its redaction). */
function logSecret(fields: Record<string, unknown>, destination: Writable): void {
  serviceLogger({ level: "info", service: "test", destination }).info(fields, "with secrets");
}

/** A chain whose fund reads take `delayMs` (an in-flight request during shutdown). */
class SlowReader extends FakeReader {
  delayMs = 0;
  override async senderFunds(): Promise<SenderFunds> {
    await new Promise((r) => setTimeout(r, this.delayMs));
    return this.funds;
  }
}

describe("service operations over HTTP", function () {
  this.timeout(60_000);

  it("logs each request with its id and never the API key or the signing key", async function () {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(
          ...chunk
            .toString()
            .split("\n")
            .filter((l) => l !== ""),
        );
        done();
      },
    });
    const pair = await startPair({
      signerDeps: { logger: serviceLogger({ level: "info", service: "signer", destination }) },
    });
    try {
      const res = await call(`${pair.signer.url}/v1/sender`, {
        key: KEYS.gateway,
        headers: { "x-request-id": "req-abc-123" },
      });
      expect(res.headers.get("x-request-id")).to.equal("req-abc-123");
      await call(`${pair.signer.url}/v1/sender`, { key: "a-wrong-key-0001" });
      logSecret({ secret: "s3cret-value", authorization: "Bearer x" }, destination);
    } finally {
      await pair.close();
    }
    const text = lines.join("\n");
    // Exactly one line for the request, written when it was answered.
    const ofRequest = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l["reqId"] === "req-abc-123");
    expect(ofRequest).to.have.length(1);
    expect(ofRequest[0]).to.include({
      msg: "request",
      method: "GET",
      url: "/v1/sender",
      statusCode: 200,
      service: "signer",
    });
    expect(ofRequest[0]?.["responseTimeMs"]).to.be.a("number");
    expect(text).to.not.contain(KEYS.gateway);
    expect(text).to.not.contain("a-wrong-key-0001");
    expect(text).to.not.contain("s3cret-value");
    expect(text).to.contain("[redacted]");
  });

  it("enforces a price ceiling in USD through the price feed, and refuses one without a feed", async function () {
    // 1 USD = 10^18 / 2000 wei (ETH at 2,000 USD).
    const feed = { currency: "USD", weiPerCurrencyUnit: () => Rational.of(10n ** 18n, 2000n) };
    const pair = await startPair({ signerDeps: { priceFeed: feed } });
    try {
      const payee = new PayeeClient({ baseUrl: pair.payee.url, apiKey: KEYS.gateway });
      const { params, price } = await payee.params(senderSigner.address);
      const ask = (max: string, currency: string, key: string) =>
        call(`${pair.signer.url}/v1/payments`, {
          key: KEYS.gateway,
          idempotencyKey: key,
          body: {
            params,
            sessionId: "usd",
            units: "4000000000000",
            pricePerUnit: price.weiPerUnit,
            maxPricePerUnit: max,
            maxPricePerUnitCurrency: currency,
          },
        });
      // 1 USD = 5e14 wei, so 0.5 wei per pixel is exactly 1e-15 USD: at the ceiling it pays, below it refuses.
      expect((await ask("0.000000000000001", "USD", "at")).status).to.equal(200);
      const below = await ask("0.00000000000000099", "USD", "below");
      expect(below.status).to.equal(422);
      expect(below.body.code).to.equal("PriceAboveCeilingError");
      const unknown = await ask("1", "EUR", "eur");
      expect(unknown.body.code).to.equal("MissingPriceFeedError");
    } finally {
      await pair.close();
    }
  });

  it("answers 500 and forgets the tickets when the credit cannot be written, so a resend is credited", async function () {
    const store = new MemoryStore();
    const credit = store.sessions.credit.bind(store.sessions);
    let failures = 1;
    store.sessions.credit = (a) => {
      if (failures-- > 0) return Promise.reject(new Error("disk full"));
      return credit(a);
    };
    const pair = await startPair({ payeeStore: store });
    try {
      const payee = new PayeeClient({ baseUrl: pair.payee.url, apiKey: KEYS.gateway, retries: 0 });
      const signer = new SignerClient({ baseUrl: pair.signer.url, apiKey: KEYS.gateway });
      const { params } = await payee.params(senderSigner.address);
      const paid = await signer.pay({ params, sessionId: "f", fee: "2500000000000" });
      const payment = { version: 1 as const, sender: paid.sender, params, tickets: paid.tickets };
      const failed = await payee.pay({ sessionId: "f", payment }).catch((e: unknown) => e);
      expect((failed as ServiceClientError).status).to.equal(500);
      expect(await store.sessions.get(payeeSessionKey("f"))).to.equal(undefined);
      const again = await payee.pay({ sessionId: "f", payment });
      expect(again.accepted).to.equal(3);
      expect(again.credited).to.equal(paid.ev);
    } finally {
      await pair.close();
    }
  });

  it("refuses a key over its rate with 429 and Retry-After", async function () {
    const limited = [
      ...API_KEYS,
      {
        id: "burst",
        sha256: hashApiKey("burst-key-000001"),
        scopes: ["pay"],
        ratePerSecond: 1,
        burst: 2,
      },
    ];
    const pair = await startPair({ signer: { apiKeys: limited } });
    try {
      const get = () => call(`${pair.signer.url}/v1/sender`, { key: "burst-key-000001" });
      expect((await get()).status).to.equal(200);
      expect((await get()).status).to.equal(200);
      const third = await get();
      expect(third.status).to.equal(429);
      expect(third.body.code).to.equal("RateLimitedError");
      expect(third.headers.get("retry-after")).to.equal("1");
      // Other keys are not affected.
      expect((await call(`${pair.signer.url}/v1/sender`, { key: KEYS.gateway })).status).to.equal(
        200,
      );
    } finally {
      await pair.close();
    }
  });

  it("exposes payments, tickets, EV and refusals by code on /metrics", async function () {
    const pair = await startPair();
    try {
      const signer = new SignerClient({ baseUrl: pair.signer.url, apiKey: KEYS.gateway });
      const payee = new PayeeClient({ baseUrl: pair.payee.url, apiKey: KEYS.gateway });
      const { params } = await payee.params(senderSigner.address);
      const paid = await signer.pay({ params, sessionId: "m", fee: "2500000000000" });
      await payee.pay({
        sessionId: "m",
        payment: { version: 1, sender: paid.sender, params, tickets: paid.tickets },
      });
      await call(`${pair.signer.url}/v1/payments`, { idempotencyKey: "x", body: {} });
      const s = String((await call(`${pair.signer.url}/metrics`)).body);
      expect(s).to.contain("ticketbroker_signer_payments_total 1\n");
      expect(s).to.contain('ticketbroker_signer_tickets_total{outcome="signed"} 3\n');
      expect(s).to.contain('ticketbroker_signer_refusals_total{code="ApiKeyMissingError"} 1\n');
      expect(s).to.match(
        /ticketbroker_signer_request_duration_seconds_count\{method="POST",route="\/v1\/payments",status="200"\} 1/,
      );
      const p = String((await call(`${pair.payee.url}/metrics`)).body);
      expect(p).to.contain("ticketbroker_payee_payments_total 1\n");
      expect(p).to.contain('ticketbroker_payee_tickets_total{outcome="accepted"} 3\n');
      const credited = /ticketbroker_payee_ev_credited_wei_total (\d+)/.exec(p)?.[1];
      expect(BigInt(credited ?? "0")).to.equal(3_000_000_000_000n);
    } finally {
      await pair.close();
    }
  });

  it("counts each refused ticket once in refusals_total, answered with a problem or not", async function () {
    const pair = await startPair();
    try {
      const signer = new SignerClient({ baseUrl: pair.signer.url, apiKey: KEYS.gateway });
      const { params } = await new PayeeClient({
        baseUrl: pair.payee.url,
        apiKey: KEYS.gateway,
      }).params(senderSigner.address);
      const first = await signer.pay({ params, sessionId: "r", fee: "2500000000000" });
      const payment = (tickets: typeof first.tickets) => ({
        sessionId: "r",
        payment: { version: 1, sender: first.sender, params, tickets },
      });
      const refusals = async () =>
        /ticketbroker_payee_refusals_total\{code="TicketNonceReusedError"\} (\d+)/.exec(
          String((await call(`${pair.payee.url}/metrics`)).body),
        )?.[1];
      const pay = (body: unknown) =>
        call(`${pair.payee.url}/v1/payments`, { key: KEYS.gateway, body });
      expect((await pay(payment(first.tickets))).status).to.equal(200);
      expect(await refusals()).to.equal(undefined);
      // Every ticket resent: three refusals, answered with the first as a problem document.
      const replay = await pay(payment(first.tickets));
      expect(replay.status).to.equal(422);
      expect(replay.body.code).to.equal("TicketNonceReusedError");
      expect(await refusals()).to.equal("3");
      // One resent ticket beside new ones: the payment goes through, one more refusal.
      const second = await signer.pay({ params, sessionId: "r2", fee: "2500000000000" });
      const mixed = await pay(payment([first.tickets[0]!, ...second.tickets]));
      expect(mixed.status).to.equal(200);
      expect(mixed.body.refused).to.equal(1);
      expect(await refusals()).to.equal("4");
    } finally {
      await pair.close();
    }
  });

  it("is ready only while the store and chain answer and the sender's funds are above the floors", async function () {
    const pair = await startPair({ signer: { minDepositWei: "1000000000000000000" } });
    try {
      expect((await call(`${pair.signer.url}/healthz`)).status).to.equal(200);
      expect((await call(`${pair.signer.url}/readyz`)).status).to.equal(200);
      pair.reader.funds = { ...pair.reader.funds, deposit: 10n ** 18n - 1n };
      const low = await call(`${pair.signer.url}/readyz`);
      expect(low.status).to.equal(503);
      expect(low.body.checks.find((c: { name: string }) => c.name === "funds").ok).to.equal(false);
      expect((await call(`${pair.payee.url}/readyz`)).status).to.equal(200);
    } finally {
      await pair.close();
    }
  });

  it("finishes an in-flight payment when closed, then refuses new connections", async function () {
    const reader = new SlowReader();
    const pair = await startPair({ reader });
    const payee = new PayeeClient({ baseUrl: pair.payee.url, apiKey: KEYS.gateway });
    const { params } = await payee.params(senderSigner.address);
    reader.delayMs = 300;
    const inFlight = call(`${pair.signer.url}/v1/payments`, {
      key: KEYS.gateway,
      idempotencyKey: "drain",
      body: { params, sessionId: "d", fee: "1000000000000" },
    });
    await new Promise((r) => setTimeout(r, 100));
    const closing = pair.signer.app.close();
    const res = await inFlight;
    await closing;
    expect(res.status).to.equal(200);
    expect(res.body.ticketCount).to.equal(1);
    let refused = false;
    try {
      await fetch(`${pair.signer.url}/healthz`);
    } catch {
      refused = true;
    }
    expect(refused).to.equal(true);
    await pair.payee.app.close();
  });

  it("typed clients surface problem codes; a retry with the same key returns the same tickets", async function () {
    const pair = await startPair();
    try {
      const signer = new SignerClient({ baseUrl: pair.signer.url, apiKey: KEYS.gateway });
      const payee = new PayeeClient({ baseUrl: pair.payee.url, apiKey: KEYS.gateway });
      const { params, price } = await payee.params(senderSigner.address);
      expect(price).to.deep.equal({ unit: "pixel", weiPerUnit: "1/2" });
      const a = await signer.pay({
        params,
        sessionId: "c",
        units: "2000000000000",
        pricePerUnit: price.weiPerUnit,
        idempotencyKey: "c1",
      });
      const b = await signer.pay({
        params,
        sessionId: "c",
        units: "2000000000000",
        pricePerUnit: price.weiPerUnit,
        idempotencyKey: "c1",
      });
      expect(b).to.deep.equal(a);
      const err = await signer
        .pay({ params, sessionId: "c", fee: "1", idempotencyKey: "c1" })
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ServiceClientError);
      expect((err as ServiceClientError).problemCode).to.equal("IdempotencyKeyReusedError");
      expect((err as ServiceClientError).status).to.equal(409);
      const work = new PayeeClient({ baseUrl: pair.payee.url, apiKey: KEYS.work });
      await payee.pay({
        sessionId: "c",
        payment: { version: 1, sender: a.sender, params, tickets: a.tickets },
      });
      expect((await work.check("c", "1000000000000")).canPay).to.equal(true);
      const debited = await work.debit("c", "1000000000000");
      expect(debited.session.debited).to.equal("1000000000000");
      expect((await work.session("c")).closed).to.equal(false);
    } finally {
      await pair.close();
    }
  });

  it("live loop: upfront credit, periodic payments, stops with the payee's reason when credit runs out", async function () {
    const pair = await startPair({
      payee: { priceUnit: "second", pricePerUnitWei: "100000000000" },
    });
    try {
      let now = 1_000_000;
      const signer = new SignerClient({ baseUrl: pair.signer.url, apiKey: KEYS.gateway });
      const payee = new PayeeClient({ baseUrl: pair.payee.url, apiKey: KEYS.gateway });
      const work = new PayeeClient({ baseUrl: pair.payee.url, apiKey: KEYS.work });
      const loop = new LivePaymentLoop({
        signer,
        payee,
        sender: senderSigner.address,
        sessionId: "live",
        upfrontSeconds: 10,
        intervalMs: 20,
        now: () => now,
      });
      await loop.start();
      // 10 s upfront at 1e11 wei/s = 1e12 wei: one ticket.
      const first = await work.session("live");
      expect(BigInt(first.credited.split("/")[0]!) > 0n).to.equal(true);
      now += 25_000; // 25 s elapse: the loop pays for them.
      await new Promise((r) => setTimeout(r, 200));
      const second = await work.session("live");
      expect(second.credited).to.not.equal(first.credited);
      // The work server debits more than the credit for live work: the session closes.
      await work.debit("live", "100000000000000", { live: true }).catch(() => undefined);
      now += 10_000;
      const stop = await loop.stopped;
      expect(stop.reason).to.equal("credit-exhausted");
    } finally {
      await pair.close();
    }
  });
});
