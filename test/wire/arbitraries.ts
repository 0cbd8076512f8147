/** fast-check generators of library values in their canonical form, and a sample of each message. */
import fc from "fast-check";

import { checksumLowerHex } from "../../src/internal/address.js";
import type { PaymentMessage } from "../../src/wire/index.js";
import type { TicketParams } from "../../src/ticket/ticketParams.js";
import type { SignedTicket, Ticket } from "../../src/ticket/ticketTypes.js";
import type { WinningTicket } from "../../src/recipient/winnerStore.js";

export const MAX_UINT256 = (1n << 256n) - 1n;
export const MAX_UINT96 = (1n << 96n) - 1n;

const hexOf = (bytes: Uint8Array): `0x${string}` => `0x${Buffer.from(bytes).toString("hex")}`;

/** A checksummed address. */
export const address = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => checksumLowerHex(Buffer.from(b).toString("hex")));
/** 32 bytes as lowercase hex. */
export const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hexOf);
/** 65 bytes as lowercase hex. */
export const signature = fc.uint8Array({ minLength: 65, maxLength: 65 }).map(hexOf);
/** A uint256 biased to its edges. */
export const uint256 = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX_UINT256 }),
  fc.constantFrom(0n, 1n, MAX_UINT256, MAX_UINT256 - 1n),
);
/** A uint96 biased to its edges. */
export const uint96 = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX_UINT96 }),
  fc.constantFrom(0n, MAX_UINT96),
);

export const ticketParams: fc.Arbitrary<TicketParams> = fc.record({
  recipient: address,
  sender: address,
  faceValue: uint256,
  winProb: uint256,
  recipientRandHash: bytes32,
  seed: bytes32,
  expirationTime: uint256,
  ticketExpiry: uint256,
  chainId: uint256,
  verifyingContract: address,
});

export const ticket: fc.Arbitrary<Ticket> = fc.record({
  recipient: address,
  sender: address,
  faceValue: uint256,
  winProb: uint256,
  senderNonce: uint96,
  recipientRandHash: bytes32,
  expiry: uint256,
  workId: bytes32,
});

export const signedTicket: fc.Arbitrary<SignedTicket> = fc.record({ ticket, signature });

export const payment: fc.Arbitrary<PaymentMessage> = fc.record(
  {
    sender: address,
    params: ticketParams,
    tickets: fc.array(signedTicket, { minLength: 1, maxLength: 4 }),
    delegate: address,
  },
  { requiredKeys: ["sender", "params", "tickets"] },
);

export const winner: fc.Arbitrary<WinningTicket> = fc.record({
  ticket,
  signature,
  recipientRand: uint256,
  paramsDeadline: uint256,
  digest: bytes32,
});

/** Fixed sample values (the vector the boundary tests mutate). */
export const SAMPLE_ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
export const SAMPLE_PARAMS: TicketParams = {
  recipient: "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A",
  sender: SAMPLE_ADDRESS,
  faceValue: 10n ** 15n,
  winProb: (1n << 256n) / 1000n,
  recipientRandHash: `0x${"ab".repeat(32)}`,
  seed: `0x${"cd".repeat(32)}`,
  expirationTime: 1_000_300n,
  ticketExpiry: 1_090_000n,
  chainId: 421614n,
  verifyingContract: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
};
export const SAMPLE_TICKET: Ticket = {
  recipient: SAMPLE_PARAMS.recipient,
  sender: SAMPLE_ADDRESS,
  faceValue: SAMPLE_PARAMS.faceValue,
  winProb: SAMPLE_PARAMS.winProb,
  senderNonce: 7n,
  recipientRandHash: SAMPLE_PARAMS.recipientRandHash,
  expiry: SAMPLE_PARAMS.ticketExpiry,
  workId: `0x${"01".repeat(32)}`,
};
export const SAMPLE_SIGNED: SignedTicket = {
  ticket: SAMPLE_TICKET,
  signature: `0x${"11".repeat(64)}1b`,
};
export const SAMPLE_PAYMENT: PaymentMessage = {
  sender: SAMPLE_ADDRESS,
  params: SAMPLE_PARAMS,
  tickets: [SAMPLE_SIGNED, { ...SAMPLE_SIGNED, ticket: { ...SAMPLE_TICKET, senderNonce: 8n } }],
};
export const SAMPLE_WINNER: WinningTicket = {
  ticket: SAMPLE_TICKET,
  signature: SAMPLE_SIGNED.signature,
  recipientRand: 123456789n,
  paramsDeadline: 1_000_300n,
  digest: `0x${"ee".repeat(32)}`,
};
