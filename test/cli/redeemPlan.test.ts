/** The CLI's dry-run view regroups the library's redemption plan per sender, without a chain. */
import { expect } from "chai";

import type { BrokerReader } from "../../src/chain/brokerReader.js";
import { readRedemptionPlan } from "../../src/cli/redeemPlan.js";
import type { PlanWinner } from "../../src/redeem/plan.js";
import { RECIPIENT, winner } from "../redeem/fixtures.js";

function reader(over: { deposit?: bigint; highest?: bigint; now: bigint }): BrokerReader {
  return {
    senderFunds: async () => ({ deposit: over.deposit ?? 10_000n, reserve: 0n, unlockEnd: 0n }),
    claimableReserve: async () => 0n,
    highestRedeemedNonce: async () => over.highest ?? 0n,
    signerValidUntil: async () => 0n,
    now: async () => over.now,
  };
}
const nonces = (xs: readonly { ticket: { senderNonce: bigint } }[]) =>
  xs.map((w) => w.ticket.senderNonce);

describe("readRedemptionPlan (recipient redeem --dry-run)", () => {
  it("sorts a sender's winners into dead, due now, held back by funds, in nonce order", async () => {
    const ws: PlanWinner[] = [];
    for (const n of [4n, 1n, 2n, 3n]) ws.push(await winner({ nonce: n, faceValue: 1000n }));
    // Nonce 1 is at the redeemed mark; 2 fits the 1,500 wei deposit; 3 does not; 4 waits behind 3.
    const view = await readRedemptionPlan({
      recipient: RECIPIENT,
      winners: ws,
      reader: reader({ deposit: 1_500n, highest: 1n, now: 1_000n }),
      graceSeconds: 60n,
    });
    expect(nonces(view.due)).to.deep.equal([2n]);
    const [s] = view.senders;
    expect(view.senders).to.have.length(1);
    expect(nonces(s!.dead)).to.deep.equal([1n]);
    expect(s!.deadReason).to.match(/^TicketBrokerNonceAlreadyRedeemed: /);
    expect(nonces(s!.dueNow)).to.deep.equal([2n]);
    expect(nonces(s!.held)).to.deep.equal([3n, 4n]);
    expect(s!.heldReason).to.match(/^TicketBrokerInsufficientFunds: .* can pay 500 wei/);
    expect(s!.notDue).to.deep.equal([]);
    expect(s!.dueAt).to.equal(undefined);
  });

  it("puts every nonce from the first open one on into notDue, due one second after its close", async () => {
    const ws = [
      await winner({ nonce: 1n, paramsDeadline: 100n }),
      await winner({ nonce: 2n, paramsDeadline: 500n }),
      await winner({ nonce: 3n, paramsDeadline: 100n }),
    ];
    const view = await readRedemptionPlan({
      recipient: RECIPIENT,
      winners: ws,
      reader: reader({ now: 560n }),
      graceSeconds: 60n,
    });
    const [s] = view.senders;
    expect(nonces(s!.dueNow)).to.deep.equal([1n]);
    expect(nonces(s!.notDue)).to.deep.equal([2n, 3n]);
    expect(s!.dueAt).to.equal(561n);
    expect(s!.held).to.deep.equal([]);
  });

  it("leaves out winners of another recipient and reads only the chain time when none is left", async () => {
    const other = await winner({
      nonce: 1n,
      recipient: "0x0000000000000000000000000000000000000001",
    });
    const view = await readRedemptionPlan({
      recipient: RECIPIENT,
      winners: [other],
      reader: reader({ now: 7n }),
      graceSeconds: 60n,
    });
    expect(view).to.deep.equal({ now: 7n, due: [], senders: [] });
  });
});
