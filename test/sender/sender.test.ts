import { expect } from "chai";

import { Rational } from "../../src/math/rational.js";
import { createPayment, planPayment } from "../../src/sender/createPayment.js";
import {
  PaymentEVTooHighError,
  TicketParamsEVNotBelowFaceValueError,
  TicketParamsEVTooHighError,
  TicketParamsExpiredError,
  TicketParamsFaceValueTooHighError,
  TicketParamsMismatchError,
  TicketParamsSenderUnlockingError,
  NonceStoreError,
} from "../../src/sender/errors.js";
import { NonceAllocator } from "../../src/sender/nonceAllocator.js";
import { MemoryNonceStore } from "../../src/sender/nonceStore.js";
import { TicketSender } from "../../src/sender/ticketSender.js";
import { validateTicketParams } from "../../src/sender/validateTicketParams.js";
import { MAX_WIN_PROB, WIN_PROB_SCALE, winProbForEV } from "../../src/ticket/ev.js";
import { recoverTicketSigner } from "../../src/ticket/recoverTicketSigner.js";
import { TicketBrokerError } from "../../src/errors.js";
import { InvalidInputError } from "../../src/ticket/inputs.js";
import { TicketNonceBelowClosedParamsError } from "../../src/recipient/errors.js";
import {
  FIXTURE_RUN_ID,
  FakeReader,
  domain,
  fixtureRecipient,
  hasher,
  makeParams,
  recipientAddress,
  senderSigner,
} from "../support/flowFixtures.js";

const sender = senderSigner.address;
const funds = { deposit: 10n ** 18n, reserve: 0n, unlockEnd: 0n };
const base = { sender, domain, now: 1_000_000n, funds };

function expectThrow(
  fn: () => unknown,
  cls: new (...args: never[]) => TicketBrokerError,
): TicketBrokerError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(cls);
    expect((err as TicketBrokerError).hint)
      .to.be.a("string")
      .and.not.equal("");
    return err as TicketBrokerError;
  }
  expect.fail(`expected ${cls.name}`);
}

describe("sender: validateTicketParams", () => {
  it("accepts good params and returns their exact EV", () => {
    const params = makeParams({ faceValue: 1000n, winProb: 1n << 255n });
    expect(validateTicketParams({ ...base, params }).equals(500n)).to.equal(true);
  });

  it("accepts params at their issuance deadline and refuses them one second later", () => {
    const params = makeParams();
    validateTicketParams({ ...base, params, now: params.expirationTime });
    expectThrow(
      () => validateTicketParams({ ...base, params, now: params.expirationTime + 1n }),
      TicketParamsExpiredError,
    );
  });

  it("refuses EV equal to the face value and accepts EV just below it", () => {
    // winProb = 2^256 − 1 gives EV = faceValue × (1 − 2^-256) < faceValue: allowed.
    validateTicketParams({
      ...base,
      params: makeParams({ faceValue: 1000n, winProb: MAX_WIN_PROB }),
    });
    // A winProb of 2^256 would make EV = faceValue; it is out of range and refused.
    expectThrow(
      () =>
        validateTicketParams({
          ...base,
          params: { ...makeParams({ faceValue: 1000n }), winProb: WIN_PROB_SCALE },
        }),
      TicketParamsMismatchError,
    );
    // Face value 0: EV 0 is not below it.
    expectThrow(
      () => validateTicketParams({ ...base, params: makeParams({ faceValue: 0n, winProb: 1n }) }),
      TicketParamsEVNotBelowFaceValueError,
    );
    // winProb 0: the ticket is worth nothing.
    expectThrow(
      () =>
        validateTicketParams({ ...base, params: makeParams({ faceValue: 1000n, winProb: 0n }) }),
      TicketParamsEVNotBelowFaceValueError,
    );
  });

  it("refuses EV above maxTicketEV and accepts EV equal to it", () => {
    const params = makeParams({ faceValue: 1000n, winProb: 1n << 255n }); // EV 500
    validateTicketParams({ ...base, params, limits: { maxTicketEV: 500n } });
    const err = expectThrow(
      () =>
        validateTicketParams({ ...base, params, limits: { maxTicketEV: Rational.of(999n, 2n) } }),
      TicketParamsEVTooHighError,
    );
    expect(err.details.ev).to.equal("500");
  });

  it("refuses a face value above deposit / depositMultiplier, at the exact edge", () => {
    const params = makeParams({ faceValue: 1000n, winProb: 1n << 255n });
    validateTicketParams({
      ...base,
      params,
      funds: { ...funds, deposit: 3000n },
      limits: { depositMultiplier: 3n },
    });
    expectThrow(
      () =>
        validateTicketParams({
          ...base,
          params,
          funds: { ...funds, deposit: 2999n },
          limits: { depositMultiplier: 3n },
        }),
      TicketParamsFaceValueTooHighError,
    );
  });

  it("refuses params when the sender's unlock ends at or before the ticket expiry", () => {
    const params = makeParams();
    validateTicketParams({
      ...base,
      params,
      funds: { ...funds, unlockEnd: params.ticketExpiry + 1n },
    });
    expectThrow(
      () =>
        validateTicketParams({
          ...base,
          params,
          funds: { ...funds, unlockEnd: params.ticketExpiry },
        }),
      TicketParamsSenderUnlockingError,
    );
  });

  it("refuses params for another chain, broker or sender, or with expiry not after the deadline", () => {
    expectThrow(
      () => validateTicketParams({ ...base, params: makeParams({ chainId: 1n }) }),
      TicketParamsMismatchError,
    );
    expectThrow(
      () =>
        validateTicketParams({
          ...base,
          params: makeParams({ verifyingContract: `0x${"12".repeat(20)}` }),
        }),
      TicketParamsMismatchError,
    );
    expectThrow(
      () => validateTicketParams({ ...base, params: makeParams(), sender: `0x${"34".repeat(20)}` }),
      TicketParamsMismatchError,
    );
    expectThrow(
      () =>
        validateTicketParams({
          ...base,
          params: makeParams({ expirationTime: 5n, ticketExpiry: 5n }),
          now: 1n,
        }),
      TicketParamsMismatchError,
    );
  });
});

