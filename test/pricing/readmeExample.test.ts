/**
 * The pricing example of the library guide (docs/library.md, "Pricing"), run against a
 * MockV3Aggregator standing in for the Arbitrum One ETH/USD feed. Keep the two in step: the
 * guide shows the code between the markers.
 */
import { expect } from "chai";
import { network } from "hardhat";

import {
  ARBITRUM_ONE_ETH_USD_FEED,
  PriceFeed,
  RecipientSession,
  SenderSession,
  advertisedPrice,
  estimateFee,
  parsePriceSetting,
  redemptionOverhead,
  resolvePrice,
  selectRecipients,
  WIN_PROB_SCALE,
  type Price,
} from "../../src/index.js";

const { ethers } = await network.create();

describe("library guide pricing example (docs/library.md)", () => {
  it("configures an orchestrator and a gateway with USD prices and pays a segment", async () => {
    const mock = await ethers.deployContract("MockV3Aggregator", [
      8,
      "ETH / USD",
      2000n * 10n ** 8n,
    ]);
    const provider = ethers.provider;
    const gateway = "0x1111111111111111111111111111111111111111";
    const orchestrator = "0x2222222222222222222222222222222222222222";
    const faceValue = 2n * 10n ** 12n;
    const winProb = WIN_PROB_SCALE / 2n; // EV 10^12 wei per ticket
    const redeemGas = 60_000n;
    const gasPrice = 10_000_000n; // 0.01 gwei
    const feedConfig = { ...ARBITRUM_ONE_ETH_USD_FEED, address: await mock.getAddress() };

    // --- docs/library.md: begin ---
    // Both sides: the ETH/USD Chainlink feed (Arbitrum One by default), refreshed every minute.
    const feed = await PriceFeed.open({ ...feedConfig, runner: provider, maxAgeSeconds: 3600n });
    feed.start({ intervalMs: 60_000 });

    // Orchestrator: -pricePerUnit 0.41USD -pixelsPerUnit 1e12, plus the redemption overhead
    // (auto-adjust, on by default; pass autoAdjust: false to advertise the base price).
    const basePrice = resolvePrice({
      setting: parsePriceSetting({ pricePerUnit: "0.41USD", pixelsPerUnit: "1e12" }),
      feed,
    }); // 205 wei/pixel at 2000 USD/ETH
    const overhead = redemptionOverhead({ txCost: redeemGas * gasPrice, faceValue }); // 30%
    const price = advertisedPrice({ basePrice, overhead }); // 266.5 wei/pixel, exactly 533/2

    // Gateway: -maxPricePerUnit 0.5USD -pixelsPerUnit 1e12, i.e. 250 wei/pixel today.
    const maxPrice = parsePriceSetting({ pricePerUnit: "0.5USD", pixelsPerUnit: "1e12" });
    const offers: { address: string; price: Price }[] = [
      { address: orchestrator, price: basePrice },
      { address: "0x3333333333333333333333333333333333333333", price },
    ];
    const [chosen] = selectRecipients({ candidates: offers, maxPrice, feed }); // the 205 wei offer

    // Gateway: estimate a 2 s segment (passthrough fps assumed 120 unless measured) and pay it.
    const sender = new SenderSession({
      sender: gateway,
      recipient: chosen!.address,
      paramsId: "params-seed",
      faceValue,
      winProb,
      maxTotalEV: 3n * 10n ** 12n,
    });
    const estimate = estimateFee({
      profiles: [
        { width: 1280, height: 720 },
        { width: 640, height: 360 },
      ],
      duration: 2n,
      price: chosen!.price,
    });
    const payment = sender.pay({ fee: estimate.fee }); // sign and send payment.ticketCount tickets

    // Orchestrator: credit the tickets, do the work, debit the actual fee (source was 30 fps).
    const session = new RecipientSession({
      sender: gateway,
      recipient: chosen!.address,
      paramsId: "params-seed",
      startPrice: chosen!.price,
      tolerance: 0n,
    });
    session.receivePayment({
      tickets: Array.from({ length: Number(payment.ticketCount) }, () => ({ faceValue, winProb })),
      price: chosen!.price,
    });
    const actual = estimateFee({
      profiles: [
        { width: 1280, height: 720 },
        { width: 640, height: 360 },
      ],
      duration: 2n,
      sourceFps: 30n,
      price: chosen!.price,
    });
    session.charge({ fee: actual.fee });
    sender.debitFee({ fee: actual.fee }); // the balance left is credit for the next segment
    feed.stop();
    // --- docs/library.md: end ---

    expect(basePrice.weiPerUnit.equals(205n)).to.equal(true);
    expect(overhead.toString()).to.equal("3/10");
    expect(price.weiPerUnit.toString()).to.equal("533/2");
    expect(chosen!.address).to.equal(orchestrator);
    // (1280×720 + 640×360) × 120 fps × 2 s × 205 wei = 56,678,400,000 wei: one ticket of EV 10^12.
    expect(estimate.feeWei).to.equal(56_678_400_000n);
    expect(payment.ticketCount).to.equal(1n);
    expect(actual.feeWei).to.equal(14_169_600_000n);
    expect(session.balance.equals(10n ** 12n - 14_169_600_000n)).to.equal(true);
    expect(sender.balance.equals(session.balance)).to.equal(true);
  });
});
