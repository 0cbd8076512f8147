import { expect } from "chai";

import {
  TicketNonceBelowClosedParamsError,
  TicketNonceReusedError,
  TicketParamsFromEarlierRunError,
  TicketParamsNonceLimitError,
} from "../../src/recipient/errors.js";
import { ReplayPolicy } from "../../src/recipient/replayPolicy.js";
import { MemoryReplayStore } from "../../src/recipient/replayStore.js";
import type { StoredWinner } from "../../src/recipient/winnerStore.js";
import {
  FIXTURE_RUN_ID,
  makeParams,
  recipientAddress,
  senderSigner,
  storeTestWinner,
} from "../support/flowFixtures.js";
import { rejects } from "../support/rejects.js";

const sender = senderSigner.address;
const params = makeParams(); // expirationTime 1,000,300
const otherRun = makeParams({ seed: `0x${"cd".repeat(32)}` });

function policy(store = new MemoryReplayStore()) {
  return {
    store,
    replay: new ReplayPolicy({
      store,
      recipient: recipientAddress,
      runId: FIXTURE_RUN_ID,
      graceSeconds: 60n,
      maxTicketsPerParams: 2,
    }),
  };
}

describe("ReplayPolicy (no chain)", () => {
  it("refuses params of an earlier run over a store that forgets, not over a durable one", () => {
    expect(() => policy().replay.checkRun(otherRun)).to.throw(TicketParamsFromEarlierRunError);
    policy().replay.checkRun(params);
    policy(new MemoryReplayStore({ durable: true })).replay.checkRun(otherRun);
  });

  it("turns each refusal into the recipient's error, and the undo frees the nonce", async () => {
    const { replay } = policy();
    const now = 1_000_000n;
    const undo = await replay.record({ sender, params, nonce: 5n, now });
    expect(await rejects(replay.record({ sender, params, nonce: 5n, now }))).to.be.instanceOf(
      TicketNonceReusedError,
    );
    await replay.record({ sender, params, nonce: 6n, now });
    expect(await rejects(replay.record({ sender, params, nonce: 7n, now }))).to.be.instanceOf(
      TicketParamsNonceLimitError,
    );
    await undo();
    await replay.record({ sender, params, nonce: 5n, now });
    // The params close at deadline + grace: later params must go above their highest nonce.
    const later = makeParams({ seed: `${FIXTURE_RUN_ID}${"ef".repeat(24)}` as `0x${string}` });
    const err = await rejects(
      replay.record({ sender, params: later, nonce: 6n, now: params.expirationTime + 61n }),
    );
    expect(err).to.be.instanceOf(TicketNonceBelowClosedParamsError);
    expect((err as TicketNonceBelowClosedParamsError).details["floor"]).to.equal(6n);
  });

  it("folds live pending winners of this recipient into the floor, once per process", async () => {
    const { replay, store } = policy();
    const now = 1_000_000n;
    const live = { ...storeTestWinner(40n), status: "pending" } as StoredWinner;
    const expired = {
      ...storeTestWinner(90n, { expiry: now - 1n }),
      status: "pending",
    } as StoredWinner;
    const foreign = storeTestWinner(80n);
    const other = {
      ...foreign,
      ticket: { ...foreign.ticket, recipient: sender },
      status: "pending",
    } as StoredWinner;
    expect(replay.winnersFolded(sender)).to.equal(false);
    await replay.foldWinners(sender, [live, expired, other], now);
    expect(replay.winnersFolded(sender)).to.equal(true);
    expect(await store.floor({ recipient: recipientAddress, sender, now })).to.equal(40n);
    const higher = { ...storeTestWinner(70n), status: "pending" } as StoredWinner;
    await replay.foldWinners(sender, [higher], now);
    expect(await store.floor({ recipient: recipientAddress, sender, now })).to.equal(40n);
  });

  it("prunes the store at most once a minute of chain time", async () => {
    const store = new MemoryReplayStore();
    const calls: bigint[] = [];
    const prune = store.prune.bind(store);
    store.prune = (before: bigint) => {
      calls.push(before);
      return prune(before);
    };
    const { replay } = policy(store);
    let nonce = 1n;
    for (const now of [1_000_000n, 1_000_030n, 1_000_059n, 1_000_060n, 1_000_100n]) {
      const fresh = makeParams({
        seed: `${FIXTURE_RUN_ID}${nonce.toString(16).padStart(48, "0")}` as `0x${string}`,
        expirationTime: now + 300n,
      });
      await replay.record({ sender, params: fresh, nonce: nonce++, now });
    }
    expect(calls).to.deep.equal([1_000_000n, 1_000_060n]);
  });
});