describe("sender: planPayment", () => {
  // EV = 1e12 exactly: face value 2e12 with winProb 2^255 (one half).
  const ev1e12 = { faceValue: 2n * 10n ** 12n, winProb: 1n << 255n };

  it("three tickets of EV 1e12 against a maximum of exactly 3e12 pass", () => {
    const plan = planPayment({
      params: ev1e12,
      amount: 3n * 10n ** 12n,
      maxTotalEV: 3n * 10n ** 12n,
    });
    expect(plan.count).to.equal(3n);
    expect(plan.totalEV.equals(3n * 10n ** 12n)).to.equal(true);
  });

  it("tickets summing to 3e12 + 1 wei against a maximum of 3e12 fail", () => {
    // One ticket of EV exactly 3e12 + 1.
    const one = { faceValue: 2n * (3n * 10n ** 12n + 1n), winProb: 1n << 255n };
    const plan = planPayment({ params: one, amount: 3n * 10n ** 12n + 1n });
    expect(plan.count).to.equal(1n);
    expect(plan.totalEV.equals(3n * 10n ** 12n + 1n)).to.equal(true);
    expectThrow(
      () => planPayment({ params: one, amount: 3n * 10n ** 12n + 1n, maxTotalEV: 3n * 10n ** 12n }),
      PaymentEVTooHighError,
    );
    // Three tickets of EV 1e12 against 3e12 − 1.
    expectThrow(
      () =>
        planPayment({ params: ev1e12, amount: 3n * 10n ** 12n, maxTotalEV: 3n * 10n ** 12n - 1n }),
      PaymentEVTooHighError,
    );
    // Three tickets of EV ≥ (3e12 + 1) / 3 (winProb rounded up): total above 3e12.
    const faceValue = 10n ** 15n;
    const thirds = {
      faceValue,
      winProb: winProbForEV(Rational.of(3n * 10n ** 12n + 1n, 3n), faceValue),
    };
    expect(planPayment({ params: thirds, amount: 3n * 10n ** 12n }).count).to.equal(3n);
    const err = expectThrow(
      () => planPayment({ params: thirds, amount: 3n * 10n ** 12n, maxTotalEV: 3n * 10n ** 12n }),
      PaymentEVTooHighError,
    );
    expect(err.details.count).to.equal(3n);
  });

  it("rounds the count up and never plans fewer than one ticket", () => {
    expect(planPayment({ params: ev1e12, amount: 3n * 10n ** 12n + 1n }).count).to.equal(4n);
    expect(planPayment({ params: ev1e12, amount: 0n }).count).to.equal(1n);
  });
});

