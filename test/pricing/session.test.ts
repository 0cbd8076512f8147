import { expect } from "chai";
import fc from "fast-check";

import { WIN_PROB_SCALE, ticketEV } from "../../src/ticket/ev.js";
import {
  InsufficientSessionBalanceError,
  InvalidSessionConfigError,
  SessionPriceChangedError,
} from "../../src/pricing/errors.js";
import { PaymentEVTooHighError, TicketParamsEVTooHighError } from "../../src/sender/errors.js";
import { estimateFee } from "../../src/pricing/estimateFee.js";
import { priceInWei } from "../../src/pricing/price.js";
import { Rational } from "../../src/math/rational.js";
import { RecipientSession } from "../../src/session/recipientSession.js";
import { SenderSession } from "../../src/session/senderSession.js";
import { sessionKey } from "../../src/session/sessionKey.js";

const sender = "0x1111111111111111111111111111111111111111";
const recipient = "0x2222222222222222222222222222222222222222";
const paramsId = "seed-1";

/** Ticket params with EV exactly `ev` wei: face value 2^k · ev... simplest is winProb = 2^256 / 2. */
function paramsForEV(ev: bigint): { faceValue: bigint; winProb: bigint } {
  return { faceValue: 2n * ev, winProb: WIN_PROB_SCALE / 2n };
}

describe("SenderSession", () => {
  it("pays the seed segment with exactly 3 tickets of EV 10^12 under maxTotalEV 3·10^12", () => {
    const { fee } = estimateFee({
      profiles: [
        { width: 1920, height: 1440 },
        { width: 1280, height: 720 },
        { width: 640, height: 360 },
      ],
      duration: 6n,
      price: priceInWei({ wei: 900n }),
    });
    const s = new SenderSession({
      sender,
      recipient,
      paramsId,
      ...paramsForEV(10n ** 12n),
      maxTotalEV: 3n * 10n ** 12n,
    });
    expect(s.ticketEV.equals(10n ** 12n)).to.equal(true);
    const plan = s.pay({ fee });
    expect(plan.ticketCount).to.equal(3n);
    expect(plan.totalEV.equals(3n * 10n ** 12n)).to.equal(true);
    // Over-payment stays as credit.
    expect(s.balance.equals(3n * 10n ** 12n)).to.equal(true);
    s.debitFee({ fee });
    expect(s.balance.equals(3n * 10n ** 12n - 2_538_086_400_000n)).to.equal(true);
  });

  it("refuses a payment one wei of EV over maxTotalEV and changes nothing", () => {
    const s = new SenderSession({
      sender,
      recipient,
      paramsId,
      ...paramsForEV(10n ** 12n),
      maxTotalEV: 3n * 10n ** 12n - 1n,
    });
    expect(() => s.pay({ fee: 2_538_086_400_000n })).to.throw(PaymentEVTooHighError);
    expect(s.balance.isZero()).to.equal(true);
    expect(s.credited.isZero()).to.equal(true);
  });

  it("sends no ticket when the balance already covers the fee, and uses the credit", () => {
    const s = new SenderSession({
      sender,
      recipient,
      paramsId,
      ...paramsForEV(1000n),
      maxTotalEV: 10n ** 6n,
    });
    expect(s.pay({ fee: 2500n }).ticketCount).to.equal(3n); // balance 3000
    s.debitFee({ fee: 2500n }); // balance 500
    expect(s.pay({ fee: 500n }).ticketCount).to.equal(0n);
    expect(s.pay({ fee: 501n }).ticketCount).to.equal(1n); // balance 1500
    s.debitFee({ fee: 2000n }); // actual fee above the estimate: balance −500
    expect(s.planPayment({ fee: 1n }).ticketCount).to.equal(1n);
    expect(s.planPayment({ fee: 501n }).ticketCount).to.equal(2n);
    expect(s.balance.equals(-500n)).to.equal(true); // planning changes nothing
  });

  it("checks maxTicketEV and refuses zero-EV params and negative fees", () => {
    expect(
      () =>
        new SenderSession({
          sender,
          recipient,
          paramsId,
          ...paramsForEV(1001n),
          maxTotalEV: 10n ** 6n,
          maxTicketEV: 1000n,
        }),
    ).to.throw(TicketParamsEVTooHighError);
    new SenderSession({
      sender,
      recipient,
      paramsId,
      ...paramsForEV(1000n),
      maxTotalEV: 10n ** 6n,
      maxTicketEV: 1000n,
    });
    expect(
      () =>
        new SenderSession({
          sender,
          recipient,
          paramsId,
          faceValue: 10n,
          winProb: 0n,
          maxTotalEV: 1n,
        }),
    ).to.throw(InvalidSessionConfigError);
    const s = new SenderSession({
      sender,
      recipient,
      paramsId,
      ...paramsForEV(1000n),
      maxTotalEV: 10n ** 6n,
    });
    expect(() => s.pay({ fee: -1n })).to.throw(InvalidSessionConfigError);
    expect(() => s.debitFee({ fee: -1n })).to.throw(InvalidSessionConfigError);
  });
});

