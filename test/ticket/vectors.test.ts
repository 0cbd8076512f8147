/**
 * The shared ticket vectors (test/vectors/tickets.json, read by the Solidity test too) checked
 * against the library and, independently, against ethers.
 */
import { readFileSync } from "node:fs";

import { expect } from "chai";
import { AbiCoder, TypedDataEncoder, Wallet, keccak256 } from "ethers";

import {
  RawKeyTicketSigner,
  TICKET_EIP712_TYPES,
  TicketHasher,
  drawValue,
  isWinningTicket,
  recipientRandHash,
  recoverTicketSigner,
  validateTicket,
  type Ticket,
  type TicketDomain,
} from "../../src/index.js";

interface VectorFile {
  domain: {
    name: string;
    version: string;
    chainId: string;
    verifyingContract: `0x${string}`;
    separator: string;
  };
  count: number;
  vectors: Array<{
    name: string;
    signerKey: `0x${string}`;
    signer: `0x${string}`;
    ticket: Record<keyof Ticket, string>;
    digest: `0x${string}`;
    signature: `0x${string}`;
    recipientRand: string;
    draw: `0x${string}`;
    won: boolean;
  }>;
}

const file = JSON.parse(
  readFileSync(new URL("../vectors/tickets.json", import.meta.url), "utf8"),
) as VectorFile;
const domain: TicketDomain = {
  name: file.domain.name,
  version: file.domain.version,
  chainId: BigInt(file.domain.chainId),
  verifyingContract: file.domain.verifyingContract,
};
const ETHERS_TYPES = { Ticket: TICKET_EIP712_TYPES.Ticket.map((f) => ({ ...f })) };

function ticketOf(v: VectorFile["vectors"][number]): Ticket {
  const t = v.ticket;
  return {
    recipient: t.recipient as `0x${string}`,
    sender: t.sender as `0x${string}`,
    faceValue: BigInt(t.faceValue),
    winProb: BigInt(t.winProb),
    senderNonce: BigInt(t.senderNonce),
    recipientRandHash: t.recipientRandHash as `0x${string}`,
    expiry: BigInt(t.expiry),
    workId: t.workId as `0x${string}`,
  };
}

describe("shared ticket vectors", function () {
  it("has both winners and losers", function () {
    expect(file.vectors).to.have.length(file.count);
    expect(file.vectors.some((v) => v.won)).to.equal(true);
    expect(file.vectors.some((v) => !v.won)).to.equal(true);
  });

  it("the library reproduces every digest, signature, draw and verdict", function () {
    const hasher = new TicketHasher(domain);
    expect(hasher.domainSeparator).to.equal(file.domain.separator);
    for (const v of file.vectors) {
      const t = ticketOf(v);
      const rand = BigInt(v.recipientRand);
      const signer = new RawKeyTicketSigner(v.signerKey);
      expect(signer.address, v.name).to.equal(v.signer);
      expect(recipientRandHash(rand), v.name).to.equal(t.recipientRandHash);
      expect(hasher.digestHex(t), v.name).to.equal(v.digest);
      expect(signer.signTicketSync(t, hasher), v.name).to.equal(v.signature);
      expect(recoverTicketSigner(hasher.digest(t), v.signature), v.name).to.equal(v.signer);
      expect(drawValue(v.digest, rand), v.name).to.equal(BigInt(v.draw));
      expect(isWinningTicket(v.digest, rand, t.winProb), v.name).to.equal(v.won);
    }
  });

  it("ethers computes the same digests, signatures and draws", async function () {
    const abi = AbiCoder.defaultAbiCoder();
    for (const v of file.vectors) {
      const t = ticketOf(v);
      const rand = BigInt(v.recipientRand);
      expect(TypedDataEncoder.hash(domain, ETHERS_TYPES, t), v.name).to.equal(v.digest);
      expect(await new Wallet(v.signerKey).signTypedData(domain, ETHERS_TYPES, t), v.name).to.equal(
        v.signature,
      );
      expect(keccak256(abi.encode(["uint256"], [rand])), v.name).to.equal(t.recipientRandHash);
      const draw = BigInt(keccak256(abi.encode(["bytes32", "uint256"], [v.digest, rand])));
      expect(draw, v.name).to.equal(BigInt(v.draw));
      expect(draw < t.winProb, v.name).to.equal(v.won);
    }
  });

  it("validateTicket accepts the well-formed vectors with their verdict", function () {
    const hasher = new TicketHasher(domain);
    const valid = file.vectors.filter((v) => {
      const t = ticketOf(v);
      return t.senderNonce > 0n && t.senderNonce < 1n << 96n && t.expiry >= 1_700_000_000n;
    });
    expect(valid.length).to.be.greaterThan(5);
    for (const v of valid) {
      const t = ticketOf(v);
      const result = validateTicket({
        signed: { ticket: t, signature: v.signature },
        hasher,
        recipientRand: BigInt(v.recipientRand),
        now: 1_700_000_000n,
        caller: t.recipient,
        highestRedeemedNonce: 0n,
        signerValidUntil: (s) => (s === v.signer ? t.expiry : 0n),
      });
      expect(result.won, v.name).to.equal(v.won);
      expect(result.signer.toLowerCase(), v.name).to.equal(v.signer.toLowerCase());
    }
  });
});
