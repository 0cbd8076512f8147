/** The pure redemption plan, at its exact boundaries, without a chain. */
import { expect } from "chai";

import {
  TicketBrokerCallerNotRecipient,
  TicketBrokerRandMismatch,
  TicketBrokerTicketNotWinning,
  TicketBrokerInsufficientFunds,
  TicketBrokerNonceAlreadyRedeemed,
  TicketBrokerSenderUnlocked,
  TicketBrokerTicketExpired,
  TicketBrokerUnauthorizedSigner,
} from "../../src/contract/contractErrors.js";
import { MAX_UINT256 } from "../../src/internal/bytes.js";
import {
  delegatedSigners,
  planRedemption,
  RedemptionPlanMissingStateError,
  type PlanWinner,
  type SenderChainState,
} from "../../src/redeem/plan.js";
import {
  RECIPIENT,
  chainState,
  delegateKey,
  hasher,
  otherSenderKey,
  senderKey,
  winner,
} from "./fixtures.js";

const S = senderKey.address.toLowerCase();

function plan(winners: PlanWinner[], state: SenderChainState, now: bigint, more = new Map()) {
  return planRedemption({
    recipient: RECIPIENT,
    winners,
    chain: new Map([[S, state], ...more]),
    now,
    graceSeconds: 60n,
  });
}
const nonces = (xs: readonly { winner: PlanWinner }[]) =>
  xs.map((x) => x.winner.ticket.senderNonce);

