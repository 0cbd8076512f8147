/**
 * "Now" on an idle chain (docs/clock.md): the latest block of a local node that has not mined
 * for 16 minutes is 16 minutes old. Params issued on that time were born expired; a ticket
 * already expired by the wall clock looked live. The rule: now = max(chain time, wall clock).
 */
import { expect } from "chai";

import { Clock, withWallClock } from "../../src/chain/clock.js";
import { TicketBrokerTicketExpired } from "../../src/contract/contractErrors.js";
import { TicketBrokerError } from "../../src/errors.js";
import { InvalidInputError } from "../../src/ticket/inputs.js";
import { TicketParamsExpiredOnReceiveError } from "../../src/recipient/errors.js";
import { TicketParamsExpiredError } from "../../src/sender/errors.js";
import { NonceAllocator } from "../../src/sender/nonceAllocator.js";
import { MemoryNonceStore } from "../../src/sender/nonceStore.js";
import { TicketSender } from "../../src/sender/ticketSender.js";
import { ticketForParams, type TicketParams } from "../../src/ticket/ticketParams.js";
import {
  FakeReader,
  domain,
  fixtureRecipient,
  hasher,
  makeParams,
  senderSigner,
} from "../support/flowFixtures.js";
import { rejects } from "../support/rejects.js";

/** The chain's latest block is this many seconds behind the wall clock (an idle node). */
const LAG = 16n * 60n;
const policy = { redeemGas: 100_000n, targetEV: 10n ** 12n };
const workId = `0x${"00".repeat(32)}` as const;

/** A fake chain whose block time is `LAG` behind a wall clock the test sets. */
function idleChain(): { reader: FakeReader; wall: { now: bigint }; wallClock: () => bigint } {
  const reader = new FakeReader();
  const wall = { now: reader.time + LAG };
  return { reader, wall, wallClock: () => wall.now };
}

describe("edge: Clock takes the later of chain time and wall clock", function () {
  it("an idle chain: the wall clock wins", async function () {
    const { reader, wallClock } = idleChain();
    expect(await new Clock({ reader, wallClock }).read()).to.deep.equal({
      chain: reader.time,
      wall: reader.time + LAG,
      now: reader.time + LAG,
    });
  });

  it("a wall clock behind the chain: the chain wins", async function () {
    const reader = new FakeReader();
    const clock = new Clock({ reader, wallClock: () => reader.time - 5n });
    expect(await clock.now()).to.equal(reader.time);
  });

  it("equal clocks give that time", async function () {
    const reader = new FakeReader();
    expect(await new Clock({ reader, wallClock: () => reader.time }).now()).to.equal(reader.time);
  });

  it("refuses a wall clock that does not return bigint seconds", async function () {
    const reader = new FakeReader();
    const clock = new Clock({ reader, wallClock: (() => Date.now()) as unknown as () => bigint });
    expect(await rejects(clock.now())).to.be.instanceOf(InvalidInputError);
    expect(() => new Clock({ reader: {} as FakeReader })).to.throw(TicketBrokerError);
  });

  it("withWallClock passes every other read through to the reader", async function () {
    const { reader, wallClock } = idleChain();
    reader.highest = 42n;
    const clocked = withWallClock(reader, wallClock);
    expect(await clocked.highestRedeemedNonce(senderSigner.address, senderSigner.address)).to.equal(
      42n,
    );
    expect(await clocked.senderFunds(senderSigner.address)).to.equal(reader.funds);
    expect(await clocked.now()).to.equal(reader.time + LAG);
  });
});

describe("edge: params and tickets on an idle chain", function () {
  it("params issued on a chain 16 minutes behind are live by the wall clock for their whole lifetime", async function () {
    const { reader, wall, wallClock } = idleChain();
    const recipient = fixtureRecipient({ reader: withWallClock(reader, wallClock), policy });
    const params = await recipient.issueParams({
      sender: senderSigner.address,
      gasPrice: 10n ** 8n,
    });
    // Lifetime 300 s from the wall clock, not from the stale block.
    expect(params.expirationTime).to.equal(wall.now + 300n);
    expect(params.expirationTime > wall.now).to.equal(true);
    // And they are accepted: sign and receive a ticket while the chain is still idle.
    const ticket = ticketForParams({ params, senderNonce: 1n, workId });
    const signed = { ticket, signature: await senderSigner.signTicket(ticket, hasher) };
    const { ev } = await recipient.receiveTicket({ signed, params });
    expect(ev.cmp(0n)).to.equal(1);
  });

  it("a recipient refuses params past deadline + grace by the wall clock although the stale chain calls them live", async function () {
    const { reader, wall, wallClock } = idleChain();
    const recipient = fixtureRecipient({ reader: withWallClock(reader, wallClock), policy });
    // Deadline + grace (60 s) is exactly the wall clock: still accepted at the edge ...
    const edge = makeParams({ expirationTime: wall.now - 60n, ticketExpiry: wall.now + 10_000n });
    const sign = async (params: TicketParams, senderNonce: bigint) => {
      const ticket = ticketForParams({ params, senderNonce, workId });
      return { ticket, signature: await senderSigner.signTicket(ticket, hasher) };
    };
    await recipient.receiveTicket({ signed: await sign(edge, 1n), params: edge });
    // ... one second earlier it is refused, although the chain is 16 minutes behind.
    const late = makeParams({
      expirationTime: wall.now - 61n,
      ticketExpiry: wall.now + 10_000n,
      seed: `0x${"ab".repeat(8)}${"cd".repeat(24)}`,
    });
    expect(late.expirationTime + 60n > reader.time).to.equal(true);
    const err = await rejects(
      recipient.receiveTicket({ signed: await sign(late, 2n), params: late }),
    );
    expect(err).to.be.instanceOf(TicketParamsExpiredOnReceiveError);
  });

  it("a recipient refuses a ticket whose expiry passed by the wall clock (the next block would refuse it)", async function () {
    const { reader, wall, wallClock } = idleChain();
    const recipient = fixtureRecipient({
      reader: withWallClock(reader, wallClock),
      policy: { ...policy, graceSeconds: 100_000n },
    });
    const params = makeParams({ expirationTime: wall.now - 200n, ticketExpiry: wall.now - 1n });
    expect(params.ticketExpiry > reader.time).to.equal(true);
    const ticket = ticketForParams({ params, senderNonce: 1n, workId });
    const signed = { ticket, signature: await senderSigner.signTicket(ticket, hasher) };
    expect(await rejects(recipient.receiveTicket({ signed, params }))).to.be.instanceOf(
      TicketBrokerTicketExpired,
    );
  });

  it("TicketSender with a wall clock refuses params expired by it, and pays at the exact deadline", async function () {
    const { reader, wall, wallClock } = idleChain();
    const gateway = new TicketSender({
      sender: senderSigner.address,
      signer: senderSigner,
      hasher,
      domain,
      reader,
      nonces: new NonceAllocator({ store: new MemoryNonceStore() }),
      wallClock,
    });
    const atDeadline = makeParams({ expirationTime: wall.now });
    await gateway.pay({ params: atDeadline, amount: 1n, workId });
    const expired = makeParams({ expirationTime: wall.now - 1n });
    expect(expired.expirationTime > reader.time).to.equal(true);
    const err = await rejects(gateway.pay({ params: expired, amount: 1n, workId }));
    expect(err).to.be.instanceOf(TicketParamsExpiredError);
  });
});
