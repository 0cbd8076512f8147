/**
 * The full on-chain flow through the generated TypeChain bindings: deploy the pool and the
 * broker, fund a sender, redeem winning tickets singly and in a batch, pay from the reserve,
 * unlock and withdraw; with the events and custom errors a client sees.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { network } from "hardhat";

import { TICKET_EIP712_TYPES } from "../../src/ticket/ticketTypes.js";
import { RecipientPool__factory, TicketBroker__factory } from "../../typechain-types/index.js";
import type { RecipientPool, TicketBroker } from "../../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();

/** The SignedTicket struct as the generated binding types it. */
type SignedTicketArg = Extract<
  Parameters<TicketBroker["redeemWinningTickets"]>[0],
  readonly unknown[]
>[number];
type TicketArg = SignedTicketArg["ticket"];

const UNLOCK_PERIOD = 86_400n;
const ROUND_LENGTH = 3_600n;
const MAX_WIN_PROB = (1n << 256n) - 1n;
const ETH = 10n ** 18n;

/** The one EIP-712 Ticket type definition, in the mutable form ethers' signTypedData takes. */
const TICKET_TYPES = { Ticket: TICKET_EIP712_TYPES.Ticket.map((field) => ({ ...field })) };

async function deployFixture() {
  const [owner, gateway, orchestrator, other, stranger] = await ethers.getSigners();
  if (!owner || !gateway || !orchestrator || !other || !stranger) throw new Error("signers");
  const pool: RecipientPool = await new RecipientPool__factory(owner).deploy(owner.address);
  const broker: TicketBroker = await new TicketBroker__factory(owner).deploy(
    await pool.getAddress(),
    UNLOCK_PERIOD,
    ROUND_LENGTH,
  );
  return { pool, broker, owner, gateway, orchestrator, other, stranger };
}

const rand = BigInt(ethers.id("orchestrator secret"));
const randHash = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [rand]));

async function signedTicket(
  broker: TicketBroker,
  sender: HardhatEthersSigner,
  recipient: HardhatEthersSigner,
  fields: { faceValue: bigint; senderNonce: bigint; winProb?: bigint },
): Promise<SignedTicketArg & { ticket: TicketArg }> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = {
    name: "TicketBroker",
    version: "1",
    chainId,
    verifyingContract: await broker.getAddress(),
  };
  const ticket = {
    recipient: recipient.address,
    sender: sender.address,
    faceValue: fields.faceValue,
    winProb: fields.winProb ?? MAX_WIN_PROB,
    senderNonce: fields.senderNonce,
    recipientRandHash: randHash,
    expiry: BigInt(await networkHelpers.time.latest()) + 600n,
    workId: ethers.id(`segment ${fields.senderNonce}`),
  };
  const signature = await sender.signTypedData(domain, TICKET_TYPES, ticket);
  return { ticket, signature, recipientRand: rand };
}