describe("RecipientSession", () => {
  const startPrice = priceInWei({ wei: 900n });

  it("credits ticket EVs, debits the actual fee and refuses work beyond the tolerance", () => {
    const r = new RecipientSession({ sender, recipient, paramsId, startPrice, tolerance: 100n });
    const credited = r.receivePayment({
      tickets: [paramsForEV(1000n), paramsForEV(1000n)],
      price: startPrice,
    });
    expect(credited.equals(2000n)).to.equal(true);
    r.charge({ fee: 2100n }); // exactly −tolerance is allowed
    expect(r.balance.equals(-100n)).to.equal(true);
    expect(r.canCharge({ fee: Rational.of(1n, 10n ** 18n) })).to.equal(false);
    expect(() => r.charge({ fee: 1n })).to.throw(InsufficientSessionBalanceError);
    expect(r.balance.equals(-100n)).to.equal(true);
    expect(r.debited.equals(2100n)).to.equal(true);
  });

  it("refuses a payment whose price moved more than the factor, at the exact edges", () => {
    const r = new RecipientSession({
      sender,
      recipient,
      paramsId,
      startPrice,
      maxPriceChangeFactor: 2n,
    });
    const tickets = [paramsForEV(1000n)];
    r.receivePayment({ tickets, price: priceInWei({ wei: 1800n }) });
    r.receivePayment({ tickets, price: priceInWei({ wei: 450n }) });
    expect(() =>
      r.receivePayment({
        tickets,
        price: priceInWei({ wei: 1800n * 10n ** 18n + 1n, per: 10n ** 18n }),
      }),
    ).to.throw(SessionPriceChangedError);
    expect(() =>
      r.receivePayment({
        tickets,
        price: priceInWei({ wei: 450n * 10n ** 18n - 1n, per: 10n ** 18n }),
      }),
    ).to.throw(SessionPriceChangedError);
    expect(() =>
      r.receivePayment({ tickets, price: priceInWei({ wei: 900n, unit: "second" }) }),
    ).to.throw(SessionPriceChangedError);
    expect(r.credited.equals(2000n)).to.equal(true);
  });

  it("refuses a factor below 1 and a negative tolerance", () => {
    expect(
      () =>
        new RecipientSession({
          sender,
          recipient,
          paramsId,
          startPrice,
          maxPriceChangeFactor: Rational.of(1n, 2n),
        }),
    ).to.throw(InvalidSessionConfigError);
    expect(
      () => new RecipientSession({ sender, recipient, paramsId, startPrice, tolerance: -1n }),
    ).to.throw(InvalidSessionConfigError);
  });
});

describe("sessionKey", () => {
  it("is the same for any address casing and differs per params", () => {
    const upper = "0x" + recipient.slice(2).toUpperCase();
    expect(sessionKey({ sender, recipient: upper, paramsId })).to.equal(
      sessionKey({ sender, recipient, paramsId }),
    );
    expect(sessionKey({ sender, recipient, paramsId: "seed-2" })).to.not.equal(
      sessionKey({ sender, recipient, paramsId }),
    );
    expect(() => sessionKey({ sender: "0x12", recipient, paramsId })).to.throw(
      InvalidSessionConfigError,
    );
    expect(() => sessionKey({ sender, recipient, paramsId: "" })).to.throw(
      InvalidSessionConfigError,
    );
  });
});

