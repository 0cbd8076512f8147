/**
 * The x402 "lottery" scheme over real HTTP on loopback, with the in-process chain: a client
 * written from the specification alone pays; replays, another route's offer, expired params,
 * prices above the client's ceiling and servers charging more than they advertised are each
 * refused on the right side, and nothing is credited twice.
 */
import { expect } from "chai";
import Fastify from "fastify";

import { Rational } from "../../src/math/rational.js";
import {
  LotteryOverchargeError,
  LotteryPaymentRefusedError,
  LotteryPriceAboveCeilingError,
} from "../../src/x402/errors.js";
import { encodeHeader, PAYMENT_RESPONSE_HEADER } from "../../src/x402/headers.js";
import {
  payWithTicketSender,
  wrapFetchWithLottery,
  type LotteryChallenge,
} from "../../src/x402/client.js";
import { createLotteryPaywall, type LotteryPaywallOptions } from "../../src/x402/paywall.js";
import {
  CHEAP_PRICE,
  GAS_PRICE,
  INFER_MAX,
  PER_TOKEN,
  lotteryWorld,
  type LotteryWorld,
} from "./fixture.js";
import {
  b64,
  fetchOffer,
  paymentHeader,
  signPayment,
  ticketsFor,
  unb64,
  type Json,
} from "./docClient.js";

