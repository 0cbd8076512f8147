/**
 * The paywall core with a stand-in recipient (every ticket accepted at a fixed EV): its
 * configuration checks, refunds when the work fails, atomic debits under concurrency, and each
 * ticket credited once even when two requests carry it at the same time, and a payment whose
 * credit cannot be written answered 503 and, resent unchanged (by hand or by the fetch wrapper),
 * credited once.
 */
import { expect } from "chai";
import Fastify from "fastify";

import { Rational } from "../../src/math/rational.js";
import { MemorySessionStore } from "../../src/store/memory/memorySessionStore.js";
import type { TicketParams } from "../../src/ticket/ticketParams.js";
import { encodePayment, type PaymentMessage } from "../../src/wire/index.js";
import { wrapFetchWithLottery, type LotteryChallenge } from "../../src/x402/client.js";
import { TicketNonceReusedError } from "../../src/recipient/errors.js";
import { LotteryPaywallConfigError, LotteryPriceAboveCeilingError } from "../../src/x402/errors.js";
import { lotteryPaywallPlugin } from "../../src/x402/fastifyPlugin.js";
import { decodeHeader, encodeHeader } from "../../src/x402/headers.js";
import { createLotteryPaywall, type LotteryPaywallOptions } from "../../src/x402/paywall.js";
import { makeParams, recipientAddress, senderSigner } from "../support/flowFixtures.js";

const PRICE = 1000n;
const EV = 600n;

/**
 * A recipient that accepts every ticket at EV 600 wei, after `delayMs`, once per nonce (a nonce
 * received again is refused until it is forgotten), as the real one does over its replay store.
 */
function standInRecipient(delayMs = 0): LotteryPaywallOptions["recipient"] {
  const received = new Set<bigint>();
  return {
    address: recipientAddress,
    issueParams: () => Promise.resolve(makeParams()),
    receiveTicket: async ({ signed }) => {
      await new Promise((r) => setTimeout(r, delayMs));
      const nonce = signed.ticket.senderNonce;
      if (received.has(nonce)) {
        throw new TicketNonceReusedError("The sender already used this nonce", {
          details: { senderNonce: nonce },
          hint: "Sign a ticket with a fresh nonce.",
        });
      }
      received.add(nonce);
      return { ev: Rational.of(EV), won: false };
    },
    forgetTicket: ({ signed }) => {
      received.delete(signed.ticket.senderNonce);
      return Promise.resolve();
    },
  };
}

