import { expect } from "chai";

import {
  TicketBrokerInvalidSignature,
  TicketBrokerNonceAlreadyRedeemed,
  TicketBrokerUnauthorizedSigner,
} from "../../src/contract/contractErrors.js";
import { ticketEV, winProbForEV } from "../../src/ticket/ev.js";
import {
  IssueTicketParamsError,
  SenderCannotPayError,
  SenderUnlockingError,
  TicketNonceReusedError,
  TicketParamsExpiredOnReceiveError,
  TicketParamsFromEarlierRunError,
  TicketSignerRevokedError,
  TicketNonceBelowClosedParamsError,
  TicketParamsMismatchOnReceiveError,
  TicketParamsNonceLimitError,
  TicketParamsNotIssuedError,
} from "../../src/recipient/errors.js";
import { issueTicketParams, recipientFaceValue } from "../../src/recipient/issueTicketParams.js";
import { Recipient, type RecipientPolicy } from "../../src/recipient/recipient.js";
import { deriveRecipientRand } from "../../src/recipient/recipientRand.js";
import { MemoryWinnerStore } from "../../src/recipient/winnerStore.js";
import { TicketHasher } from "../../src/ticket/ticketDigest.js";
import { ticketForParams, type TicketParams } from "../../src/ticket/ticketParams.js";
import type { SignedTicket, Ticket } from "../../src/ticket/ticketTypes.js";
import type { TicketSigner } from "../../src/ticket/signTicket.js";
import { recipientRandHash } from "../../src/ticket/winDraw.js";
import { MAX_WIN_PROB } from "../../src/ticket/ev.js";
import {
  FakeReader,
  SECRET,
  FIXTURE_RUN_ID,
  delegateSigner,
  domain,
  fixtureRecipient,
  hasher,
  makeParams,
  recipientAddress,
  senderSigner,
} from "../support/flowFixtures.js";
import { rejects } from "../support/rejects.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const sender = senderSigner.address;
/** The run tag of the fixture's params seeds (makeParams starts every seed with it). */
const RUN_ID = FIXTURE_RUN_ID;
/** A seed of this run other than the fixture's default. */
const OTHER_SEED = `0x${"ab".repeat(8)}${"cd".repeat(24)}` as const;
const policy: RecipientPolicy = {
  redeemGas: 100_000n,
  targetEV: 10n ** 12n,
  maxTicketsPerParams: 3,
};

function setup(overrides: Partial<RecipientPolicy> = {}, winners = new MemoryWinnerStore()) {
  const reader = new FakeReader();
  const recipient = fixtureRecipient({ reader, winners, policy: { ...policy, ...overrides } });
  return { reader, winners, recipient };
}

async function sign(
  params: TicketParams,
  senderNonce: bigint,
  options: { signer?: TicketSigner; hasher?: TicketHasher; ticket?: Partial<Ticket> } = {},
): Promise<SignedTicket> {
  const ticket: Ticket = {
    ...ticketForParams({ params, senderNonce, workId: `0x${"00".repeat(32)}` }),
    ...options.ticket,
  };
  const signature = await (options.signer ?? senderSigner).signTicket(
    ticket,
    options.hasher ?? hasher,
  );
  return { ticket, signature };
}

