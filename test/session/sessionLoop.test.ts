import { expect } from "chai";

import { ticketEV } from "../../src/ticket/ev.js";
import { InvalidSessionConfigError, SessionPriceChangedError } from "../../src/pricing/errors.js";
import { priceInWei } from "../../src/pricing/price.js";
import { TicketNonceReusedError } from "../../src/recipient/errors.js";
import { Rational } from "../../src/math/rational.js";
import { MemoryNonceStore } from "../../src/sender/nonceStore.js";
import { NonceAllocator } from "../../src/sender/nonceAllocator.js";
import { TicketSender } from "../../src/sender/ticketSender.js";
import { RecipientSession } from "../../src/session/recipientSession.js";
import { SenderSession } from "../../src/session/senderSession.js";
import { sessionIdForParams, sessionKey } from "../../src/session/sessionKey.js";
import { ticketParamsKey } from "../../src/ticket/ticketParams.js";
import {
  FIXTURE_RUN_ID,
  FakeReader,
  domain,
  fixtureRecipient,
  hasher,
  makeParams,
  senderSigner,
} from "../support/flowFixtures.js";

const workId = `0x${"00".repeat(32)}` as const;
const price = priceInWei({ wei: 1000n });

function setup() {
  const reader = new FakeReader();
  const recipient = fixtureRecipient({
    reader,
    policy: { redeemGas: 100_000n, targetEV: 10n ** 12n, maxTicketsPerParams: 100 },
  });
  const gateway = new TicketSender({
    sender: senderSigner.address,
    signer: senderSigner,
    hasher,
    domain,
    reader,
    nonces: new NonceAllocator({ store: new MemoryNonceStore() }),
    limits: { maxTotalEV: 10n ** 16n, depositMultiplier: 2n },
  });
  // EV per ticket: 10^15 × 2^256/1000 / 2^256 ≈ 10^12 (exact rational).
  const params = makeParams();
  return { reader, recipient, gateway, params };
}

describe("session loop: plan once, credit what was signed and accepted", () => {
  it("both sides key the session by the params and agree on the balance after each payment", async () => {
    const { recipient, gateway, params } = setup();
    await gateway.acceptParams(params);
    const sending = SenderSession.forParams({ params, maxTotalEV: 10n ** 16n });
    const receiving = RecipientSession.forParams({ params, startPrice: price });
    expect(sending.key).to.equal(receiving.key);
    expect(sending.paramsId).to.equal(ticketParamsKey(params));
    expect(sessionKey(sessionIdForParams(params))).to.equal(sending.key);

    const ev = ticketEV(params.faceValue, params.winProb);
    const fee = ev.mul(5n).sub(1n); // 5 tickets, a little over
    const due = sending.amountDue({ fee });
    expect(due.equals(fee)).to.equal(true);
    expect(sending.balance.isZero()).to.equal(true); // nothing credited before signing
    const payment = await gateway.pay({ params, amount: due, workId });
    expect(payment.count).to.equal(5n);
    sending.recordPayment(payment);
    const received = await receiving.receive({
      recipient,
      params,
      tickets: payment.tickets,
      price,
    });
    expect(received.refused).to.deep.equal([]);
    expect(received.credited.equals(payment.totalEV)).to.equal(true);
    expect(receiving.balance.equals(sending.balance)).to.equal(true);

    // The balance covers a fee up to it: nothing is due, nothing is signed.
    sending.debitFee({ fee });
    receiving.charge({ fee });
    expect(sending.amountDue({ fee: 1n }).isZero()).to.equal(true);
    expect(sending.amountDue({ fee: 2n }).equals(Rational.of(1n))).to.equal(true);
  });

  it("credits only the tickets the recipient accepted, with the EV it returned", async () => {
    const { recipient, gateway, params } = setup();
    await gateway.acceptParams(params);
    const receiving = RecipientSession.forParams({ params, startPrice: price });
    const payment = await gateway.pay({
      params,
      amount: ticketEV(params.faceValue, params.winProb).mul(3n),
      workId,
    });
    // The second ticket was already received (a replay inside the payment).
    await recipient.receiveTicket({ signed: payment.tickets[1]!, params });
    const received = await receiving.receive({
      recipient,
      params,
      tickets: payment.tickets,
      price,
    });
    expect(received.accepted.map((a) => a.index)).to.deep.equal([0, 2]);
    expect(received.refused.map((r) => r.index)).to.deep.equal([1]);
    expect(received.refused[0]!.error).to.be.instanceOf(TicketNonceReusedError);
    const ev = ticketEV(params.faceValue, params.winProb);
    expect(received.credited.equals(ev.mul(2n))).to.equal(true);
    expect(receiving.credited.equals(ev.mul(2n))).to.equal(true);
  });

  it("a refused price or params of another session receive nothing and credit nothing", async () => {
    const { recipient, gateway, params } = setup();
    await gateway.acceptParams(params);
    const receiving = RecipientSession.forParams({ params, startPrice: price });
    const payment = await gateway.pay({ params, amount: 1n, workId });
    let err: unknown;
    await receiving
      .receive({ recipient, params, tickets: payment.tickets, price: priceInWei({ wei: 2001n }) })
      .catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(SessionPriceChangedError);
    const other = makeParams({ seed: `${FIXTURE_RUN_ID}${"cd".repeat(24)}` as `0x${string}` });
    err = undefined;
    await receiving
      .receive({ recipient, params: other, tickets: payment.tickets, price })
      .catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(InvalidSessionConfigError);
    expect(receiving.credited.isZero()).to.equal(true);
    // The tickets were not received: the recipient still takes them.
    const ok = await receiving.receive({ recipient, params, tickets: payment.tickets, price });
    expect(ok.accepted.length).to.equal(1);
  });
});
