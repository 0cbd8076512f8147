import { expect } from "chai";

import { CachedBrokerReader } from "../../src/chain/cachedBrokerReader.js";
import { MAX_WIN_PROB } from "../../src/ticket/ev.js";
import { SenderCannotPayError } from "../../src/recipient/errors.js";
import { MemoryWinnerStore } from "../../src/recipient/winnerStore.js";
import { ticketForParams, type TicketParams } from "../../src/ticket/ticketParams.js";
import type { SignedTicket } from "../../src/ticket/ticketTypes.js";
import {
  FakeReader,
  fixtureRecipient,
  hasher,
  makeParams,
  senderSigner,
} from "../support/flowFixtures.js";

async function sign(params: TicketParams, senderNonce: bigint): Promise<SignedTicket> {
  const ticket = ticketForParams({ params, senderNonce, workId: `0x${"00".repeat(32)}` });
  return { ticket, signature: await senderSigner.signTicket(ticket, hasher) };
}

/** A head that never moves: every chain value stays cached unless invalidated. */
class StillChain {
  constructor(readonly timestamp: number) {}
  getBlock(): Promise<{ number: number; timestamp: number }> {
    return Promise.resolve({ number: 1, timestamp: this.timestamp });
  }
}

describe("recipient over a cached reader", () => {
  it("a winner paid in the store drops the sender's cached funds, so the paid wei is not counted twice", async () => {
    const chain = new FakeReader();
    const reader = new CachedBrokerReader({
      reader: chain,
      provider: new StillChain(Number(chain.time)),
      pollMs: 60_000,
    });
    const winners = new MemoryWinnerStore();
    const recipient = fixtureRecipient({
      reader,
      winners,
      policy: { redeemGas: 100_000n, targetEV: 10n ** 12n, maxTicketsPerParams: 10 },
    });
    const params = makeParams({ winProb: MAX_WIN_PROB });
    const F = params.faceValue;
    chain.funds = { deposit: 2n * F, reserve: 0n, unlockEnd: 0n };
    await recipient.receiveTicket({ signed: await sign(params, 1n), params }); // pending F
    // The redeemer pays winner 1 on chain (deposit 2F → F), then marks it in the store, all
    // within one block: the cached deposit is still 2F.
    chain.funds = { deposit: F, reserve: 0n, unlockEnd: 0n };
    const [first] = await winners.list();
    await winners.markRedeemed({ digest: first!.digest, txHash: "0x01" });
    await recipient.receiveTicket({ signed: await sign(params, 2n), params }); // F − 0 ≥ F
    // Counting the stale 2F against pending F would accept a third winner the sender cannot pay.
    const err = await recipient.receiveTicket({ signed: await sign(params, 3n), params }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(SenderCannotPayError);
    expect((err as SenderCannotPayError).details["deposit"]).to.equal(F);
  });
});