/** Each of `nonces` on `params` is refused for being at or below the sender's `floor`. */
async function expectBelowFloor(
  recipient: Recipient,
  params: TicketParams,
  nonces: readonly bigint[],
  floor: bigint,
): Promise<void> {
  for (const nonce of nonces) {
    const err = await rejects(
      recipient.receiveTicket({ signed: await sign(params, nonce), params }),
    );
    expect(err).to.be.instanceOf(TicketNonceBelowClosedParamsError);
    expect((err as TicketNonceBelowClosedParamsError).details["floor"]).to.equal(floor);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A store whose writes take a while once `slow` is set, as a file store's fsync does. */
class SlowStore extends MemoryWinnerStore {
  slow = true;
  override async add(...args: Parameters<MemoryWinnerStore["add"]>): Promise<void> {
    if (this.slow) await sleep(20);
    return super.add(...args);
  }
}

describe("recipient: issuing params", () => {
  it("face value = redeemGas × gasPrice × 100, capped by what the sender can cover", () => {
    expect(
      recipientFaceValue({ redeemGas: 100_000n, gasPrice: 10n ** 8n, coverable: 10n ** 18n }),
    ).to.equal(10n ** 15n);
    expect(
      recipientFaceValue({ redeemGas: 100_000n, gasPrice: 10n ** 8n, coverable: 10n ** 15n - 1n }),
    ).to.equal(10n ** 15n - 1n);
    expect(
      recipientFaceValue({
        redeemGas: 100_000n,
        gasPrice: 10n ** 8n,
        txCostMultiplier: 10n,
        coverable: 10n ** 18n,
      }),
    ).to.equal(10n ** 14n);
  });

  it("caps at deposit + claimable reserve − pending winners, and sets the smallest winProb with EV ≥ target", async () => {
    const { reader, winners, recipient } = setup();
    reader.funds = { deposit: 4n * 10n ** 14n, reserve: 10n ** 15n, unlockEnd: 0n };
    reader.claimable = 3n * 10n ** 14n;
    const params0 = await recipient.issueParams({ sender, gasPrice: 10n ** 8n });
    expect(params0.faceValue).to.equal(7n * 10n ** 14n);
    expect(params0.winProb).to.equal(winProbForEV(10n ** 12n, 7n * 10n ** 14n));
    const pendingParams = makeParams({ faceValue: 2n * 10n ** 14n });
    await winners.add({
      ticket: (await sign(pendingParams, 1n)).ticket,
      signature: "0x",
      recipientRand: 1n,
      paramsDeadline: 0n,
      digest: `0x${"01".repeat(32)}`,
    });
    const params = await recipient.issueParams({ sender, gasPrice: 10n ** 8n });
    expect(params.faceValue).to.equal(5n * 10n ** 14n);
    // Enough funds: the redemption-cost face value, uncapped.
    reader.funds = { deposit: 10n ** 18n, reserve: 0n, unlockEnd: 0n };
    expect((await recipient.issueParams({ sender, gasPrice: 10n ** 8n })).faceValue).to.equal(
      10n ** 15n,
    );
  });

  it("binds every field: the rand re-derives to the hash, and any changed field breaks it", () => {
    const params = issueTicketParams({
      secret: SECRET,
      recipient: recipientAddress,
      sender,
      domain,
      redeemGas: 100_000n,
      gasPrice: 10n ** 8n,
      coverable: 10n ** 18n,
      targetEV: 10n ** 12n,
      now: 1000n,
      lifetime: 300n,
      redemptionWindow: 3600n,
    });
    expect(params.expirationTime).to.equal(1300n);
    expect(params.ticketExpiry).to.equal(4900n);
    expect(ticketEV(params.faceValue, params.winProb).cmp(10n ** 12n)).to.be.at.least(0);
    expect(ticketEV(params.faceValue, params.winProb - 1n).cmp(10n ** 12n)).to.equal(-1);
    expect(params.winProb).to.equal(winProbForEV(10n ** 12n, params.faceValue));
    const rand = deriveRecipientRand({ secret: SECRET, params });
    expect(recipientRandHash(rand)).to.equal(params.recipientRandHash);
    const changes: Partial<TicketParams>[] = [
      { seed: `0x${"ff".repeat(32)}` },
      { recipient: sender },
      { sender: recipientAddress },
      { faceValue: params.faceValue + 1n },
      { winProb: params.winProb + 1n },
      { expirationTime: params.expirationTime + 1n },
      { ticketExpiry: params.ticketExpiry + 1n },
      { chainId: 1n },
      { verifyingContract: `0x${"12".repeat(20)}` },
    ];
    for (const change of changes) {
      expect(
        deriveRecipientRand({ secret: SECRET, params: { ...params, ...change } }),
        JSON.stringify(Object.keys(change)),
      ).to.not.equal(rand);
    }
    expect(deriveRecipientRand({ secret: new Uint8Array(32).fill(8), params })).to.not.equal(rand);
  });

  it("refuses to issue when the sender cannot cover more than the target EV", () => {
    const args = {
      secret: SECRET,
      recipient: recipientAddress,
      sender,
      domain,
      redeemGas: 100_000n,
      gasPrice: 10n ** 8n,
      targetEV: 10n ** 12n,
      now: 1000n,
      lifetime: 300n,
      redemptionWindow: 3600n,
    };
    issueTicketParams({ ...args, coverable: 10n ** 12n + 1n });
    expect(() => issueTicketParams({ ...args, coverable: 10n ** 12n })).to.throw(
      IssueTicketParamsError,
    );
  });

  it("refuses to issue to a sender whose unlock ends before the tickets expire", async () => {
    const { reader, recipient } = setup({
      paramsLifetime: 100n,
      graceSeconds: 10n,
      redemptionWindow: 1000n,
    });
    reader.funds = { ...reader.funds, unlockEnd: reader.time + 1110n };
    expect(await rejects(recipient.issueParams({ sender, gasPrice: 10n ** 8n }))).to.be.instanceOf(
      SenderUnlockingError,
    );
    reader.funds = { ...reader.funds, unlockEnd: reader.time + 1111n };
    await recipient.issueParams({ sender, gasPrice: 10n ** 8n });
  });
});

describe("recipient: receiving tickets", () => {
  it("accepts a losing ticket and returns its exact EV without storing it", async () => {
    const { recipient, winners } = setup();
    const params = makeParams({ winProb: 0n + 1n });
    const result = await recipient.receiveTicket({ signed: await sign(params, 1n), params });
    expect(result.won).to.equal(false);
    expect(result.ev.equals(ticketEV(params.faceValue, 1n))).to.equal(true);
    expect(await winners.list()).to.have.length(0);
  });

  it("stores a winner with everything needed to redeem it", async () => {
    const { recipient, winners } = setup();
    const params = makeParams({ winProb: MAX_WIN_PROB });
    const signed = await sign(params, 5n);
    expect((await recipient.receiveTicket({ signed, params })).won).to.equal(true);
    const [stored] = await winners.list();
    expect(stored?.ticket).to.deep.equal(signed.ticket);
    expect(stored?.signature).to.equal(signed.signature);
    expect(stored?.paramsDeadline).to.equal(params.expirationTime);
    expect(stored?.digest).to.equal(hasher.digestHex(signed.ticket));
    expect(recipientRandHash(stored?.recipientRand ?? 0n)).to.equal(params.recipientRandHash);
  });

  it("refuses params it never issued (another secret) and tickets that differ from their params", async () => {
    const { recipient } = setup();
    const params = makeParams();
    const forged = { ...params, faceValue: params.faceValue * 2n };
    expect(
      await rejects(recipient.receiveTicket({ signed: await sign(forged, 1n), params: forged })),
    ).to.be.instanceOf(TicketParamsNotIssuedError);
    const signed = await sign(params, 1n, { ticket: { faceValue: params.faceValue * 2n } });
    expect(await rejects(recipient.receiveTicket({ signed, params }))).to.be.instanceOf(
      TicketParamsMismatchOnReceiveError,
    );
    const expiry = await sign(params, 1n, { ticket: { expiry: params.ticketExpiry + 1n } });
    expect(await rejects(recipient.receiveTicket({ signed: expiry, params }))).to.be.instanceOf(
      TicketParamsMismatchOnReceiveError,
    );
    const otherChain = makeParams({ chainId: 1n });
    expect(
      await rejects(
        recipient.receiveTicket({ signed: await sign(otherChain, 1n), params: otherChain }),
      ),
    ).to.be.instanceOf(TicketParamsMismatchOnReceiveError);
  });

  it("refuses a ticket signed for another chain or broker as the contract would (wrong signer)", async () => {
    const { recipient } = setup();
    const params = makeParams();
    const other = new TicketHasher({ ...domain, chainId: 1n });
    expect(
      await rejects(
        recipient.receiveTicket({ signed: await sign(params, 1n, { hasher: other }), params }),
      ),
    ).to.be.instanceOf(TicketBrokerUnauthorizedSigner);
    const otherBroker = new TicketHasher({ ...domain, verifyingContract: `0x${"12".repeat(20)}` });
    expect(
      await rejects(
        recipient.receiveTicket({
          signed: await sign(params, 2n, { hasher: otherBroker }),
          params,
        }),
      ),
    ).to.be.instanceOf(TicketBrokerUnauthorizedSigner);
  });

  it("refuses a high-s signature and accepts the canonical one", async () => {
    const { recipient } = setup();
    const params = makeParams();
    const signed = await sign(params, 1n);
    const sig = Buffer.from(signed.signature.slice(2), "hex");
    const s = BigInt(`0x${sig.subarray(32, 64).toString("hex")}`);
    const high = Buffer.concat([
      sig.subarray(0, 32),
      Buffer.from((N - s).toString(16).padStart(64, "0"), "hex"),
      Buffer.from([sig[64] === 27 ? 28 : 27]),
    ]);
    const malleated = { ...signed, signature: `0x${high.toString("hex")}` as const };
    expect(await rejects(recipient.receiveTicket({ signed: malleated, params }))).to.be.instanceOf(
      TicketBrokerInvalidSignature,
    );
    await recipient.receiveTicket({ signed, params });
  });

  it("accepts an authorised delegate; a revoked one is refused, by the contract's rule once its validUntil passed", async () => {
    const { reader, recipient } = setup();
    const params = makeParams();
    const key = delegateSigner.address.toLowerCase();
    const byDelegate = (nonce: bigint) => sign(params, nonce, { signer: delegateSigner });

    // Never authorised: validUntil 0.
    expect(
      await rejects(recipient.receiveTicket({ signed: await byDelegate(1n), params })),
    ).to.be.instanceOf(TicketBrokerUnauthorizedSigner);
    // Revoked, and the notice period ended one second ago: the broker would refuse it.
    reader.validUntil.set(key, reader.time - 1n);
    expect(
      await rejects(recipient.receiveTicket({ signed: await byDelegate(2n), params })),
    ).to.be.instanceOf(TicketBrokerUnauthorizedSigner);
    // Revoked but still redeemable (the last second): the recipient takes no new payment from it.
    reader.validUntil.set(key, reader.time);
    expect(
      await rejects(recipient.receiveTicket({ signed: await byDelegate(3n), params })),
    ).to.be.instanceOf(TicketSignerRevokedError);
    // Authorised: validUntil = type(uint256).max.
    reader.validUntil.set(key, (1n << 256n) - 1n);
    const result = await recipient.receiveTicket({ signed: await byDelegate(4n), params });
    expect(result.ev.isZero()).to.equal(false);
  });

  it("refuses nonces at or below the redeemed mark and nonces seen before", async () => {
    const { reader, recipient } = setup();
    const params = makeParams();
    reader.highest = 10n;
    expect(
      await rejects(recipient.receiveTicket({ signed: await sign(params, 10n), params })),
    ).to.be.instanceOf(TicketBrokerNonceAlreadyRedeemed);
    const signed = await sign(params, 11n);
    await recipient.receiveTicket({ signed, params });
    expect(await rejects(recipient.receiveTicket({ signed, params }))).to.be.instanceOf(
      TicketNonceReusedError,
    );
    // Same nonce, new work id: still a reused nonce.
    const again = await sign(params, 11n, { ticket: { workId: `0x${"01".repeat(32)}` } });
    expect(await rejects(recipient.receiveTicket({ signed: again, params }))).to.be.instanceOf(
      TicketNonceReusedError,
    );
  });

  it("a sender cannot move params into this run by editing the seed's run tag", async () => {
    const { recipient } = setup();
    const params = makeParams({ seed: `0x${"01".repeat(32)}` });
    expect(
      await rejects(recipient.receiveTicket({ signed: await sign(params, 1n), params })),
    ).to.be.instanceOf(TicketParamsFromEarlierRunError);
    // Editing the tag breaks the rand commitment the seed is bound by.
    const forged = { ...params, seed: `0x${"ab".repeat(8)}${"01".repeat(24)}` as const };
    expect(
      await rejects(recipient.receiveTicket({ signed: await sign(forged, 1n), params: forged })),
    ).to.be.instanceOf(TicketParamsNotIssuedError);
  });

  it("once a sender's params close, refuses its nonces at or below the highest received on them", async () => {
    const { reader, recipient } = setup({ maxTicketsPerParams: 10 });
    const first = makeParams();
    const second = makeParams({ seed: OTHER_SEED, expirationTime: 1_000_900n });
    await recipient.receiveTicket({ signed: await sign(first, 100n), params: first });
    // While the first params are live, lower nonces on other params are fine (several processes).
    await recipient.receiveTicket({ signed: await sign(second, 40n), params: second });
    // The first params close (deadline + grace passed): nothing more can arrive on them.
    reader.time = first.expirationTime + 61n;
    await expectBelowFloor(recipient, second, [50n, 100n], 100n);
    await recipient.receiveTicket({ signed: await sign(second, 101n), params: second });
  });

  it("caps the tickets accepted on one params set", async () => {
    const { recipient } = setup({ maxTicketsPerParams: 2 });
    const params = makeParams();
    await recipient.receiveTicket({ signed: await sign(params, 1n), params });
    await recipient.receiveTicket({ signed: await sign(params, 2n), params });
    expect(
      await rejects(recipient.receiveTicket({ signed: await sign(params, 3n), params })),
    ).to.be.instanceOf(TicketParamsNonceLimitError);
    const fresh = makeParams({ seed: OTHER_SEED });
    await recipient.receiveTicket({ signed: await sign(fresh, 3n), params: fresh });
  });

  it("accepts tickets up to the params deadline plus grace, not one second later", async () => {
    const { reader, recipient } = setup({ graceSeconds: 60n });
    const params = makeParams();
    // The recipient is running when it issues the params (the fixture's chain time).
    await recipient.receiveTicket({ signed: await sign(params, 1n), params });
    reader.time = params.expirationTime + 60n;
    await recipient.receiveTicket({ signed: await sign(params, 2n), params });
    reader.time += 1n;
    expect(
      await rejects(recipient.receiveTicket({ signed: await sign(params, 3n), params })),
    ).to.be.instanceOf(TicketParamsExpiredOnReceiveError);
  });

  it("after a restart, refuses params issued before it, so no replayed ticket is credited twice", async () => {
    const { reader, recipient } = setup();
    const params = makeParams();
    const signed = await sign(params, 1n);
    await recipient.receiveTicket({ signed, params });
    // A restart within the same chain second (a clock cannot tell the runs apart): the new
    // instance never saw nonce 1, and draws a new run tag.
    const restarted = fixtureRecipient({ reader, policy, restarted: true });
    expect(await rejects(restarted.receiveTicket({ signed, params }))).to.be.instanceOf(
      TicketParamsFromEarlierRunError,
    );
    // Params it issues itself after the restart are accepted.
    const fresh = await restarted.issueParams({ sender, gasPrice: 10n ** 8n });
    expect(fresh.seed.startsWith(RUN_ID)).to.equal(false);
    const result = await restarted.receiveTicket({ signed: await sign(fresh, 2n), params: fresh });
    expect(result.ev.isZero()).to.equal(false);
  });

  it("refuses a sender that cannot pay: deposit + allocation − pending winners < face value", async () => {
    const { reader, recipient } = setup();
    const params = makeParams({ winProb: MAX_WIN_PROB });
    reader.funds = { deposit: params.faceValue, reserve: 5n, unlockEnd: 0n };
    reader.claimable = params.faceValue;
    await recipient.receiveTicket({ signed: await sign(params, 1n), params }); // a winner: pending = faceValue
    await recipient.receiveTicket({ signed: await sign(params, 2n), params }); // available = faceValue exactly
    const err = await rejects(recipient.receiveTicket({ signed: await sign(params, 3n), params }));
    expect(err).to.be.instanceOf(SenderCannotPayError);
    expect((err as SenderCannotPayError).details.pendingWinners).to.equal(2n * params.faceValue);
  });

  it("concurrent winners cannot together commit more than the sender can pay", async () => {
    // Both winners are checked before either is stored unless the recipient orders them.
    const { reader, winners, recipient } = setup({}, new SlowStore());
    const params = makeParams({ winProb: MAX_WIN_PROB });
    // Funds for exactly one winner.
    reader.funds = { deposit: params.faceValue, reserve: 0n, unlockEnd: 0n };
    const [a, b] = await Promise.allSettled([
      recipient.receiveTicket({ signed: await sign(params, 1n), params }),
      recipient.receiveTicket({ signed: await sign(params, 2n), params }),
    ]);
    expect(a.status).to.equal("fulfilled");
    expect(b.status).to.equal("rejected");
    expect((b as PromiseRejectedResult).reason).to.be.instanceOf(SenderCannotPayError);
    expect(await winners.pendingFaceValue({ sender, recipient: recipientAddress })).to.equal(
      params.faceValue,
    );
    // Losing tickets are not held up by the queue and still pass the funds check.
    const losing = makeParams({ seed: OTHER_SEED, faceValue: params.faceValue, winProb: 1n });
    reader.funds = { deposit: 2n * params.faceValue, reserve: 0n, unlockEnd: 0n };
    const results = await Promise.all([
      recipient.receiveTicket({ signed: await sign(losing, 3n), params: losing }),
      recipient.receiveTicket({ signed: await sign(losing, 4n), params: losing }),
    ]);
    expect(results.map((r) => r.won)).to.deep.equal([false, false]);
  });

  it("after a restart, refuses nonces at or below a pending winner of the earlier run", async () => {
    const { reader, winners, recipient } = setup({ maxTicketsPerParams: 10 });
    const params = makeParams({ winProb: MAX_WIN_PROB });
    await recipient.receiveTicket({ signed: await sign(params, 20n), params });
    // A redeemer may be redeeming nonce 20 right now; the chain's mark is still below it.
    expect(reader.highest).to.equal(0n);
    const restart = (): Recipient =>
      fixtureRecipient({
        reader,
        winners,
        policy: { ...policy, maxTicketsPerParams: 10 },
        restarted: true,
      });
    const restarted = restart();
    const fresh = await restarted.issueParams({ sender, gasPrice: 10n ** 8n });
    await expectBelowFloor(restarted, fresh, [15n, 20n], 20n);
    await restarted.receiveTicket({ signed: await sign(fresh, 21n), params: fresh });
    // A winner that is no longer pending (paid, or given up) does not hold the floor up. Nonce
    // 21 may have won too (its params draw at the ordinary probability): settle every winner.
    const pending = await winners.list({ status: "pending" });
    expect(pending.length).to.be.greaterThanOrEqual(1);
    for (const w of pending) await winners.markRedeemed({ digest: w.digest, txHash: "0x01" });
    const again = restart();
    const third = await again.issueParams({ sender, gasPrice: 10n ** 8n });
    await again.receiveTicket({ signed: await sign(third, 5n), params: third });
  });

  it("refuses a sender whose unlock ends at or before the ticket expiry", async () => {
    const { reader, recipient } = setup();
    const params = makeParams();
    reader.funds = { ...reader.funds, unlockEnd: params.ticketExpiry };
    expect(
      await rejects(recipient.receiveTicket({ signed: await sign(params, 1n), params })),
    ).to.be.instanceOf(SenderUnlockingError);
    reader.funds = { ...reader.funds, unlockEnd: params.ticketExpiry + 1n };
    await recipient.receiveTicket({ signed: await sign(params, 1n), params });
  });
});

describe("recipient: racing a redeemer", () => {
  // The redeemer runs in its own task or process: it pays a winner on chain first and marks it
  // in the store afterwards. Winners waiting for the sender's earlier winners must be judged on
  // the chain as it is when their turn comes.

  it("a redemption while winners wait in the queue cannot let them share the paid wei", async () => {
    const winners = new SlowStore();
    winners.slow = false;
    const { reader, recipient } = setup({ maxTicketsPerParams: 10 }, winners);
    const params = makeParams({ winProb: MAX_WIN_PROB });
    const F = params.faceValue;
    reader.funds = { deposit: 2n * F, reserve: 0n, unlockEnd: 0n };
    await recipient.receiveTicket({ signed: await sign(params, 1n), params }); // pending: F
    winners.slow = true;
    const second = recipient.receiveTicket({ signed: await sign(params, 2n), params });
    const third = recipient.receiveTicket({ signed: await sign(params, 3n), params });
    await sleep(5); // the second winner is being stored, the third waits behind it
    reader.funds = { deposit: F, reserve: 0n, unlockEnd: 0n }; // the first is paid on chain…
    const [first] = await winners.list();
    await winners.markRedeemed({ digest: first!.digest, txHash: "0x01" }); // …then in the store
    const results = await Promise.allSettled([second, third]);
    expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected"]);
    expect((results[1] as PromiseRejectedResult).reason).to.be.instanceOf(SenderCannotPayError);
    expect(await winners.pendingFaceValue({ sender, recipient: recipientAddress })).to.equal(F);
  });

  it("a winner that waited past its params' grace is refused, not stored below the mark", async () => {
    const winners = new SlowStore();
    winners.slow = false;
    const { reader, recipient } = setup({ maxTicketsPerParams: 10 }, winners);
    const params = makeParams({ winProb: MAX_WIN_PROB });
    await recipient.receiveTicket({ signed: await sign(params, 12n), params });
    reader.time = params.expirationTime + 60n; // the last second of grace
    winners.slow = true;
    const thirteen = recipient.receiveTicket({ signed: await sign(params, 13n), params });
    const ten = recipient.receiveTicket({ signed: await sign(params, 10n), params });
    await sleep(5);
    reader.time += 1n; // the params close and the redeemer pays nonce 12
    reader.highest = 12n;
    const w12 = (await winners.list()).find((w) => w.ticket.senderNonce === 12n);
    await winners.markRedeemed({ digest: w12!.digest, txHash: "0x02" });
    const results = await Promise.allSettled([thirteen, ten]);
    expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected"]);
    expect((results[1] as PromiseRejectedResult).reason).to.be.instanceOf(
      TicketParamsExpiredOnReceiveError,
    );
    const pendingNonces = (await winners.list({ status: "pending" })).map(
      (w) => w.ticket.senderNonce,
    );
    expect(pendingNonces).to.deep.equal([13n]);
  });

  it("after a restart, a winner paid while the store is read still bounds new nonces", async () => {
    const { reader, winners, recipient } = setup({ maxTicketsPerParams: 10 });
    const params = makeParams({ winProb: MAX_WIN_PROB });
    await recipient.receiveTicket({ signed: await sign(params, 20n), params });
    // The redeemer pays nonce 20 just as the restarted recipient lists the store.
    const list = winners.list.bind(winners);
    let paid = false;
    winners.list = async (filter) => {
      if (!paid) {
        paid = true;
        reader.highest = 20n;
        const [w20] = await list();
        await winners.markRedeemed({ digest: w20!.digest, txHash: "0x03" });
      }
      return list(filter);
    };
    // The restarted process runs with another tag; its params here win for sure.
    const restarted = fixtureRecipient({ reader, winners, policy, runId: `0x${"cd".repeat(8)}` });
    const winning = makeParams({ winProb: MAX_WIN_PROB, seed: `0x${"cd".repeat(32)}` });
    const signed = await sign(winning, 15n);
    expect(await rejects(restarted.receiveTicket({ signed, params: winning }))).to.be.instanceOf(
      TicketBrokerNonceAlreadyRedeemed,
    );
    expect(
      (await winners.list({ status: "pending" })).map((w) => w.ticket.senderNonce),
    ).to.deep.equal([]);
  });
});