describe("TicketBroker full flow through the typed bindings", function () {
  it("reads its domain through EIP-5267 and digests tickets as EIP-712 typed data", async function () {
    const { broker, gateway, orchestrator } = await networkHelpers.loadFixture(deployFixture);
    const domain = await broker.eip712Domain();
    expect(domain.name).to.equal("TicketBroker");
    expect(domain.version).to.equal("1");
    expect(domain.verifyingContract).to.equal(await broker.getAddress());
    const { ticket } = await signedTicket(broker, gateway, orchestrator, {
      faceValue: 1n,
      senderNonce: 1n,
    });
    const expected = ethers.TypedDataEncoder.hash(
      {
        name: domain.name,
        version: domain.version,
        chainId: domain.chainId,
        verifyingContract: domain.verifyingContract,
      },
      TICKET_TYPES,
      ticket,
    );
    expect(await broker.getTicketDigest(ticket)).to.equal(expected);
  });

  it("funds, redeems from the deposit, redeems a batch with one failure, and withdraws", async function () {
    const { broker, gateway, orchestrator } = await networkHelpers.loadFixture(deployFixture);
    const face = ETH / 100n;

    const funding = await broker
      .connect(gateway)
      .fundDepositAndReserve(ETH, ETH / 2n, { value: ETH + ETH / 2n });
    await expect(funding)
      .to.emit(broker, "DepositFunded")
      .withArgs(gateway.address, gateway.address, ETH);
    await expect(funding)
      .to.emit(broker, "ReserveFunded")
      .withArgs(gateway.address, gateway.address, ETH / 2n);

    const one = await signedTicket(broker, gateway, orchestrator, {
      faceValue: face,
      senderNonce: 1n,
    });
    const redemption = await broker
      .connect(orchestrator)
      .redeemWinningTicket(one.ticket, one.signature, one.recipientRand);
    await expect(redemption)
      .to.emit(broker, "WinningTicketRedeemed")
      .withArgs(gateway.address, orchestrator.address, 1n, face);
    await expect(redemption).to.changeEtherBalances(ethers, [orchestrator, broker], [face, -face]);
    expect(await broker.highestRedeemedNonce(gateway.address, orchestrator.address)).to.equal(1n);

    // A batch: nonces 2 and 4 win; nonce 3 never wins (winProb 0) and is reported, not reverted.
    const batch = [
      await signedTicket(broker, gateway, orchestrator, { faceValue: face, senderNonce: 2n }),
      await signedTicket(broker, gateway, orchestrator, {
        faceValue: face,
        senderNonce: 3n,
        winProb: 0n,
      }),
      await signedTicket(broker, gateway, orchestrator, { faceValue: face, senderNonce: 4n }),
    ];
    const paid = await broker.connect(orchestrator).redeemWinningTickets.staticCall(batch);
    expect(paid).to.equal(2n * face);
    const tx = await broker.connect(orchestrator).redeemWinningTickets(batch);
    await expect(tx).to.changeEtherBalance(ethers, orchestrator, 2n * face);
    const receipt = await tx.wait();
    const failures = receipt!.logs
      .map((log) => broker.interface.parseLog(log))
      .filter((parsed) => parsed?.name === "TicketRedemptionFailed");
    expect(failures).to.have.length(1);
    expect(failures[0]!.args.index).to.equal(1n);
    expect(failures[0]!.args.senderNonce).to.equal(3n);
    const reason = broker.interface.parseError(failures[0]!.args.reason as string);
    expect(reason?.name).to.equal("TicketBrokerTicketNotWinning");
    expect(await broker.highestRedeemedNonce(gateway.address, orchestrator.address)).to.equal(4n);

    // The sender leaves: unlock, wait the whole period, withdraw what is left.
    await broker.connect(gateway).unlock();
    const info = await broker.getSenderInfo(gateway.address);
    // The withdrawal mined one second before the end is refused; at the end it succeeds.
    await networkHelpers.time.setNextBlockTimestamp(info.unlockEnd - 1n);
    await expect(broker.connect(gateway).withdraw()).to.be.revertedWithCustomError(
      broker,
      "TicketBrokerUnlockPending",
    );
    await networkHelpers.time.setNextBlockTimestamp(info.unlockEnd);
    const left = ETH - 3n * face + ETH / 2n;
    const withdrawal = await broker.connect(gateway).withdraw();
    await expect(withdrawal)
      .to.emit(broker, "Withdrawn")
      .withArgs(gateway.address, ETH - 3n * face, ETH / 2n);
    await expect(withdrawal).to.changeEtherBalances(ethers, [gateway, broker], [left, -left]);
    expect(await ethers.provider.getBalance(await broker.getAddress())).to.equal(0n);
  });

  it("pays the rest from the reserve allocation and refuses what the allocation cannot cover", async function () {
    const { pool, broker, gateway, orchestrator, other } =
      await networkHelpers.loadFixture(deployFixture);
    await pool.addRecipient(orchestrator.address);
    await pool.addRecipient(other.address);
    const deposit = 100n;
    const reserve = 1_000n;
    await broker
      .connect(gateway)
      .fundDepositAndReserve(deposit, reserve, { value: deposit + reserve });
    // Two eligible recipients: each may take 500 of the reserve this round.
    expect(await broker.claimableReserve(gateway.address, orchestrator.address)).to.equal(500n);

    const tooBig = await signedTicket(broker, gateway, orchestrator, {
      faceValue: deposit + 501n,
      senderNonce: 1n,
    });
    await expect(
      broker
        .connect(orchestrator)
        .redeemWinningTicket(tooBig.ticket, tooBig.signature, tooBig.recipientRand),
    )
      .to.be.revertedWithCustomError(broker, "TicketBrokerInsufficientFunds")
      .withArgs(gateway.address, deposit + 500n, deposit + 501n);

    const exact = await signedTicket(broker, gateway, orchestrator, {
      faceValue: deposit + 500n,
      senderNonce: 1n,
    });
    const claim = await broker
      .connect(orchestrator)
      .redeemWinningTicket(exact.ticket, exact.signature, exact.recipientRand);
    await expect(claim)
      .to.emit(broker, "ReserveClaimed")
      .withArgs(gateway.address, orchestrator.address, 500n);
    await expect(claim).to.changeEtherBalance(ethers, orchestrator, deposit + 500n);
    expect(await broker.claimableReserve(gateway.address, orchestrator.address)).to.equal(0n);
    expect(await broker.claimableReserve(gateway.address, other.address)).to.equal(500n);
    const info = await broker.getSenderInfo(gateway.address);
    expect(info.deposit).to.equal(0n);
    expect(info.reserve).to.equal(500n);
  });

  it("refuses a ticket from anyone but its recipient, with the caller and recipient in the error", async function () {
    const { broker, gateway, orchestrator, stranger } =
      await networkHelpers.loadFixture(deployFixture);
    await broker.connect(gateway).fundDeposit({ value: ETH });
    const t = await signedTicket(broker, gateway, orchestrator, { faceValue: 1n, senderNonce: 1n });
    await expect(
      broker.connect(stranger).redeemWinningTicket(t.ticket, t.signature, t.recipientRand),
    )
      .to.be.revertedWithCustomError(broker, "TicketBrokerCallerNotRecipient")
      .withArgs(stranger.address, orchestrator.address);
  });

  it("lets a third party fund a sender without touching the sender's unlock", async function () {
    const { broker, gateway, stranger } = await networkHelpers.loadFixture(deployFixture);
    await broker.connect(gateway).fundDeposit({ value: ETH });
    await broker.connect(gateway).unlock();
    const before = await broker.getSenderInfo(gateway.address);
    await expect(
      broker.connect(stranger).fundDepositAndReserveFor(gateway.address, 1n, 2n, { value: 3n }),
    ).not.to.emit(broker, "UnlockCancelled");
    const after = await broker.getSenderInfo(gateway.address);
    expect(after.unlockEnd).to.equal(before.unlockEnd);
    expect(after.deposit).to.equal(ETH + 1n);
    expect(after.reserve).to.equal(2n);
    // The sender's own funding cancels it.
    await expect(broker.connect(gateway).fundReserve({ value: 1n })).to.emit(
      broker,
      "UnlockCancelled",
    );
    expect(await broker.isUnlockInProgress(gateway.address)).to.equal(false);
  });
});
