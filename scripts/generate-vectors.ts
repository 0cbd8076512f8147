/**
 * Writes test/vectors/tickets.json: tickets with their EIP-712 digest, signature, recipient
 * rand, draw and win verdict, from fixed keys, so the TypeScript and Solidity tests check the
 * same bytes. Deterministic: running it again rewrites the same file.
 *
 *   npx tsx scripts/generate-vectors.ts
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { keccak256, toUtf8Bytes } from "ethers";

import {
  RawKeyTicketSigner,
  TicketHasher,
  drawValue,
  isWinningTicket,
  recipientRandHash,
  type Ticket,
  type TicketDomain,
} from "../src/index.js";

const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT96 = (1n << 96n) - 1n;

/** A fixed key derived from a label (never a real account). */
function key(label: string): `0x${string}` {
  return keccak256(toUtf8Bytes(`ticket vector key: ${label}`)) as `0x${string}`;
}
function bytes32(label: string): `0x${string}` {
  return keccak256(toUtf8Bytes(label)) as `0x${string}`;
}
function rand(label: string): bigint {
  return BigInt(keccak256(toUtf8Bytes(`ticket vector rand: ${label}`)));
}

export const VECTOR_DOMAIN: TicketDomain = {
  name: "TicketBroker",
  version: "1",
  chainId: 421614n,
  verifyingContract: "0x0000000000000000000000000000000000c0ffee",
};

interface Case {
  name: string;
  signerKey: `0x${string}`;
  /** The sender when the signer is a delegated key; the signer's address otherwise. */
  sender?: `0x${string}`;
  recipient: `0x${string}`;
  faceValue: bigint;
  winProb: bigint;
  senderNonce: bigint;
  rand: bigint;
  expiry: bigint;
  workId: `0x${string}`;
}

const RECIPIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const SAFE = "0x5afe5afe5afe5afe5afe5afe5afe5afe5afe5afe";
const HALF = 1n << 255n;

const CASES: Case[] = [
  {
    name: "typical",
    signerKey: key("gateway"),
    recipient: RECIPIENT,
    faceValue: 10n ** 16n,
    winProb: MAX_UINT256 / 1000n,
    senderNonce: 1n,
    rand: rand("a"),
    expiry: 1_900_000_000n,
    workId: bytes32("segment 1"),
  },
  {
    name: "always wins",
    signerKey: key("gateway"),
    recipient: RECIPIENT,
    faceValue: 10n ** 18n,
    winProb: MAX_UINT256,
    senderNonce: 2n,
    rand: rand("b"),
    expiry: 1_900_000_000n,
    workId: bytes32("segment 2"),
  },
  {
    name: "never wins",
    signerKey: key("gateway"),
    recipient: RECIPIENT,
    faceValue: 10n ** 18n,
    winProb: 0n,
    senderNonce: 3n,
    rand: rand("c"),
    expiry: 1_900_000_000n,
    workId: bytes32("segment 3"),
  },
  {
    name: "half",
    signerKey: key("gateway"),
    recipient: RECIPIENT,
    faceValue: 123_456_789n,
    winProb: HALF,
    senderNonce: 4n,
    rand: rand("d"),
    expiry: 1_900_000_000n,
    workId: bytes32("segment 4"),
  },
  {
    name: "half, other rand",
    signerKey: key("gateway"),
    recipient: RECIPIENT,
    faceValue: 123_456_789n,
    winProb: HALF,
    senderNonce: 4n,
    rand: rand("e"),
    expiry: 1_900_000_000n,
    workId: bytes32("segment 4"),
  },
  {
    name: "largest nonce",
    signerKey: key("gateway"),
    recipient: RECIPIENT,
    faceValue: 1n,
    winProb: HALF,
    senderNonce: MAX_UINT96,
    rand: rand("f"),
    expiry: 1_900_000_000n,
    workId: bytes32("segment 5"),
  },
  {
    name: "zero fields",
    signerKey: key("gateway"),
    recipient: "0x0000000000000000000000000000000000000000",
    faceValue: 0n,
    winProb: 0n,
    senderNonce: 0n,
    rand: 0n,
    expiry: 0n,
    workId: `0x${"00".repeat(32)}`,
  },
  {
    name: "max fields",
    signerKey: key("gateway"),
    recipient: "0xffffffffffffffffffffffffffffffffffffffff",
    faceValue: MAX_UINT256,
    winProb: MAX_UINT256,
    senderNonce: MAX_UINT256,
    rand: MAX_UINT256,
    expiry: MAX_UINT256,
    workId: `0x${"ff".repeat(32)}`,
  },
  {
    name: "delegated key for a contract wallet",
    signerKey: key("hot key"),
    sender: SAFE,
    recipient: RECIPIENT,
    faceValue: 5n * 10n ** 15n,
    winProb: MAX_UINT256 / 3n,
    senderNonce: 77n,
    rand: rand("g"),
    expiry: 1_900_000_000n,
    workId: bytes32("job 9"),
  },
  {
    name: "another sender",
    signerKey: key("gateway 2"),
    recipient: RECIPIENT,
    faceValue: 2n * 10n ** 16n,
    winProb: MAX_UINT256 / 10n,
    senderNonce: 10n,
    rand: rand("h"),
    expiry: 1_800_000_000n,
    workId: bytes32("segment 6"),
  },
];

function main(): void {
  const hasher = new TicketHasher(VECTOR_DOMAIN);
  const vectors = CASES.map((c) => {
    const signer = new RawKeyTicketSigner(c.signerKey);
    const ticket: Ticket = {
      recipient: c.recipient,
      sender: c.sender ?? signer.address,
      faceValue: c.faceValue,
      winProb: c.winProb,
      senderNonce: c.senderNonce,
      recipientRandHash: recipientRandHash(c.rand),
      expiry: c.expiry,
      workId: c.workId,
    };
    const digest = hasher.digestHex(ticket);
    return {
      name: c.name,
      signerKey: c.signerKey,
      signer: signer.address,
      ticket: {
        recipient: ticket.recipient,
        sender: ticket.sender,
        faceValue: ticket.faceValue.toString(),
        winProb: ticket.winProb.toString(),
        senderNonce: ticket.senderNonce.toString(),
        recipientRandHash: ticket.recipientRandHash,
        expiry: ticket.expiry.toString(),
        workId: ticket.workId,
      },
      digest,
      signature: signer.signTicketSync(ticket, hasher),
      recipientRand: c.rand.toString(),
      draw: `0x${drawValue(digest, c.rand).toString(16).padStart(64, "0")}`,
      won: isWinningTicket(digest, c.rand, c.winProb),
    };
  });
  const file = {
    description:
      "EIP-712 ticket vectors: ticket -> digest -> signature -> draw (keccak256(abi.encode(digest, recipientRand))) -> won. Generated by scripts/generate-vectors.ts; uint256 values are decimal strings.",
    domain: {
      name: VECTOR_DOMAIN.name,
      version: VECTOR_DOMAIN.version,
      chainId: VECTOR_DOMAIN.chainId.toString(),
      verifyingContract: VECTOR_DOMAIN.verifyingContract,
      separator: hasher.domainSeparator,
    },
    count: vectors.length,
    vectors,
  };
  const out = join(
    dirname(fileURLToPath(import.meta.url)),
    "..",
    "test",
    "vectors",
    "tickets.json",
  );
  writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`wrote ${vectors.length} vectors to ${out}`);
}

main();