describe("session accounting (property)", () => {
  /** A step: the sender pre-pays an estimated fee, then the recipient charges the actual fee. */
  const step = fc.record({
    estimate: fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.bigInt({ min: 1n, max: 1000n })),
    // The actual fee as a fraction of the estimate: usually below (passthrough over-estimate), sometimes above.
    actualShare: fc.tuple(fc.bigInt({ min: 0n, max: 1300n }), fc.constant(1000n)),
  });

  it("never creates or loses a wei: credits − debits == balance on both sides, and both sides agree", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 18n }),
        fc.bigInt({ min: 1n, max: WIN_PROB_SCALE - 1n }),
        fc.bigInt({ min: 0n, max: 10n ** 14n }),
        fc.array(step, { minLength: 1, maxLength: 30 }),
        (faceValue, winProb, tolerance, steps) => {
          const ev = ticketEV(faceValue, winProb);
          const maxTotalEV = ev.mul(10_000n);
          const price = priceInWei({ wei: 1000n });
          const s = new SenderSession({
            sender,
            recipient,
            paramsId,
            faceValue,
            winProb,
            maxTotalEV,
          });
          const r = new RecipientSession({
            sender,
            recipient,
            paramsId,
            startPrice: price,
            tolerance,
          });
          let ticketsSent = 0n;
          let feesCharged = Rational.ZERO;
          for (const { estimate, actualShare } of steps) {
            const fee = Rational.of(estimate[0], estimate[1]);
            let plan;
            const balanceBefore = s.balance;
            try {
              plan = s.pay({ fee });
            } catch (err) {
              // A refused payment changes nothing (the balance may be negative after an
              // actual fee above the estimate, so compare it, not a follow-up plan).
              expect(err).to.be.instanceOf(PaymentEVTooHighError);
              expect(s.balance.equals(balanceBefore)).to.equal(true);
              continue;
            }
            // Minimal top-up: covers the fee, and one ticket fewer would not.
            expect(s.balance.cmp(fee)).to.be.at.least(0);
            if (plan.ticketCount > 0n) expect(s.balance.sub(ev).cmp(fee)).to.equal(-1);
            expect(plan.totalEV.cmp(maxTotalEV)).to.be.at.most(0);
            ticketsSent += plan.ticketCount;
            const tickets = Array.from({ length: Number(plan.ticketCount) }, () => ({
              faceValue,
              winProb,
            }));
            r.receivePayment({ tickets, price });
            const actual = fee.mul(Rational.of(actualShare[0], actualShare[1]));
            if (r.canCharge({ fee: actual })) {
              r.charge({ fee: actual });
              s.debitFee({ fee: actual });
              feesCharged = feesCharged.add(actual);
            } else {
              expect(() => r.charge({ fee: actual })).to.throw(InsufficientSessionBalanceError);
              expect(r.balance.sub(actual).cmp(tolerance * -1n)).to.equal(-1);
            }
            // Both sides hold the same exact balance, and it is credits − debits.
            expect(s.balance.equals(r.balance)).to.equal(true);
            expect(s.credited.sub(s.debited).equals(s.balance)).to.equal(true);
            expect(r.credited.sub(r.debited).equals(r.balance)).to.equal(true);
            expect(r.balance.cmp(tolerance * -1n)).to.be.at.least(0);
          }
          // Nothing created or lost overall: every credit is a sent ticket, every debit a charged fee.
          expect(s.credited.equals(ev.mul(ticketsSent))).to.equal(true);
          expect(r.credited.equals(ev.mul(ticketsSent))).to.equal(true);
          expect(s.debited.equals(feesCharged)).to.equal(true);
          expect(r.debited.equals(feesCharged)).to.equal(true);
          expect(r.balance.equals(ev.mul(ticketsSent).sub(feesCharged))).to.equal(true);
        },
      ),
      {
        numRuns: 1000,
        // Found by this property once: an actual fee above the estimate leaves a negative
        // balance, then a refused payment.
        examples: [
          [
            1n,
            11590799723455074616974072573442233018345343810374430834780538939731045n,
            1n,
            [
              { estimate: [1n, 999n], actualShare: [1001n, 1000n] },
              { estimate: [1n, 1n], actualShare: [0n, 1000n] },
            ],
          ],
        ],
      },
    );
  });

  it("a payment total equal to maxTotalEV is accepted for any EV (no floating-point drift)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 18n }),
        fc.bigInt({ min: 1n, max: WIN_PROB_SCALE - 1n }),
        fc.bigInt({ min: 1n, max: 50n }),
        (faceValue, winProb, n) => {
          const ev = ticketEV(faceValue, winProb);
          const s = new SenderSession({
            sender,
            recipient,
            paramsId,
            faceValue,
            winProb,
            maxTotalEV: ev.mul(n),
          });
          // A fee half a ticket above (n − 1) tickets needs exactly n tickets: accepted at the limit.
          const half = ev.div(2n);
          const fee = ev.mul(n - 1n).add(half);
          expect(s.pay({ fee }).ticketCount).to.equal(n);
          const t = new SenderSession({
            sender,
            recipient,
            paramsId,
            faceValue,
            winProb,
            maxTotalEV: ev.mul(n),
          });
          expect(() => t.pay({ fee: ev.mul(n).add(half) })).to.throw(PaymentEVTooHighError);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
