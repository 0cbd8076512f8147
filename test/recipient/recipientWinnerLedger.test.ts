import { expect } from "chai";

import { MemoryWinnerStore } from "../../src/recipient/winnerStore.js";
import { recipientAddress, senderSigner, storeTestWinner } from "../support/flowFixtures.js";

const sender = senderSigner.address;
const other = "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB" as const;

describe("WinnerLedger: pending face value index", () => {
  it("follows every status change: failures keep a winner pending, payment or giving up removes it once", async () => {
    const store = new MemoryWinnerStore();
    const pending = () => store.pendingFaceValue({ sender, recipient: recipientAddress });
    const [a, b, c] = [1n, 2n, 3n].map((n) => storeTestWinner(n, { faceValue: 100n * n }));
    await store.add(a!);
    await store.add(b!);
    await store.add(c!);
    await store.add(b!); // the same digest again changes nothing
    expect(await pending()).to.equal(600n);
    await store.recordFailure({ digest: a!.digest, code: "X", message: "transient" });
    expect(await pending()).to.equal(600n);
    await store.markRedeemed({ digest: a!.digest, txHash: "0x01" });
    await store.markRedeemed({ digest: a!.digest, txHash: "0x01" });
    expect(await pending()).to.equal(500n);
    await store.markUnredeemable({ digest: c!.digest, code: "Y", message: "expired" });
    await store.markRedeemed({ digest: c!.digest, txHash: "0x02" });
    expect(await pending()).to.equal(200n);
    // Case-insensitive, and per (sender, recipient).
    expect(
      await store.pendingFaceValue({
        sender: sender.toLowerCase() as `0x${string}`,
        recipient: recipientAddress.toUpperCase().replace("0X", "0x") as `0x${string}`,
      }),
    ).to.equal(200n);
    expect(await store.pendingFaceValue({ sender: other, recipient: recipientAddress })).to.equal(
      0n,
    );
    expect(await store.pendingFaceValue({ sender, recipient: other })).to.equal(0n);
  });

  it("lists a sender's winners from its own index, in insertion order, with the status filter", async () => {
    const store = new MemoryWinnerStore();
    const mine = [5n, 1n, 3n].map((n) => storeTestWinner(n));
    const theirs = storeTestWinner(9n);
    const foreign = { ...theirs, ticket: { ...theirs.ticket, sender: other } };
    await store.add(mine[0]!);
    await store.add(foreign);
    await store.add(mine[1]!);
    await store.add(mine[2]!);
    await store.markRedeemed({ digest: mine[1]!.digest, txHash: "0x01" });
    const nonces = (ws: { ticket: { senderNonce: bigint } }[]) =>
      ws.map((w) => w.ticket.senderNonce);
    expect(nonces(await store.list({ sender }))).to.deep.equal([5n, 1n, 3n]);
    expect(
      nonces(
        await store.list({ sender: sender.toLowerCase() as `0x${string}`, status: "pending" }),
      ),
    ).to.deep.equal([5n, 3n]);
    expect(nonces(await store.list({ sender: other }))).to.deep.equal([9n]);
    expect(nonces(await store.list({ status: "pending" }))).to.deep.equal([5n, 9n, 3n]);
    expect(nonces(await store.list())).to.deep.equal([5n, 9n, 1n, 3n]);
  });

  it("answers in constant time with 100,000 winners stored", async () => {
    const store = new MemoryWinnerStore();
    for (let i = 1; i <= 100_000; i++) await store.add(storeTestWinner(BigInt(i)));
    const start = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++)
      await store.pendingFaceValue({ sender, recipient: recipientAddress });
    // A scan of 100,000 winners per call would take minutes for 10,000 calls.
    expect(Number(process.hrtime.bigint() - start) / 1e6).to.be.below(1_000);
    expect(await store.pendingFaceValue({ sender, recipient: recipientAddress })).to.equal(
      100_000n * 1000n,
    );
  });
});