/** A session store whose `credit` fails on its `failAt`-th call (1-based), and only then. */
class CreditFailsOnce extends MemorySessionStore {
  #calls = 0;
  constructor(readonly failAt: number) {
    super();
  }
  override credit(a: Parameters<MemorySessionStore["credit"]>[0]) {
    this.#calls += 1;
    if (this.#calls === this.failAt) return Promise.reject(new Error("session store unavailable"));
    return super.credit(a);
  }
}

function paywallWith(
  overrides: Partial<LotteryPaywallOptions> = {},
  sessions = new MemorySessionStore(),
) {
  const paywall = createLotteryPaywall({
    recipient: standInRecipient(),
    sessions,
    chainId: 421614n,
    price: PRICE,
    gasPrice: () => Promise.resolve(1n),
    ...overrides,
  });
  return { paywall, sessions };
}

/** The PAYMENT-SIGNATURE for `offer` with tickets of nonces `nonces` (signatures not checked here). */
function header(offer: Record<string, unknown>, session: string, nonces: bigint[] = []): string {
  const params: TicketParams = makeParams();
  const tickets = nonces.map((senderNonce) => ({
    ticket: {
      recipient: params.recipient,
      sender: params.sender,
      faceValue: params.faceValue,
      winProb: params.winProb,
      senderNonce,
      recipientRandHash: params.recipientRandHash,
      expiry: params.ticketExpiry,
      workId: `0x${"00".repeat(32)}` as const,
    },
    signature: `0x${"11".repeat(65)}` as const,
  }));
  return encodeHeader({
    x402Version: 2,
    accepted: offer,
    payload:
      tickets.length === 0
        ? { session }
        : { session, payment: encodePayment({ sender: senderSigner.address, params, tickets }) },
  });
}

async function offerOf(paywall: ReturnType<typeof paywallWith>["paywall"]) {
  const offer = await paywall.requirements({ url: "http://t/x", header: () => undefined });
  return { offer: offer as unknown as Record<string, unknown>, session: offer.extra.session };
}

const request = (h?: string) =>
  new Request("http://t/x", h === undefined ? {} : { headers: { "PAYMENT-SIGNATURE": h } });

describe("lottery paywall core", function () {
  it("refuses options it cannot work with, naming each problem", () => {
    try {
      paywallWith({ price: 0n, chainId: 0n, prepayRequests: 0n, ticketsPerPayment: 0n });
      expect.fail("accepted");
    } catch (err) {
      expect(err).to.be.instanceOf(LotteryPaywallConfigError);
      expect((err as LotteryPaywallConfigError).details.problems).to.have.length(4);
    }
    expect(() => paywallWith({ price: 1n })).to.not.throw();
  });

  it("refunds the request when the handler throws or answers 5xx", async () => {
    const { paywall, sessions } = paywallWith();
    const { offer, session } = await offerOf(paywall);
    const paid = await paywall.handle(request(header(offer, session, [1n, 2n])), () =>
      Promise.resolve(Response.json({ ok: true })),
    );
    expect(paid.status).to.equal(200);
    expect((await sessions.get(session))!.balance.equals(2n * EV - PRICE)).to.equal(true);
    // Balance 200 < price: top up with two more tickets, then fail the work twice.
    const failing = await paywall.handle(request(header(offer, session, [3n, 4n])), () =>
      Promise.resolve(new Response("down", { status: 503 })),
    );
    expect(failing.status).to.equal(503);
    expect((await sessions.get(session))!.balance.equals(4n * EV - PRICE)).to.equal(true);
    let thrown: unknown;
    try {
      await paywall.handle(request(header(offer, session)), () =>
        Promise.reject(new Error("boom")),
      );
    } catch (err) {
      thrown = err;
    }
    expect((thrown as Error).message).to.equal("boom");
    expect((await sessions.get(session))!.balance.equals(4n * EV - PRICE)).to.equal(true);
  });

  it("an exact route's handler cannot change the price", async () => {
    const { paywall, sessions } = paywallWith();
    const { offer, session } = await offerOf(paywall);
    const response = await paywall.handle(request(header(offer, session, [1n, 2n])), (ctx) => {
      ctx.charge(PRICE - 1n);
      return Promise.resolve(Response.json({ ok: true }));
    });
    expect(response.status).to.equal(500);
    expect(((await response.json()) as { code: string }).code).to.equal("LotteryOverchargeError");
    expect((await sessions.get(session))!.balance.equals(2n * EV)).to.equal(true);
  });

  it("debits atomically: with credit for one request, one of two concurrent requests is paid", async () => {
    const { paywall } = paywallWith();
    const { offer, session } = await offerOf(paywall);
    await paywall.handle(request(header(offer, session, [1n, 2n, 3n])), () =>
      Promise.resolve(Response.json({})),
    ); // 3 × 600 credited, 1000 debited: 800 left
    await paywall.handle(request(header(offer, session, [4n])), () =>
      Promise.resolve(Response.json({})),
    ); // 800 + 600 − 1000: 400 left
    await paywall.handle(request(header(offer, session, [5n, 6n, 7n, 8n])), () =>
      Promise.resolve(Response.json({})),
    ); // 400 + 4 × 600 − 1000: 1800 left, enough for one request and not two
    const results = await Promise.all(
      [0, 1].map(() =>
        paywall.handle(request(header(offer, session)), () => Promise.resolve(Response.json({}))),
      ),
    );
    expect(results.map((r) => r.status).sort()).to.deep.equal([200, 402]);
    const refused = results.find((r) => r.status === 402)!;
    const required = decodeHeader(refused.headers.get("PAYMENT-REQUIRED")!) as { error: string };
    expect(required.error).to.equal("insufficient_credit");
  });

  it("credits a ticket once when two requests carry it at the same time", async () => {
    const { paywall, sessions } = paywallWith({ recipient: standInRecipient(20) });
    const { offer, session } = await offerOf(paywall);
    const h = header(offer, session, [9n, 10n]);
    const results = await Promise.all(
      [0, 1].map(() => paywall.handle(request(h), () => Promise.resolve(Response.json({})))),
    );
    const stored = await sessions.get(session);
    expect(stored!.credited.equals(2n * EV)).to.equal(true);
    expect(results.map((r) => r.status).sort()).to.deep.equal([200, 402]);
  });

  it("a payment whose credit cannot be written is answered 503 and, resent unchanged, credited once", async () => {
    // The second ticket's credit fails: the first one's is already written.
    const { paywall, sessions } = paywallWith({}, new CreditFailsOnce(2));
    const { offer, session } = await offerOf(paywall);
    const paid = header(offer, session, [1n, 2n, 3n]);
    let served = 0;
    const work = () => {
      served += 1;
      return Promise.resolve(Response.json({ ok: true }));
    };
    const failed = await paywall.handle(request(paid), work);
    expect(failed.status).to.equal(503);
    expect(failed.headers.get("retry-after")).to.equal("1");
    expect(failed.headers.get("PAYMENT-REQUIRED")).to.equal(null);
    expect(await failed.json()).to.include({
      status: 503,
      reason: "credit_unavailable",
      code: "LotteryCreditUnavailableError",
    });
    expect(served).to.equal(0);
    const retried = await paywall.handle(request(paid), work);
    expect(retried.status).to.equal(200);
    expect(served).to.equal(1);
    const settled = decodeHeader(retried.headers.get("PAYMENT-RESPONSE")!) as Record<
      string,
      unknown
    >;
    expect(settled).to.include({
      success: true,
      ticketsAccepted: 3,
      credited: (3n * EV).toString(),
      balance: (3n * EV - PRICE).toString(),
    });
    const stored = (await sessions.get(session))!;
    expect(stored.credited.equals(3n * EV)).to.equal(true);
    expect(stored.balance.equals(3n * EV - PRICE)).to.equal(true);
  });

  it("a payment resent after it was credited is refused as a replay and credits nothing", async () => {
    const { paywall, sessions } = paywallWith({}, new CreditFailsOnce(1));
    const { offer, session } = await offerOf(paywall);
    const paid = header(offer, session, [1n, 2n]);
    const ok = () => Promise.resolve(Response.json({ ok: true }));
    expect((await paywall.handle(request(paid), ok)).status).to.equal(503);
    expect((await paywall.handle(request(paid), ok)).status).to.equal(200);
    const replay = await paywall.handle(request(paid), ok);
    expect(replay.status).to.equal(402);
    const required = decodeHeader(replay.headers.get("PAYMENT-REQUIRED")!) as { error: string };
    expect(required.error).to.equal("ticket_refused");
    const settled = decodeHeader(replay.headers.get("PAYMENT-RESPONSE")!) as {
      ticketsAccepted: number;
      ticketsRefused: { code: string }[];
    };
    expect(settled.ticketsAccepted).to.equal(0);
    expect(settled.ticketsRefused.map((r) => r.code)).to.deep.equal([
      "TicketNonceReusedError",
      "TicketNonceReusedError",
    ]);
    const stored = (await sessions.get(session))!;
    expect(stored.credited.equals(2n * EV)).to.equal(true);
    expect(stored.balance.equals(2n * EV - PRICE)).to.equal(true);
  });

  it("the Fastify plugin refunds a route that throws", async () => {
    const { paywall, sessions } = paywallWith();
    const { offer, session } = await offerOf(paywall);
    const app = Fastify();
    await app.register(lotteryPaywallPlugin, { paywall });
    app.get("/x", async () => {
      throw new Error("model crashed");
    });
    const response = await app.inject({
      method: "GET",
      url: "/x",
      headers: { "payment-signature": header(offer, session, [1n, 2n]) },
    });
    expect(response.statusCode).to.equal(500);
    expect((await sessions.get(session))!.balance.equals(2n * EV)).to.equal(true);
    await app.close();
  });
});

describe("lottery fetch wrapper over the web core", function () {
  /** A server whose route price can change between requests, on one session store and secret. */
  function changingServer() {
    const sessions = new MemorySessionStore();
    const common = {
      recipient: standInRecipient(),
      sessions,
      chainId: 421614n,
      gasPrice: () => Promise.resolve(1n),
      sessionSecret: new Uint8Array(32).fill(9),
    };
    const byPrice = new Map<bigint, ReturnType<typeof createLotteryPaywall>>();
    const server = {
      price: PRICE,
      fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
        let paywall = byPrice.get(server.price);
        if (paywall === undefined) {
          paywall = createLotteryPaywall({ ...common, price: server.price });
          byPrice.set(server.price, paywall);
        }
        return paywall.handle(new Request(input, init), () => Promise.resolve(Response.json({})));
      },
    };
    return server;
  }

  /** A `pay` that returns stand-in tickets (600 wei each at the stand-in recipient). */
  function standInPay() {
    let nonce = 0n;
    const calls: bigint[] = [];
    const pay = (c: LotteryChallenge): Promise<PaymentMessage> => {
      calls.push(c.amount);
      const n = (c.amount + EV - 1n) / EV;
      const tickets = Array.from({ length: Number(n) }, () => ({
        ticket: {
          recipient: c.params.recipient,
          sender: c.params.sender,
          faceValue: c.params.faceValue,
          winProb: c.params.winProb,
          senderNonce: ++nonce,
          recipientRandHash: c.params.recipientRandHash,
          expiry: c.params.ticketExpiry,
          workId: `0x${"00".repeat(32)}` as const,
        },
        signature: `0x${"11".repeat(65)}` as const,
      }));
      return Promise.resolve({ sender: c.params.sender, params: c.params, tickets });
    };
    return { pay, calls };
  }

  it("resends a payment the server could not credit, unchanged, and is served once it is credited", async () => {
    const sessions = new CreditFailsOnce(1);
    const paywall = createLotteryPaywall({
      recipient: standInRecipient(),
      sessions,
      chainId: 421614n,
      price: PRICE,
      gasPrice: () => Promise.resolve(1n),
    });
    const sent: (string | null)[] = [];
    const serverFetch = (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const r = new Request(input, init);
      sent.push(r.headers.get("PAYMENT-SIGNATURE"));
      return paywall.handle(r, () => Promise.resolve(Response.json({ ok: true })));
    };
    const { pay, calls } = standInPay();
    const paidFetch = wrapFetchWithLottery(serverFetch as typeof fetch, {
      sender: senderSigner.address,
      maxPrice: PRICE,
      pay,
    });
    const response = await paidFetch("http://t/x");
    expect(response.status).to.equal(200);
    expect(calls).to.have.length(1); // paid once: the 503 was answered by resending, not paying
    expect(sent).to.have.length(3); // 402, 503, then the same PAYMENT-SIGNATURE again
    expect(sent[2]).to.equal(sent[1]);
    const [known] = [...paidFetch.sessions.values()];
    const stored = (await sessions.get(known!.session))!;
    const tickets = (10n * PRICE + EV - 1n) / EV; // the offer's prepayment in 600-wei tickets
    expect(stored.credited.equals(tickets * EV)).to.equal(true);
    expect(stored.balance.equals(tickets * EV - PRICE)).to.equal(true);
  });

  it("spends existing credit at a changed price, and refuses a price above its ceiling", async () => {
    const server = changingServer();
    const { pay, calls } = standInPay();
    const charged: string[] = [];
    const paidFetch = wrapFetchWithLottery(server.fetch as typeof fetch, {
      sender: senderSigner.address,
      maxPrice: 2n * PRICE,
      pay,
      onSettlement: (s) => charged.push(s.charged),
    });
    expect((await paidFetch("http://t/x")).status).to.equal(200);
    expect(calls).to.deep.equal([10n * PRICE]); // one prepayment of ten requests
    server.price = 2n * PRICE;
    expect((await paidFetch("http://t/x")).status).to.equal(200);
    expect(calls).to.have.length(1); // the credit paid the new price: no ticket
    expect(charged.at(-1)).to.equal((2n * PRICE).toString());
    server.price = 3n * PRICE;
    let error: unknown;
    try {
      await paidFetch("http://t/x");
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(LotteryPriceAboveCeilingError);
    expect(calls).to.have.length(1);
  });
});
