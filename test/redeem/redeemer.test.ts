/**
 * End to end on the in-process chain: a gateway (TicketSender with a delegated key and a file
 * nonce store) pays an orchestrator (Recipient with a file winner store), which redeems its
 * winners in nonce order once their params expired, across a simulated restart.
 */
import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";

import { ContractBrokerReader } from "../../src/chain/brokerReader.js";
import {
  TicketBrokerNonceAlreadyRedeemed,
  TicketBrokerRandMismatch,
} from "../../src/contract/contractErrors.js";
import { FileWinnerStore } from "../../src/recipient/fileWinnerStore.js";
import { Recipient } from "../../src/recipient/recipient.js";
import { ContractRedemptionClient, Redeemer } from "../../src/redeem/redeemer.js";
import { FileNonceStore } from "../../src/sender/fileNonceStore.js";
import { NonceAllocator } from "../../src/sender/nonceAllocator.js";
import { TicketSender } from "../../src/sender/ticketSender.js";
import { RawKeyTicketSigner } from "../../src/ticket/signTicket.js";
import { TicketHasher } from "../../src/ticket/ticketDigest.js";
import { readTicketDomain } from "../../src/ticket/ticketTypes.js";
import { RecipientPool__factory, TicketBroker__factory } from "../../typechain-types/index.js";

