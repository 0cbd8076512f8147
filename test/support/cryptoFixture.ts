/**
 * Shared set-up for the crypto-core tests: a broker (with its recipient pool) deployed on an
 * in-process chain with a chosen chain id, and random ticket generators.
 */
import { network } from "hardhat";
import fc from "fast-check";

import type { Ticket } from "../../src/index.js";

export const UNLOCK_PERIOD = 3n * 86_400n;
export const ROUND_LENGTH = 86_400n;
export const MAX_UINT256 = (1n << 256n) - 1n;

/** Deploys a recipient pool and broker on a fresh in-process chain with `chainId`. */
export async function deployBroker(chainId?: number) {
  const connection =
    chainId === undefined
      ? await network.create()
      : await network.create({ override: { chainId } });
  const { ethers } = connection;
  const [deployer, poolOwner, recipient, sender, delegate, other] = await ethers.getSigners();
  if (!deployer || !poolOwner || !recipient || !sender || !delegate || !other) {
    throw new Error("the in-process chain has too few accounts");
  }
  const pool = await ethers.deployContract("RecipientPool", [poolOwner.address]);
  await pool.connect(poolOwner).addRecipient(recipient.address);
  const broker = await ethers.deployContract("TicketBroker", [
    await pool.getAddress(),
    UNLOCK_PERIOD,
    ROUND_LENGTH,
  ]);
  return {
    connection,
    ethers,
    broker,
    pool,
    deployer,
    poolOwner,
    recipient,
    sender,
    delegate,
    other,
  };
}

const hexBytes = (n: number) =>
  fc
    .uint8Array({ minLength: n, maxLength: n })
    .map((b) => `0x${Buffer.from(b).toString("hex")}` as `0x${string}`);

/** A 20-byte address (lowercase hex). */
export const arbAddress = hexBytes(20);
/** A bytes32 value. */
export const arbBytes32 = hexBytes(32);
/** A uint256 with extra weight on 0, 1 and 2^256 − 1. */
export const arbUint256 = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: MAX_UINT256 }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, MAX_UINT256, MAX_UINT256 - 1n) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: (1n << 96n) - 1n }) },
);
/** A valid secp256k1 private key. */
export const arbPrivateKey = fc
  .bigInt({ min: 1n, max: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140n })
  .map((k) => `0x${k.toString(16).padStart(64, "0")}` as `0x${string}`);

/** A ticket with every field random. */
export const arbTicket: fc.Arbitrary<Ticket> = fc.record({
  recipient: arbAddress,
  sender: arbAddress,
  faceValue: arbUint256,
  winProb: arbUint256,
  senderNonce: arbUint256,
  recipientRandHash: arbBytes32,
  expiry: arbUint256,
  workId: arbBytes32,
});

/** Ticket as the ethers contract bindings take it (a struct object is accepted as-is). */
export function asStruct(t: Ticket) {
  return {
    recipient: t.recipient,
    sender: t.sender,
    faceValue: t.faceValue,
    winProb: t.winProb,
    senderNonce: t.senderNonce,
    recipientRandHash: t.recipientRandHash,
    expiry: t.expiry,
    workId: t.workId,
  };
}