describe("x402 lottery scheme over HTTP", function () {
  this.timeout(120_000);
  let world: LotteryWorld;
  /** The doc client's next nonce (its sender pays only through the hand-built client). */
  let nextNonce = 1n;

  before(async () => {
    world = await lotteryWorld();
  });
  after(async () => {
    await world.close();
  });

  async function sessionBalance(session: string): Promise<Rational> {
    return (await world.sessions.get(session))?.balance ?? Rational.ZERO;
  }

  describe("a client written from docs/x402-lottery.md alone", function () {
    let offer: Json;
    let session: string;
    let paidHeader: string;

    it("gets a 402 whose lottery offer carries params for its sender", async () => {
      const got = await fetchOffer(`${world.url}/v1/cheap`, world.handSigner.address);
      expect(got.status).to.equal(402);
      expect(got.required.x402Version).to.equal(2);
      expect(got.required.error).to.equal("payment_required");
      expect(got.required.resource.url).to.equal(`${world.url}/v1/cheap`);
      offer = got.offer;
      expect(offer.network).to.equal(`eip155:${world.domain.chainId}`);
      expect(offer.amount).to.equal(CHEAP_PRICE.toString());
      expect(offer.payTo).to.equal(world.recipient.address);
      expect(offer.extra.params.sender).to.equal(world.handSigner.address);
      expect(offer.extra.params.verifyingContract).to.equal(world.domain.verifyingContract);
      expect(offer.extra.balance).to.equal("0");
      expect(offer.extra.pricing).to.deep.equal({
        mode: "exact",
        perRequest: CHEAP_PRICE.toString(),
        prepay: (10n * CHEAP_PRICE).toString(),
      });
      session = offer.extra.session as string;
    });

    it("pays with tickets worth the prepayment; the response says what was credited and charged", async () => {
      const count = ticketsFor(offer.extra.params, BigInt(offer.extra.pricing.prepay));
      const payment = await signPayment(world.handSigner, offer, nextNonce, count);
      nextNonce += count;
      paidHeader = paymentHeader(offer, session, payment);
      const response = await fetch(`${world.url}/v1/cheap`, {
        headers: { "PAYMENT-SIGNATURE": paidHeader },
      });
      expect(response.status).to.equal(200);
      expect(await response.json()).to.deep.equal({ ok: true });
      const settled = unb64(response.headers.get("PAYMENT-RESPONSE"));
      const ev = Rational.of(
        BigInt(offer.extra.params.faceValue) * BigInt(offer.extra.params.winProb),
        1n << 256n,
      );
      const credited = ev.mul(count);
      expect(settled).to.include({
        success: true,
        scheme: "lottery",
        transaction: "",
        session,
        payer: world.handSigner.address,
        charged: CHEAP_PRICE.toString(),
        credited: credited.floor().toString(),
        balance: credited.sub(CHEAP_PRICE).floor().toString(),
        ticketsAccepted: Number(count),
      });
      expect(settled.ticketsRefused).to.deep.equal([]);
      expect((await sessionBalance(session)).equals(credited.sub(CHEAP_PRICE))).to.equal(true);
    });

    it("spends the session's credit with no ticket on the next request", async () => {
      const before = await sessionBalance(session);
      const response = await fetch(`${world.url}/v1/cheap`, {
        headers: { "PAYMENT-SIGNATURE": paymentHeader(offer, session) },
      });
      expect(response.status).to.equal(200);
      const settled = unb64(response.headers.get("PAYMENT-RESPONSE"));
      expect(settled.ticketsAccepted).to.equal(0);
      expect(settled.credited).to.equal("0");
      expect((await sessionBalance(session)).equals(before.sub(CHEAP_PRICE))).to.equal(true);
    });

    it("a replayed PAYMENT-SIGNATURE is refused and credits nothing", async () => {
      const before = await sessionBalance(session);
      const response = await fetch(`${world.url}/v1/cheap`, {
        headers: { "PAYMENT-SIGNATURE": paidHeader },
      });
      expect(response.status).to.equal(402);
      const required = unb64(response.headers.get("PAYMENT-REQUIRED"));
      expect(required.error).to.equal("ticket_refused");
      const settled = unb64(response.headers.get("PAYMENT-RESPONSE"));
      expect(settled.success).to.equal(false);
      expect(settled.errorReason).to.equal("ticket_refused");
      expect(settled.ticketsAccepted).to.equal(0);
      expect(settled.credited).to.equal("0");
      expect(settled.ticketsRefused[0].code).to.equal("TicketNonceReusedError");
      const problem = (await response.json()) as Record<string, unknown>;
      expect(problem).to.include({
        status: 402,
        reason: "ticket_refused",
        code: "TicketNonceReusedError",
      });
      expect((await sessionBalance(session)).equals(before)).to.equal(true);
    });

    it("an offer of another route (another price) is refused before any ticket is looked at", async () => {
      const before = await sessionBalance(session);
      const payment = await signPayment(world.handSigner, offer, nextNonce, 1n);
      const response = await fetch(`${world.url}/v1/infer`, {
        method: "POST",
        headers: {
          "PAYMENT-SIGNATURE": paymentHeader(offer, session, payment),
          "content-type": "application/json",
        },
        body: JSON.stringify({ tokens: 1 }),
      });
      expect(response.status).to.equal(402);
      expect(unb64(response.headers.get("PAYMENT-REQUIRED")).error).to.equal(
        "requirements_mismatch",
      );
      expect(response.headers.get("PAYMENT-RESPONSE")).to.equal(null);
      expect((await sessionBalance(session)).equals(before)).to.equal(true);
      // The ticket was never received: the same nonce still pays on the right route.
      const ok = await fetch(`${world.url}/v1/cheap`, {
        headers: { "PAYMENT-SIGNATURE": paymentHeader(offer, session, payment) },
      });
      expect(ok.status).to.equal(200);
      expect(unb64(ok.headers.get("PAYMENT-RESPONSE")).ticketsAccepted).to.equal(1);
      nextNonce += 1n;
    });

    it("a session id the server did not issue is refused", async () => {
      const forged = `${session.slice(0, -4)}AAAA`;
      const response = await fetch(`${world.url}/v1/cheap`, {
        headers: { "PAYMENT-SIGNATURE": paymentHeader(offer, forged) },
      });
      expect(response.status).to.equal(402);
      expect(unb64(response.headers.get("PAYMENT-REQUIRED")).error).to.equal("invalid_session");
    });

    it("a malformed header and a malformed payment are refused, the latter naming the field", async () => {
      const garbage = await fetch(`${world.url}/v1/cheap`, {
        headers: { "PAYMENT-SIGNATURE": "%%%" },
      });
      expect(garbage.status).to.equal(402);
      expect(unb64(garbage.headers.get("PAYMENT-REQUIRED")).error).to.equal("invalid_header");

      const payment = await signPayment(world.handSigner, offer, nextNonce, 1n);
      payment.tickets[0].signature = payment.tickets[0].signature.slice(0, 130);
      const bad = await fetch(`${world.url}/v1/cheap`, {
        headers: { "PAYMENT-SIGNATURE": paymentHeader(offer, session, payment) },
      });
      expect(bad.status).to.equal(402);
      const problem = (await bad.json()) as Record<string, unknown>;
      expect(problem).to.include({
        reason: "invalid_header",
        code: "WireDecodeError",
        field: "/payload/payment/tickets/0/signature",
      });
    });

    it("tickets on params past their deadline (plus grace) are refused and credit nothing", async () => {
      const fresh = (await fetchOffer(`${world.url}/v1/cheap`, world.handSigner.address)).offer;
      const params = fresh.extra.params;
      const now = BigInt(await world.networkHelpers.time.latest());
      await world.networkHelpers.time.increase(Number(BigInt(params.expirationTime) - now + 31n));
      const payment = await signPayment(world.handSigner, fresh, nextNonce, 2n);
      nextNonce += 2n;
      const before = await sessionBalance(session);
      const response = await fetch(`${world.url}/v1/cheap`, {
        headers: { "PAYMENT-SIGNATURE": paymentHeader(fresh, session, payment) },
      });
      expect(response.status).to.equal(402);
      const settled = unb64(response.headers.get("PAYMENT-RESPONSE"));
      expect(settled.ticketsRefused.map((r: { code: string }) => r.code)).to.deep.equal([
        "TicketParamsExpiredOnReceiveError",
        "TicketParamsExpiredOnReceiveError",
      ]);
      expect(settled.credited).to.equal("0");
      expect((await sessionBalance(session)).equals(before)).to.equal(true);
      // The 402 carries fresh params that are live.
      const again = unb64(response.headers.get("PAYMENT-REQUIRED")).accepts[0];
      expect(BigInt(again.extra.params.expirationTime)).to.be.greaterThan(
        BigInt(await world.networkHelpers.time.latest()),
      );
    });
  });

  describe("the fetch wrapper", function () {
    it("pays once per prepayment: most requests carry no ticket", async () => {
      const payments: LotteryChallenge[] = [];
      const pay = payWithTicketSender(world.gateway);
      const paidFetch = wrapFetchWithLottery(fetch, {
        sender: world.gateway.sender,
        maxPrice: CHEAP_PRICE,
        pay: async (challenge) => {
          payments.push(challenge);
          return pay(challenge);
        },
      });
      for (let i = 0; i < 25; i++) {
        const response = await paidFetch(`${world.url}/v1/cheap`);
        expect(response.status).to.equal(200);
      }
      // Each payment prepays 10 requests; 25 requests need 3 payments.
      expect(payments).to.have.length(3);
      expect(payments[0]!.amount).to.equal(10n * CHEAP_PRICE);
      const [known] = [...paidFetch.sessions.values()];
      expect(known).to.not.equal(undefined);
      const stored = await sessionBalance(known!.session);
      expect(stored.floor()).to.equal(known!.balance);
    });

    it("upto: the handler charges the tokens used, the rest of the maximum is refunded", async () => {
      const settlements: Record<string, unknown>[] = [];
      const pay = payWithTicketSender(world.gateway);
      let ticketEV = Rational.ZERO;
      const paidFetch = wrapFetchWithLottery(fetch, {
        sender: world.gateway.sender,
        maxPrice: INFER_MAX,
        pay: async (challenge) => {
          const payment = await pay(challenge);
          const { faceValue, winProb } = challenge.params;
          ticketEV = ticketEV.add(
            Rational.of(faceValue * winProb * BigInt(payment.tickets.length), 1n << 256n),
          );
          return payment;
        },
        onSettlement: (s) => settlements.push(s),
      });
      const response = await paidFetch(`${world.url}/v1/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ tokens: 120 }),
      });
      expect(response.status).to.equal(200);
      expect(await response.json()).to.include({ tokens: 120 });
      const last = settlements.at(-1)!;
      expect(last.charged).to.equal((120n * PER_TOKEN).toString());
      const stored = await world.sessions.get(last.session as string);
      // Tickets credited, minus the tokens used: the reserved maximum came back.
      expect(stored!.balance.equals(ticketEV.sub(120n * PER_TOKEN))).to.equal(true);
      expect(BigInt(last.balance as string)).to.equal(stored!.balance.floor());
      // The offer sized the tickets so that a prepayment takes 4 of them.
      expect(last.ticketsAccepted).to.equal(4);
    });

    it("a handler that charges above the advertised maximum gets a 500 and the request is refunded", async () => {
      const settlements: Record<string, unknown>[] = [];
      const paidFetch = wrapFetchWithLottery(fetch, {
        sender: world.gateway.sender,
        maxPrice: INFER_MAX,
        pay: payWithTicketSender(world.gateway),
        onSettlement: (s) => settlements.push(s),
      });
      await paidFetch(`${world.url}/v1/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ tokens: 1 }),
      });
      const session = settlements.at(-1)!.session as string;
      const before = await world.sessions.get(session);
      const response = await paidFetch(`${world.url}/v1/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ tokens: 501 }), // 5.01e12 wei > 5e12 maximum
      });
      expect(response.status).to.equal(500);
      expect(((await response.json()) as { code: string }).code).to.equal("LotteryOverchargeError");
      const after = await world.sessions.get(session);
      expect(after!.balance.equals(before!.balance)).to.equal(true);
    });

    it("refuses a price above its ceiling before paying anything", async () => {
      let paid = 0;
      const paidFetch = wrapFetchWithLottery(fetch, {
        sender: world.gateway.sender,
        maxPrice: CHEAP_PRICE - 1n,
        pay: () => {
          paid += 1;
          throw new Error("must not pay");
        },
      });
      let error: unknown;
      try {
        await paidFetch(`${world.url}/v1/cheap`);
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(LotteryPriceAboveCeilingError);
      expect((error as LotteryPriceAboveCeilingError).details).to.include({
        price: CHEAP_PRICE.toString(),
        maxPrice: (CHEAP_PRICE - 1n).toString(),
      });
      expect(paid).to.equal(0);
    });

    it("passes routes without a paywall through untouched", async () => {
      const paidFetch = wrapFetchWithLottery(fetch, {
        sender: world.gateway.sender,
        maxPrice: CHEAP_PRICE,
        pay: () => Promise.reject(new Error("must not pay")),
      });
      const response = await paidFetch(`${world.url}/free`);
      expect(await response.json()).to.deep.equal({ free: true });
    });

    it("refuses a server that charges more than the offer it made", async () => {
      // A dishonest server: a real paywall's offer, then a PAYMENT-RESPONSE charging twice the price.
      const rogue = Fastify();
      rogue.get("/r", async (request, reply) => {
        const header = (name: string) => {
          const v = request.headers[name.toLowerCase()];
          return Array.isArray(v) ? v[0] : v;
        };
        const decision = await world.cheap.begin({ url: `http://${request.host}/r`, header });
        if (!decision.paid)
          return reply.code(402).headers(decision.refusal.headers).send(decision.refusal.body);
        const honest = unb64((await world.cheap.finish(decision.grant))[PAYMENT_RESPONSE_HEADER]!);
        return reply
          .header(
            PAYMENT_RESPONSE_HEADER,
            encodeHeader({ ...honest, charged: (2n * CHEAP_PRICE).toString() }),
          )
          .send({ ok: true });
      });
      const rogueUrl = await rogue.listen({ port: 0, host: "127.0.0.1" });
      try {
        const paidFetch = wrapFetchWithLottery(fetch, {
          sender: world.gateway.sender,
          maxPrice: 10n * CHEAP_PRICE,
          pay: payWithTicketSender(world.gateway),
        });
        let error: unknown;
        try {
          await paidFetch(`${rogueUrl}/r`);
        } catch (err) {
          error = err;
        }
        expect(error).to.be.instanceOf(LotteryOverchargeError);
        expect((error as LotteryOverchargeError).details).to.include({
          charged: (2n * CHEAP_PRICE).toString(),
          offered: CHEAP_PRICE.toString(),
        });
      } finally {
        await rogue.close();
      }
    });

    it("a refused payment surfaces as LotteryPaymentRefusedError with the server's reason", async () => {
      // pay() returns tickets already spent: the server refuses them as reused.
      const pay = payWithTicketSender(world.gateway);
      let first: Awaited<ReturnType<typeof pay>> | undefined;
      const paidFetch = wrapFetchWithLottery(fetch, {
        sender: world.gateway.sender,
        maxPrice: CHEAP_PRICE,
        pay: async (challenge) => (first ??= await pay(challenge)),
      });
      await paidFetch(`${world.url}/v1/cheap`);
      const other = wrapFetchWithLottery(fetch, {
        sender: world.gateway.sender,
        maxPrice: CHEAP_PRICE,
        pay: () => Promise.resolve(first!),
      });
      let error: unknown;
      try {
        await other(`${world.url}/v1/cheap`);
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(LotteryPaymentRefusedError);
      expect((error as LotteryPaymentRefusedError).reason).to.equal("ticket_refused");
    });
  });

  describe("the web Request/Response core", function () {
    it("answers 402 without payment and runs the handler once paid", async () => {
      const url = "http://api.test/v1/cheap";
      const handler = async () => Response.json({ ok: 1 });
      const first = await world.cheap.handle(
        new Request(url, { headers: { "LOTTERY-SENDER": world.handSigner.address } }),
        handler,
      );
      expect(first.status).to.equal(402);
      const offer = unb64(first.headers.get("PAYMENT-REQUIRED")).accepts[0];
      const payment = await signPayment(
        world.handSigner,
        offer,
        nextNonce,
        ticketsFor(offer.extra.params, CHEAP_PRICE),
      );
      const paid = await world.cheap.handle(
        new Request(url, {
          headers: { "PAYMENT-SIGNATURE": paymentHeader(offer, offer.extra.session, payment) },
        }),
        handler,
      );
      expect(paid.status).to.equal(200);
      expect(await paid.json()).to.deep.equal({ ok: 1 });
      expect(unb64(paid.headers.get("PAYMENT-RESPONSE")).success).to.equal(true);
      nextNonce += BigInt(payment.tickets.length);
    });

    it("a payment whose credit cannot be written is released: resent unchanged, it is credited once", async () => {
      // The recipient's replay store records each nonce; the session store fails the second credit.
      let credits = 0;
      const sessions: LotteryPaywallOptions["sessions"] = {
        credit: (a) =>
          ++credits === 2
            ? Promise.reject(new Error("session store unavailable"))
            : world.sessions.credit(a),
        debit: (a) => world.sessions.debit(a),
        get: (id) => world.sessions.get(id),
      };
      const paywall = createLotteryPaywall({
        recipient: world.recipient,
        sessions,
        chainId: world.domain.chainId,
        price: CHEAP_PRICE,
        gasPrice: () => Promise.resolve(GAS_PRICE),
      });
      const url = "http://api.test/v1/flaky";
      const handler = async () => Response.json({ ok: 1 });
      const first = await paywall.handle(
        new Request(url, { headers: { "LOTTERY-SENDER": world.handSigner.address } }),
        handler,
      );
      const offer = unb64(first.headers.get("PAYMENT-REQUIRED")).accepts[0];
      const count = ticketsFor(offer.extra.params, 3n * CHEAP_PRICE);
      expect(count >= 2n).to.equal(true);
      const payment = await signPayment(world.handSigner, offer, nextNonce, count);
      nextNonce += count;
      const paid = () =>
        new Request(url, {
          headers: { "PAYMENT-SIGNATURE": paymentHeader(offer, offer.extra.session, payment) },
        });
      const failed = await paywall.handle(paid(), handler);
      expect(failed.status).to.equal(503);
      expect(((await failed.json()) as Json).reason).to.equal("credit_unavailable");
      const retried = await paywall.handle(paid(), handler);
      expect(retried.status).to.equal(200);
      const ev = Rational.of(
        BigInt(offer.extra.params.faceValue) * BigInt(offer.extra.params.winProb),
        1n << 256n,
      );
      const stored = (await world.sessions.get(offer.extra.session))!;
      expect(stored.credited.equals(ev.mul(count))).to.equal(true);
      expect(unb64(retried.headers.get("PAYMENT-RESPONSE")).ticketsAccepted).to.equal(
        Number(count),
      );
      // Credited now: the same payment once more is a replay.
      const replay = await paywall.handle(paid(), handler);
      expect(replay.status).to.equal(402);
      expect(unb64(replay.headers.get("PAYMENT-REQUIRED")).error).to.equal("ticket_refused");
      expect(
        (await world.sessions.get(offer.extra.session))!.credited.equals(ev.mul(count)),
      ).to.equal(true);
    });

    it("an unreadable LOTTERY-SENDER is answered with invalid_sender and an offer without params", async () => {
      const response = await world.cheap.handle(
        new Request("http://api.test/v1/cheap", { headers: { "LOTTERY-SENDER": "0xnope" } }),
        () => Promise.resolve(new Response("never")),
      );
      expect(response.status).to.equal(402);
      const required = unb64(response.headers.get("PAYMENT-REQUIRED"));
      expect(required.error).to.equal("invalid_sender");
      expect(required.accepts[0].extra).to.not.have.property("params");
    });
  });

  it("base64 JSON headers decode with any base64 decoder", () => {
    expect(unb64(b64({ a: "é" }))).to.deep.equal({ a: "é" });
  });
});
