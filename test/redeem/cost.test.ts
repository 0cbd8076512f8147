/**
 * The cost path against a JSON-RPC server on loopback that answers eth_estimateGas, the fees and
 * Arbitrum's gasEstimateComponents with chosen figures: the curve, the L2/L1 split and the
 * decisions (wait, redeem, batch size) at their boundaries.
 */
import { expect } from "chai";
import { JsonRpcProvider } from "ethers";

import {
  costAt,
  estimateRedemptionCost,
  measureCostCurve,
  redemptionCalldata,
  type CostCurve,
} from "../../src/redeem/cost.js";
import { decideRedemption, maxBatchSize } from "../../src/redeem/decide.js";
import type { DueWinner } from "../../src/redeem/plan.js";
import { DOMAIN, RECIPIENT, winner } from "./fixtures.js";
import { FakeRpc, type FakeChainFigures } from "./fakeRpc.js";

const FIGURES: FakeChainFigures = {
  fixedGas: 60_000n,
  perTicketGas: 40_000n,
  fixedL1Gas: 10_000n,
  perTicketL1Gas: 15_000n,
  baseFee: 10_000_000n, // 0.01 gwei, as on Arbitrum One
  tip: 0n,
  l1BaseFee: 30_000_000_000n,
};

async function dueWinners(
  count: number,
  faceValue: bigint,
  payableUntil = 100_000n,
): Promise<DueWinner[]> {
  const out: DueWinner[] = [];
  for (let i = 1; i <= count; i++) {
    out.push({
      winner: await winner({ nonce: BigInt(i), faceValue }),
      payableUntil,
      fromReserve: 0n,
    });
  }
  return out;
}