describe("planRedemption", () => {
  it("waits while the params are open (now = deadline + grace) and is due one second later", async () => {
    const w = await winner({ nonce: 1n, paramsDeadline: 100n });
    const open = plan([w], chainState(), 160n);
    expect(open.due).to.have.length(0);
    expect(open.waiting).to.deep.equal([{ winner: w, reason: "notYetRedeemable", until: 161n }]);
    expect(nonces(plan([w], chainState(), 161n).due)).to.deep.equal([1n]);
  });

  it("uses the stored redeemableAt over paramsDeadline + grace", async () => {
    const w = await winner({ nonce: 1n, paramsDeadline: 100n, redeemableAt: 500n });
    expect(plan([w], chainState(), 500n).due).to.have.length(0);
    expect(plan([w], chainState(), 501n).due).to.have.length(1);
  });

  it("orders each sender's winners by ascending nonce and holds every nonce above a waiting one", async () => {
    const w3 = await winner({ nonce: 3n, paramsDeadline: 100n });
    const w1 = await winner({ nonce: 1n, paramsDeadline: 100n });
    const w2 = await winner({ nonce: 2n, paramsDeadline: 1000n });
    const p = plan([w3, w1, w2], chainState(), 200n);
    expect(nonces(p.due)).to.deep.equal([1n]);
    expect(p.waiting.map((x) => [x.winner.ticket.senderNonce, x.reason])).to.deep.equal([
      [2n, "notYetRedeemable"],
      [3n, "behindLowerNonce"],
    ]);
  });

  it("marks as unredeemable a nonce at the redeemed mark and an expired ticket (expiry + 1), not one at expiry", async () => {
    const atMark = await winner({ nonce: 5n });
    const aboveMark = await winner({ nonce: 6n, expiry: 300n });
    const state = chainState({ highestRedeemedNonce: 5n });
    const atExpiry = plan([atMark, aboveMark], state, 300n);
    expect(atExpiry.unredeemable).to.have.length(1);
    expect(atExpiry.unredeemable[0]?.error).to.be.instanceOf(TicketBrokerNonceAlreadyRedeemed);
    expect(nonces(atExpiry.due)).to.deep.equal([6n]);
    const after = plan([aboveMark], state, 301n);
    expect(after.unredeemable[0]?.error).to.be.instanceOf(TicketBrokerTicketExpired);
    expect(after.unredeemable[0]?.error.details).to.deep.equal({ expiry: 300n, timestamp: 301n });
  });

  it("refuses a winner made out to another recipient", async () => {
    const w = await winner({ nonce: 1n, recipient: "0x0000000000000000000000000000000000000001" });
    expect(plan([w], chainState(), 200n).unredeemable[0]?.error).to.be.instanceOf(
      TicketBrokerCallerNotRecipient,
    );
  });

  it("spends the deposit, then the reserve allocation, and blocks at the first winner they cannot cover", async () => {
    const ws = await Promise.all([1n, 2n, 3n].map((n) => winner({ nonce: n, faceValue: 1000n })));
    // 1500 deposit + 500 allocation cover exactly two winners of 1000.
    const state = chainState({ deposit: 1500n, claimable: 500n });
    const p = plan(ws, state, 200n);
    expect(nonces(p.due)).to.deep.equal([1n, 2n]);
    expect(p.due.map((d) => d.fromReserve)).to.deep.equal([0n, 500n]);
    expect(p.blocked).to.have.length(1);
    expect(p.blocked[0]?.error).to.be.instanceOf(TicketBrokerInsufficientFunds);
    expect(p.blocked[0]?.error.details).to.include({ available: 0n, needed: 1000n });
    // One wei less and the second is blocked, the third waits behind it.
    const short = plan(ws, chainState({ deposit: 1500n, claimable: 499n }), 200n);
    expect(nonces(short.due)).to.deep.equal([1n]);
    expect(nonces(short.blocked)).to.deep.equal([2n]);
    expect(short.waiting.map((x) => x.reason)).to.deep.equal(["behindLowerNonce"]);
  });

  it("blocks (never drops) the winners of a sender whose unlock completed, and bounds payableUntil while unlocking", async () => {
    const w = await winner({ nonce: 1n, expiry: 10_000n });
    const done = plan(
      [w],
      chainState({ funds: { deposit: 5000n, reserve: 0n, unlockEnd: 200n } }),
      200n,
    );
    expect(done.blocked[0]?.error).to.be.instanceOf(TicketBrokerSenderUnlocked);
    expect(done.unredeemable).to.have.length(0);
    const unlocking = plan(
      [w],
      chainState({ funds: { deposit: 5000n, reserve: 0n, unlockEnd: 201n } }),
      200n,
    );
    expect(unlocking.due[0]?.payableUntil).to.equal(200n);
  });

  it("checks a delegated signer's validity at now and bounds payableUntil by it", async () => {
    const w = await winner({ nonce: 1n, signer: delegateKey, sender: senderKey.address });
    expect([...(delegatedSigners([w]).get(S) ?? [])]).to.deep.equal([
      delegateKey.address.toLowerCase(),
    ]);
    const valid = (until: bigint) =>
      chainState({ signerValidUntil: new Map([[delegateKey.address.toLowerCase(), until]]) });
    expect(plan([w], valid(200n), 200n).due[0]?.payableUntil).to.equal(200n);
    expect(plan([w], valid(MAX_UINT256), 200n).due[0]?.payableUntil).to.equal(10_000n);
    const revoked = plan([w], valid(199n), 200n);
    expect(revoked.blocked[0]?.error).to.be.instanceOf(TicketBrokerUnauthorizedSigner);
  });

  it("holds every pending winner of a sender with a winner in flight, and plans other senders", async () => {
    const inFlight = await winner({ nonce: 1n, state: "submitted" });
    const next = await winner({ nonce: 2n });
    const other = await winner({ nonce: 1n, signer: otherSenderKey, expiry: 500n });
    const p = plan(
      [inFlight, next, other],
      chainState(),
      200n,
      new Map([[otherSenderKey.address.toLowerCase(), chainState()]]),
    );
    expect(p.waiting.map((x) => x.reason)).to.deep.equal(["senderInFlight"]);
    expect(p.due.map((d) => d.winner.ticket.sender)).to.deep.equal([otherSenderKey.address]);
  });

  it("puts the sender whose winners must be paid soonest first", async () => {
    const late = await winner({ nonce: 1n, expiry: 9000n });
    const soon = await winner({ nonce: 1n, signer: otherSenderKey, expiry: 400n });
    const p = plan(
      [late, soon],
      chainState(),
      200n,
      new Map([[otherSenderKey.address.toLowerCase(), chainState()]]),
    );
    expect(p.due.map((d) => d.payableUntil)).to.deep.equal([400n, 9000n]);
  });

  it("names the sender whose chain state is missing", async () => {
    const other = await winner({ nonce: 1n, signer: otherSenderKey });
    expect(() => plan([other], chainState(), 200n)).to.throw(RedemptionPlanMissingStateError);
  });

  it("with the broker's hasher, refuses before any gas a winner whose rand does not match or that does not win", async () => {
    const good = await winner({ nonce: 1n, realRandHash: true });
    const badRand = await winner({ nonce: 2n });
    const losing = await winner({ nonce: 3n, realRandHash: true, winProb: 0n });
    const p = planRedemption({
      recipient: RECIPIENT,
      winners: [good, badRand, losing],
      chain: new Map([[S, chainState()]]),
      now: 200n,
      hasher,
    });
    expect(nonces(p.due)).to.deep.equal([1n]);
    expect(p.unredeemable.map((u) => u.error.constructor)).to.deep.equal([
      TicketBrokerRandMismatch,
      TicketBrokerTicketNotWinning,
    ]);
    // Without the hasher the plan cannot know: both would be sent (and the broker refuse them).
    const blind = plan([good, badRand, losing], chainState(), 200n);
    expect(nonces(blind.due)).to.deep.equal([1n, 2n, 3n]);
  });
});
