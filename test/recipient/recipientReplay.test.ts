import { expect } from "chai";

import { MAX_WIN_PROB } from "../../src/ticket/ev.js";
import {
  TicketNonceBelowClosedParamsError,
  TicketNonceReusedError,
  TicketParamsFromEarlierRunError,
  TicketParamsMismatchOnReceiveError,
} from "../../src/recipient/errors.js";
import { Recipient, type RecipientPolicy } from "../../src/recipient/recipient.js";
import { MemoryReplayStore, type ReplayStore } from "../../src/recipient/replayStore.js";
import { MemoryWinnerStore, type WinningTicket } from "../../src/recipient/winnerStore.js";
import { ticketForParams, type TicketParams } from "../../src/ticket/ticketParams.js";
import type { SignedTicket } from "../../src/ticket/ticketTypes.js";
import {
  FakeReader,
  FIXTURE_RUN_ID,
  SECRET,
  hasher,
  makeParams,
  recipientAddress,
  senderSigner,
} from "../support/flowFixtures.js";
import { rejects } from "../support/rejects.js";

const policy: RecipientPolicy = {
  redeemGas: 100_000n,
  targetEV: 10n ** 12n,
  maxTicketsPerParams: 10,
};

function recipientOn(
  reader: FakeReader,
  replay: ReplayStore,
  options: { runId?: `0x${string}`; winners?: MemoryWinnerStore } = {},
): Recipient {
  return new Recipient({
    address: recipientAddress,
    secret: SECRET,
    hasher,
    reader,
    winners: options.winners ?? new MemoryWinnerStore(),
    policy,
    replay,
    ...(options.runId === undefined ? {} : { runId: options.runId }),
  });
}

async function sign(params: TicketParams, senderNonce: bigint): Promise<SignedTicket> {
  const ticket = ticketForParams({ params, senderNonce, workId: `0x${"00".repeat(32)}` });
  return { ticket, signature: await senderSigner.signTicket(ticket, hasher) };
}

describe("recipient: replay state in a store", () => {
  it("over a durable store, a restarted recipient continues earlier params and refuses a replayed nonce", async () => {
    const reader = new FakeReader();
    const replay = new MemoryReplayStore({ durable: true });
    const first = recipientOn(reader, replay, { runId: FIXTURE_RUN_ID });
    const params = makeParams();
    const one = await sign(params, 1n);
    await first.receiveTicket({ signed: one, params });
    // Another process (a restart, or a replica) with its own run tag, on the same store.
    const second = recipientOn(reader, replay, { runId: `0x${"cd".repeat(8)}` });
    expect(await rejects(second.receiveTicket({ signed: one, params }))).to.be.instanceOf(
      TicketNonceReusedError,
    );
    const result = await second.receiveTicket({ signed: await sign(params, 2n), params });
    expect(result.ev.isZero()).to.equal(false);
    expect(
      await rejects(first.receiveTicket({ signed: await sign(params, 2n), params })),
    ).to.be.instanceOf(TicketNonceReusedError);
  });

  it("over a store that forgets, a restarted recipient refuses earlier params even with the store shared", async () => {
    const reader = new FakeReader();
    const replay = new MemoryReplayStore();
    const params = makeParams();
    await recipientOn(reader, replay, { runId: FIXTURE_RUN_ID }).receiveTicket({
      signed: await sign(params, 1n),
      params,
    });
    const second = recipientOn(reader, replay, { runId: `0x${"cd".repeat(8)}` });
    expect(
      await rejects(second.receiveTicket({ signed: await sign(params, 2n), params })),
    ).to.be.instanceOf(TicketParamsFromEarlierRunError);
  });

  it("a winner the store fails to keep is undone entirely: its nonce does not raise the floor", async () => {
    const reader = new FakeReader();
    const replay = new MemoryReplayStore();
    const winners = new MemoryWinnerStore();
    const recipient = recipientOn(reader, replay, { runId: FIXTURE_RUN_ID, winners });
    const params = makeParams({ winProb: MAX_WIN_PROB });
    await recipient.receiveTicket({ signed: await sign(params, 5n), params });
    const add = winners.add.bind(winners);
    winners.add = (w: WinningTicket) =>
      w.ticket.senderNonce === 50n ? Promise.reject(new Error("disk full")) : add(w);
    expect(
      (
        (await rejects(
          recipient.receiveTicket({ signed: await sign(params, 50n), params }),
        )) as Error
      ).message,
    ).to.equal("disk full");
    // The params close; their highest accepted nonce is 5, not the refused 50.
    reader.time = params.expirationTime + 61n;
    const next = makeParams({
      winProb: 1n,
      seed: `${FIXTURE_RUN_ID}${"ef".repeat(24)}` as `0x${string}`,
      expirationTime: reader.time + 300n,
    });
    const err = await rejects(
      recipient.receiveTicket({ signed: await sign(next, 5n), params: next }),
    );
    expect(err).to.be.instanceOf(TicketNonceBelowClosedParamsError);
    expect((err as TicketNonceBelowClosedParamsError).details["floor"]).to.equal(5n);
    await recipient.receiveTicket({ signed: await sign(next, 6n), params: next });
  });

  it("a ticket forgotten after it was received is received again once, a winner stored once", async () => {
    const reader = new FakeReader();
    const replay = new MemoryReplayStore();
    const winners = new MemoryWinnerStore();
    const recipient = recipientOn(reader, replay, { runId: FIXTURE_RUN_ID, winners });
    const params = makeParams({ winProb: MAX_WIN_PROB });
    const signed = await sign(params, 7n);
    expect((await recipient.receiveTicket({ signed, params })).won).to.equal(true);
    await recipient.forgetTicket({ signed, params });
    expect((await recipient.receiveTicket({ signed, params })).won).to.equal(true);
    expect(await winners.list()).to.have.length(1);
    expect(await rejects(recipient.receiveTicket({ signed, params }))).to.be.instanceOf(
      TicketNonceReusedError,
    );
    // Only the ticket named is forgotten, and only for params it belongs to.
    const other = makeParams({ seed: `${FIXTURE_RUN_ID}${"ef".repeat(24)}` as `0x${string}` });
    expect(await rejects(recipient.forgetTicket({ signed, params: other }))).to.be.instanceOf(
      TicketParamsMismatchOnReceiveError,
    );
    expect(await rejects(recipient.receiveTicket({ signed, params }))).to.be.instanceOf(
      TicketNonceReusedError,
    );
  });

  it("digests and draws each ticket once", async () => {
    const reader = new FakeReader();
    const recipient = recipientOn(reader, new MemoryReplayStore(), { runId: FIXTURE_RUN_ID });
    const params = makeParams({ winProb: MAX_WIN_PROB });
    const signed = await sign(params, 1n);
    const digestBuffer = hasher.digestBuffer.bind(hasher);
    let digests = 0;
    hasher.digestBuffer = (t) => {
      digests++;
      return digestBuffer(t);
    };
    try {
      expect((await recipient.receiveTicket({ signed, params })).won).to.equal(true);
    } finally {
      hasher.digestBuffer = digestBuffer;
    }
    expect(digests).to.equal(1);
  });
});