describe("redemption cost from the chain (fake Arbitrum RPC)", () => {
  let rpc: FakeRpc;
  let provider: JsonRpcProvider;

  before(async () => {
    rpc = await new FakeRpc({ ...FIGURES }).start();
    provider = new JsonRpcProvider(rpc.url, 42161, { staticNetwork: true, batchMaxCount: 1 });
  });
  after(async () => {
    provider.destroy();
    await rpc.stop();
  });

  it("reads the L1 part from gasEstimateComponents over eth_call and splits the cost", async () => {
    const [w] = await dueWinners(1, 1n);
    if (w === undefined) throw new Error("no winner");
    const cost = await estimateRedemptionCost({
      rpc: provider,
      broker: DOMAIN.verifyingContract,
      from: RECIPIENT,
      calldata: redemptionCalldata([w.winner]),
      arbitrum: true,
    });
    expect(cost.gas).to.equal(100_000n);
    expect(cost.l1Gas).to.equal(25_000n);
    expect(cost.l2Gas).to.equal(75_000n);
    expect(cost.gasPrice).to.equal(10_000_000n);
    expect(cost.costWei).to.equal(100_000n * 10_000_000n);
    expect(cost.l1Wei + cost.l2Wei).to.equal(cost.costWei);
    expect(cost.l1BaseFeeEstimate).to.equal(30_000_000_000n);
    expect(rpc.calls.get("eth_call")).to.equal(1);
  });

  it("does not ask the NodeInterface off Arbitrum", async () => {
    const before = rpc.calls.get("eth_call") ?? 0;
    const [w] = await dueWinners(1, 1n);
    const cost = await estimateRedemptionCost({
      rpc: provider,
      broker: DOMAIN.verifyingContract,
      from: RECIPIENT,
      calldata: redemptionCalldata([w!.winner]),
    });
    expect(cost.l1Gas).to.equal(0n);
    expect(rpc.calls.get("eth_call") ?? 0).to.equal(before);
  });

  it("derives fixed + per-ticket gas (L2 and L1) from estimates of 1 and N", async () => {
    const due = await dueWinners(7, 1n);
    const curve = await measureCostCurve({
      rpc: provider,
      broker: DOMAIN.verifyingContract,
      from: RECIPIENT,
      winners: due.map((d) => d.winner),
      arbitrum: true,
    });
    expect(curve).to.include({
      fixedGas: 60_000n,
      perTicketGas: 40_000n,
      fixedL1Gas: 10_000n,
      perTicketL1Gas: 15_000n,
      sampledSize: 7,
    });
    expect(costAt(curve, 20)).to.deep.equal({
      gas: 860_000n,
      l1Gas: 310_000n,
      costWei: 860_000n * 10_000_000n,
      l1Wei: 310_000n * 10_000_000n,
      l2Wei: 550_000n * 10_000_000n,
    });
  });

  describe("decisions", () => {
    let curve: CostCurve;
    before(async () => {
      const due = await dueWinners(2, 1n);
      curve = await measureCostCurve({
        rpc: provider,
        broker: DOMAIN.verifyingContract,
        from: RECIPIENT,
        winners: due.map((d) => d.winner),
        arbitrum: true,
      });
    });

    it("redeems at exactly cost × (1 + margin) and waits one wei below", async () => {
      // 4 winners: (60k + 4 × 40k) gas × 0.01 gwei = 2.2e12 wei; margin 25% → 2.75e12.
      const at = await dueWinners(4, 687_500_000_000n);
      const d = decideRedemption({ due: at, curve, now: 0n, economics: { marginBps: 2_500n } });
      expect(d).to.include({ action: "redeem", reason: "profitable", costWei: 2_200_000_000_000n });
      expect(d.batch).to.have.length(4);
      expect(d.l1Wei).to.equal(70_000n * 10_000_000n);
      const below = [
        ...at.slice(0, 3),
        {
          ...at[3]!,
          winner: {
            ...at[3]!.winner,
            ticket: { ...at[3]!.winner.ticket, faceValue: 687_499_999_999n },
          },
        },
      ];
      expect(
        decideRedemption({ due: below, curve, now: 0n, economics: { marginBps: 2_500n } }),
      ).to.include({
        action: "wait",
        reason: "belowMargin",
      });
    });

    it("waits when L1 fees rise and redeems the same winners when they fall", async () => {
      const due = await dueWinners(3, 2_000_000_000_000n);
      rpc.figures = { ...FIGURES, baseFee: 100_000_000n };
      const dear = await measureCostCurve({
        rpc: provider,
        broker: DOMAIN.verifyingContract,
        from: RECIPIENT,
        winners: due.map((d) => d.winner),
        arbitrum: true,
      });
      rpc.figures = { ...FIGURES };
      // 180k gas × 0.1 gwei = 1.8e13 > 6e12 of face value.
      expect(decideRedemption({ due, curve: dear, now: 0n }).action).to.equal("wait");
      expect(decideRedemption({ due, curve, now: 0n }).action).to.equal("redeem");
    });

    it("near expiry redeems below the margin if the batch still pays more than it costs, never at a loss", async () => {
      // One winner: 100k gas × 0.01 gwei = 1e12 wei.
      const [w] = await dueWinners(1, 1_000_000_000_001n, 3_600n);
      const economics = { marginBps: 10_000n, expiryMarginSeconds: 3_600n };
      expect(decideRedemption({ due: [w!], curve, now: 0n, economics })).to.include({
        action: "redeem",
        reason: "nearExpiry",
      });
      // One second earlier the winner is outside the margin: wait.
      expect(decideRedemption({ due: [w!], curve, now: -1n, economics })).to.include({
        action: "wait",
        reason: "belowMargin",
      });
      const loss = {
        ...w!,
        winner: { ...w!.winner, ticket: { ...w!.winner.ticket, faceValue: 1_000_000_000_000n } },
      };
      expect(decideRedemption({ due: [loss], curve, now: 0n, economics })).to.include({
        action: "wait",
        reason: "uneconomic",
      });
    });

    it("chooses the batch size from the curve and the gas cap", async () => {
      // (1,000,000 − 60,000) / 40,000 = 23.5 → 23 winners per transaction.
      expect(maxBatchSize(curve, { maxBatchGas: 1_000_000n, maxBatchSize: 50 })).to.equal(23);
      expect(maxBatchSize(curve, { maxBatchGas: 1_000_000n, maxBatchSize: 10 })).to.equal(10);
      const due = await dueWinners(30, 10n ** 15n);
      const d = decideRedemption({ due, curve, now: 0n, economics: { maxBatchGas: 1_000_000n } });
      expect(d.action).to.equal("redeem");
      expect(d.batch.map((x) => x.winner.ticket.senderNonce)).to.deep.equal(
        Array.from({ length: 23 }, (_, i) => BigInt(i + 1)),
      );
      expect(d.gas).to.equal(60_000n + 23n * 40_000n);
    });

    it("waits with nothing due", () => {
      expect(decideRedemption({ due: [], curve, now: 0n })).to.include({
        action: "wait",
        reason: "nothingDue",
      });
    });
  });
});