describe("sender → recipient → redeem on the in-process chain", function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "flows-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("pays, validates, stores winners durably and redeems them in nonce order after their params expire", async () => {
    const { ethers, networkHelpers } = await network.create();
    const [deployer, gateway, orchestrator] = await ethers.getSigners();
    if (deployer === undefined || gateway === undefined || orchestrator === undefined)
      throw new Error("no signers");
    const pool = await new RecipientPool__factory(deployer).deploy(deployer.address);
    const broker = await new TicketBroker__factory(deployer).deploy(
      await pool.getAddress(),
      3600n,
      86_400n,
    );
    await broker.connect(gateway).fundDeposit({ value: 10n ** 17n });
    // The gateway signs with a delegated hot key.
    const delegate = new RawKeyTicketSigner(`0x${"42".repeat(32)}`);
    await broker.connect(gateway).authorizeSigner(delegate.address);

    const domain = await readTicketDomain(broker);
    const hasher = new TicketHasher(domain);
    const reader = new ContractBrokerReader({ broker });
    const sender = gateway.address as `0x${string}`;
    const recipientAddress = orchestrator.address as `0x${string}`;
    const storeFile = path.join(dir, "winners.jsonl");
    let winners = await FileWinnerStore.open({ file: storeFile });
    const recipient = new Recipient({
      address: recipientAddress,
      secret: new Uint8Array(32).fill(9),
      hasher,
      reader,
      winners,
      policy: {
        redeemGas: 100_000n,
        targetEV: 10n ** 12n,
        paramsLifetime: 300n,
        graceSeconds: 30n,
      },
    });
    const gatewaySender = new TicketSender({
      sender,
      signer: delegate,
      hasher,
      domain,
      reader,
      nonces: new NonceAllocator({
        store: new FileNonceStore({ directory: path.join(dir, "nonces"), blockSize: 4n }),
      }),
      limits: { maxTotalEV: 10n ** 16n, depositMultiplier: 10n },
    });

    const gasPrice = 10n ** 8n;
    const faceValue = 100_000n * gasPrice * 100n;
    // Params A: every ticket wins (EV one wei under the face value). Params B: about 1 in 1000.
    const paramsA = await recipient.issueParams({ sender, gasPrice, targetEV: faceValue - 1n });
    expect(paramsA.faceValue).to.equal(faceValue);
    await gatewaySender.acceptParams(paramsA);
    const payA = await gatewaySender.pay({
      params: paramsA,
      amount: 3n * (faceValue - 1n),
      workId: `0x${"aa".repeat(32)}`,
    });
    expect(payA.tickets.map((t) => t.ticket.senderNonce)).to.deep.equal([1n, 2n, 3n]);

    const paramsB = await recipient.issueParams({ sender, gasPrice });
    await gatewaySender.acceptParams(paramsB);
    const payB = await gatewaySender.pay({
      params: paramsB,
      amount: 2n * 10n ** 12n,
      workId: `0x${"bb".repeat(32)}`,
    });
    expect(payB.tickets.map((t) => t.ticket.senderNonce)).to.deep.equal([4n, 5n]);

    // Received out of order; each verdict agrees with the contract's draw.
    const received = [...payA.tickets, ...payB.tickets].reverse();
    let wonCount = 0;
    const wonNonces: bigint[] = [];
    for (const signed of received) {
      const params =
        signed.ticket.recipientRandHash === paramsA.recipientRandHash ? paramsA : paramsB;
      const { won, ev } = await recipient.receiveTicket({ signed, params });
      expect(ev.cmp(0n)).to.equal(1);
      const stored = (await winners.list()).find(
        (w) => w.digest === hasher.digestHex(signed.ticket),
      );
      if (won) {
        wonCount++;
        wonNonces.push(signed.ticket.senderNonce);
        expect(await broker.isWinningTicket(signed.ticket, stored?.recipientRand ?? 0n)).to.equal(
          true,
        );
      } else {
        expect(stored).to.equal(undefined);
      }
    }
    expect(wonCount).to.be.at.least(3);

    const redeemer = (store: FileWinnerStore) =>
      new Redeemer({
        recipient: recipientAddress,
        store,
        reader,
        client: new ContractRedemptionClient({ broker: broker.connect(orchestrator) }),
        graceSeconds: recipient.graceSeconds,
      });

    // Before the params expire nothing is redeemed: a lower nonce could still arrive.
    const early = await redeemer(winners).redeemDue();
    expect(early.redeemed).to.have.length(0);
    expect(early.waiting).to.equal(wonCount);

    // Simulated restart: the winners come back from the file.
    await winners.close();
    winners = await FileWinnerStore.open({ file: storeFile });
    expect(await winners.list({ status: "pending" })).to.have.length(wonCount);

    await networkHelpers.time.increaseTo(paramsB.expirationTime + recipient.graceSeconds + 1n);
    const balanceBefore = await ethers.provider.getBalance(orchestrator.address);
    const report = await redeemer(winners).redeemDue();
    // Ascending nonce order, whatever order they arrived in.
    expect(report.redeemed.map((r) => r.winner.ticket.senderNonce)).to.deep.equal(
      wonNonces.slice().sort((a, b) => (a < b ? -1 : 1)),
    );
    expect(report.paid).to.equal(BigInt(wonCount) * faceValue);
    expect(report.unredeemable).to.have.length(0);
    expect(await broker.highestRedeemedNonce(sender, recipientAddress)).to.equal(
      report.redeemed.reduce(
        (m, r) => (r.winner.ticket.senderNonce > m ? r.winner.ticket.senderNonce : m),
        0n,
      ),
    );
    const balanceAfter = await ethers.provider.getBalance(orchestrator.address);
    expect(balanceAfter - balanceBefore).to.be.greaterThan(report.paid - 10n ** 15n);
    expect((await broker.getSenderInfo(sender)).deposit).to.equal(10n ** 17n - report.paid);

    // The statuses survive another restart.
    await winners.close();
    winners = await FileWinnerStore.open({ file: storeFile });
    expect(await winners.list({ status: "redeemed" })).to.have.length(wonCount);
    expect(await winners.list({ status: "pending" })).to.have.length(0);

    // Reverts and batch failures are decoded into the contract's error classes.
    const client = new ContractRedemptionClient({ broker: broker.connect(orchestrator) });
    const [first] = await winners.list({ status: "redeemed" });
    if (first === undefined) throw new Error("no redeemed winner");
    const single = await client.redeem([first]);
    expect(single.failures.get(0)).to.be.instanceOf(TicketBrokerNonceAlreadyRedeemed);
    const batch = await client.redeem([
      first,
      { ...first, recipientRand: first.recipientRand + 1n },
    ]);
    expect(batch.txHash).to.be.a("string");
    expect(batch.failures.get(0)).to.be.instanceOf(TicketBrokerNonceAlreadyRedeemed);
    expect(batch.failures.get(1)).to.be.instanceOf(TicketBrokerRandMismatch);
    await winners.close();
  });
});
