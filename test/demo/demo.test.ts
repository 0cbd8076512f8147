/**
 * The demo runs the whole system (services on loopback, SQLite, x402 agent, redeemers) on the
 * in-process chain and its summary holds together: figures measured in different places (service
 * answers, stores, receipts, events, balances) agree, every winner is redeemed, and the gateway's
 * funds fell by exactly the face value the orchestrators received.
 */
import { existsSync } from "node:fs";

import { expect } from "chai";

import { Rational } from "../../src/math/rational.js";
import { WIN_PROB_SCALE } from "../../src/ticket/ev.js";
import { brokenInvariants, formatReport } from "../../scripts/demo/report.js";
import { SEGMENT_PIXELS, runDemo, type DemoSummary } from "../../scripts/demo/runDemo.js";

describe("npm run demo (scripts/demo.ts)", function () {
  this.timeout(120_000);
  const SEGMENTS = 24;
  const REQUESTS = 40;
  let s: DemoSummary;
  const progress: string[] = [];

  before(async () => {
    s = await runDemo({ segments: SEGMENTS, requests: REQUESTS, log: (l) => progress.push(l) });
  });

  it("streams every segment through the signer and has each one debited by the work server", () => {
    expect(s.stream.segments).to.equal(SEGMENTS);
    expect(s.stream.payments).to.equal(SEGMENTS);
    expect(s.stream.paymentsWithTickets).to.be.within(1, SEGMENTS);
    // Segments alternate between the transcoders: the fees debited are their prices × pixels.
    let fees = 0n;
    for (let i = 0; i < SEGMENTS; i++) {
      fees += s.prices.transcoders[i % s.prices.transcoders.length]!.weiPerPixel * SEGMENT_PIXELS;
    }
    expect(s.stream.feesDebited.equals(fees)).to.equal(true);
    // The signer keeps credit ≥ fees: the EV sent covers what was debited, by less than one
    // ticket per session.
    expect(s.stream.evPaid.cmp(s.stream.feesDebited)).to.be.at.least(0);
    const transcoderParams = s.params.filter((p) => p.payee !== "orch-infer");
    const maxEV = transcoderParams.reduce((m, p) => (p.ev.cmp(m) > 0 ? p.ev : m), Rational.ZERO);
    expect(
      s.stream.evPaid.sub(s.stream.feesDebited).cmp(maxEV.mul(BigInt(transcoderParams.length))),
    ).to.equal(-1);
  });

  it("the agent's requests are paid, most of them from session credit without a ticket", () => {
    expect(s.agent.requests).to.equal(REQUESTS);
    expect(s.agent.requestsWithTickets).to.be.at.least(1);
    expect(s.agent.requestsWithTickets).to.be.below(REQUESTS / 2);
    const { perRequest, perToken } = s.prices.inference;
    expect(s.agent.charged).to.equal(BigInt(REQUESTS) * perRequest + s.agent.tokens * perToken);
    expect(s.agent.evPaid.cmp(s.agent.charged)).to.be.at.least(0);
  });

  it("counts tickets, EV and expected winners from the params the tickets were sent on", () => {
    expect(s.lottery.tickets).to.equal(s.stream.tickets + s.agent.tickets);
    expect(s.lottery.tickets).to.equal(s.params.reduce((n, p) => n + p.tickets, 0));
    expect(s.lottery.evPaid.equals(s.stream.evPaid.add(s.agent.evPaid))).to.equal(true);
    const sum = (payees: (p: string) => boolean, f: (p: (typeof s.params)[number]) => Rational) =>
      s.params.filter((p) => payees(p.payee)).reduce((acc, p) => acc.add(f(p)), Rational.ZERO);
    const ev = (p: (typeof s.params)[number]) => p.ev.mul(BigInt(p.tickets));
    expect(s.agent.evPaid.equals(sum((n) => n === "orch-infer", ev))).to.equal(true);
    expect(s.stream.evPaid.equals(sum((n) => n !== "orch-infer", ev))).to.equal(true);
    const expected = sum(
      () => true,
      (p) => Rational.of(p.winProb * BigInt(p.tickets), WIN_PROB_SCALE),
    );
    expect(s.lottery.expectedWinners.equals(expected)).to.equal(true);
    for (const p of s.params) {
      expect(p.ev.equals(Rational.of(p.faceValue * p.winProb, WIN_PROB_SCALE))).to.equal(true);
      expect(p.sets).to.be.at.least(1);
    }
    // Every payee that was paid appears: two transcoders and the inference API.
    expect(new Set(s.params.map((p) => p.payee))).to.deep.equal(
      new Set(["orch-a", "orch-b", "orch-infer"]),
    );
  });

  it("redeems every winner the payees reported, and the chain's events agree", () => {
    const redeemed = s.redemptions.reduce((n, r) => n + r.redeemed, 0);
    expect(s.lottery.actualWinners).to.equal(s.stream.winnersReported + s.agent.winnersReported);
    expect(redeemed).to.equal(s.lottery.actualWinners);
    expect(s.unredeemedWinners).to.equal(0);
    for (const r of s.redemptions) {
      expect(r.redeemed, r.name).to.equal(r.winners);
      expect(r.events.count, r.name).to.equal(r.redeemed);
      expect(r.events.faceValue, r.name).to.equal(r.faceValueRedeemed);
      if (r.winners > 0) {
        expect(r.decision?.action, r.name).to.equal("redeem");
        expect(r.transactions, r.name).to.be.at.least(1);
        expect(r.singles.count, r.name).to.equal(r.winners);
      }
    }
  });

  it("balances add up: the gateway lost what the orchestrators were paid, each paid its gas", () => {
    const f = s.gatewayFunds;
    const decrease = f.depositBefore + f.reserveBefore - (f.depositAfter + f.reserveAfter);
    const face = s.redemptions.reduce((sum, r) => sum + r.events.faceValue, 0n);
    expect(decrease).to.equal(face);
    for (const r of s.redemptions) {
      expect(r.ethAfter - r.ethBefore, r.name).to.equal(r.events.faceValue - r.feesWei);
    }
  });

  it("batching costs less gas per winner than one transaction per winner", () => {
    for (const r of s.redemptions.filter((x) => x.winners >= 2 && x.transactions === 1)) {
      expect(r.gasUsed, r.name).to.be.below(r.singles.gasUsed);
    }
  });

  it("counts the services' JSON-RPC requests and cleans up its SQLite files", () => {
    const components = s.rpc.map((c) => c.component);
    expect(components).to.include.members(["signer", "orch-a", "orch-b", "orch-infer"]);
    for (const c of s.rpc) {
      expect(c.total, c.component).to.equal(c.byMethod.reduce((n, [, k]) => n + k, 0));
      expect(c.total, c.component).to.be.above(0);
    }
    expect(existsSync(s.storeDir)).to.equal(false);
  });

  it("its own invariant check finds nothing broken, and catches a tampered figure", () => {
    expect(brokenInvariants(s)).to.deep.equal([]);
    const f = s.gatewayFunds;
    const tampered = { ...s, gatewayFunds: { ...f, depositAfter: f.depositAfter - 1n } };
    expect(brokenInvariants(tampered)).to.have.length(1);
    expect(brokenInvariants({ ...s, unredeemedWinners: 1 })).to.deep.equal([
      "1 winners left unredeemed",
    ]);
  });

  it("prints the figures it measured", () => {
    const text = formatReport(s).join("\n");
    expect(text).to.match(new RegExp(`expected winners .*; actual: ${s.lottery.actualWinners}\\n`));
    expect(text).to.match(new RegExp(`segments: +${SEGMENTS}\\n`));
    expect(text).to.include("(adds up)");
    expect(text).to.not.include("DOES NOT ADD UP");
    expect(text).to.not.include("MISMATCH");
    expect(progress.some((l) => l.startsWith("Signer service"))).to.equal(true);
  });
});