describe("sender: createPayment and TicketSender", () => {
  it("signs tickets that copy the params, with increasing fresh nonces", async () => {
    const params = makeParams({ faceValue: 2n * 10n ** 12n, winProb: 1n << 255n });
    const nonces = new NonceAllocator({ store: new MemoryNonceStore({ blockSize: 2n }) });
    const args = {
      params,
      signer: senderSigner,
      hasher,
      nonces,
      workId: `0x${"cd".repeat(32)}` as const,
      now: 1_000_000n,
    };
    const first = await createPayment({ ...args, amount: 3n * 10n ** 12n });
    const second = await createPayment({ ...args, amount: 10n ** 12n });
    const all = [...first.tickets, ...second.tickets];
    expect(all.map((t) => t.ticket.senderNonce)).to.deep.equal([1n, 2n, 3n, 4n]);
    for (const { ticket, signature } of all) {
      expect(ticket.expiry).to.equal(params.ticketExpiry);
      expect(ticket.recipientRandHash).to.equal(params.recipientRandHash);
      expect(recoverTicketSigner(hasher.digest(ticket), signature).toLowerCase()).to.equal(
        sender.toLowerCase(),
      );
    }
    await createPayment({ ...args, amount: 1n, now: params.expirationTime }).then((p) =>
      expect(p.count).to.equal(1n),
    );
    let thrown: unknown;
    await createPayment({ ...args, amount: 1n, now: params.expirationTime + 1n }).catch(
      (e: unknown) => (thrown = e),
    );
    expect(thrown).to.be.instanceOf(TicketParamsExpiredError);
  });

  it("TicketSender takes the domain from its hasher; a deprecated domain beside it must match", async () => {
    const base = {
      sender,
      signer: senderSigner,
      hasher,
      reader: new FakeReader(),
      nonces: new NonceAllocator({ store: new MemoryNonceStore() }),
    };
    const params = makeParams();
    // Without `domain`, params of the hasher's chain and broker pass, another broker's do not.
    await new TicketSender(base).acceptParams(params);
    const otherBroker = { ...params, verifyingContract: `0x${"99".repeat(20)}` as const };
    let thrown: unknown;
    await new TicketSender(base).acceptParams(otherBroker).catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(TicketParamsMismatchError);
    // The same domain, in any address case, is still accepted.
    const lower = { ...domain, verifyingContract: domain.verifyingContract.toLowerCase() };
    await new TicketSender({ ...base, domain: lower as typeof domain }).acceptParams(params);
    for (const wrong of [
      { ...domain, chainId: domain.chainId + 1n },
      { ...domain, verifyingContract: `0x${"99".repeat(20)}` as const },
    ]) {
      expect(() => new TicketSender({ ...base, domain: wrong })).to.throw(
        InvalidInputError,
        "another chain or broker than the hasher",
      );
    }
  });

  it("TicketSender reads the chain, validates and keeps nonces above the redeemed mark", async () => {
    const reader = new FakeReader();
    reader.highest = 41n;
    const gateway = new TicketSender({
      sender,
      signer: senderSigner,
      hasher,
      domain,
      reader,
      nonces: new NonceAllocator({ store: new MemoryNonceStore() }),
      limits: { maxTotalEV: 10n ** 13n, depositMultiplier: 2n },
    });
    const params = makeParams({ faceValue: 2n * 10n ** 12n, winProb: 1n << 255n });
    expect((await gateway.acceptParams(params)).equals(10n ** 12n)).to.equal(true);
    const payment = await gateway.pay({
      params,
      amount: 2n * 10n ** 12n,
      workId: `0x${"00".repeat(32)}`,
    });
    expect(payment.tickets.map((t) => t.ticket.senderNonce)).to.deep.equal([42n, 43n]);
    reader.funds = { ...reader.funds, deposit: 4n * 10n ** 12n - 1n };
    let thrown: unknown;
    await gateway.acceptParams(params).catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(TicketParamsFaceValueTooHighError);
  });

  it("a process that fell behind the recipient's nonce floor raises it and pays on", async () => {
    const reader = new FakeReader();
    const recipient = fixtureRecipient({ reader, policy: { redeemGas: 100_000n, targetEV: 1n } });
    // Two gateway processes share one nonce store: A holds nonces 1–10, B holds 11–20.
    const store = new MemoryNonceStore({ blockSize: 10n });
    const gateway = (): TicketSender =>
      new TicketSender({
        sender,
        signer: senderSigner,
        hasher,
        domain,
        reader,
        nonces: new NonceAllocator({ store }),
      });
    const [a, b] = [gateway(), gateway()];
    const workId = `0x${"00".repeat(32)}` as const;
    const early = makeParams();
    const late = makeParams({ seed: `${FIXTURE_RUN_ID}${"cd".repeat(24)}` as `0x${string}` });
    const first = await a.pay({ params: late, amount: 1n, workId });
    const second = await b.pay({ params: early, amount: 1n, workId });
    expect(first.tickets[0]?.ticket.senderNonce).to.equal(1n);
    expect(second.tickets[0]?.ticket.senderNonce).to.equal(11n);
    await recipient.receiveTicket({ signed: second.tickets[0]!, params: early });
    // B's params close with nonce 11 on them; A's next nonce (2) is below that floor.
    reader.time = early.expirationTime + 61n;
    const late2 = makeParams({
      seed: `${FIXTURE_RUN_ID}${"ef".repeat(24)}` as `0x${string}`,
      expirationTime: reader.time + 300n,
    });
    const refused = await a.pay({ params: late2, amount: 1n, workId });
    let thrown: unknown;
    await recipient
      .receiveTicket({ signed: refused.tickets[0]!, params: late2 })
      .catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(TicketNonceBelowClosedParamsError);
    const floor = (thrown as TicketNonceBelowClosedParamsError).details["floor"] as bigint;
    expect(floor).to.equal(11n);
    a.raiseNonceFloor({ recipient: recipientAddress, floor });
    a.raiseNonceFloor({ recipient: recipientAddress, floor: 5n }); // lower: no effect
    for (const bad of [-1n, (1n << 96n) - 1n, "11" as unknown as bigint]) {
      expect(() => a.raiseNonceFloor({ recipient: recipientAddress, floor: bad })).to.throw(
        NonceStoreError,
      );
    }
    const retried = await a.pay({ params: late2, amount: 1n, workId });
    // Block 2 (11–20) belongs to B, so A reserves the next free block.
    expect(retried.tickets[0]?.ticket.senderNonce).to.equal(21n);
    await recipient.receiveTicket({ signed: retried.tickets[0]!, params: late2 });
  });
});
