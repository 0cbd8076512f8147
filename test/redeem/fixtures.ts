/** Winners signed for a fixed domain, and chain states, for the redemption tests without a chain. */
import { AbiCoder, keccak256 } from "ethers";

import { MAX_UINT256, type Hex } from "../../src/internal/bytes.js";
import type { SenderChainState, PlanWinner } from "../../src/redeem/plan.js";
import { RawKeyTicketSigner } from "../../src/ticket/signTicket.js";
import { TicketHasher } from "../../src/ticket/ticketDigest.js";
import type { Ticket } from "../../src/ticket/ticketTypes.js";

export const DOMAIN = {
  name: "TicketBroker",
  version: "1",
  chainId: 31337n,
  verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Hex,
};
export const hasher = new TicketHasher(DOMAIN);
export const senderKey = new RawKeyTicketSigner(`0x${"11".repeat(32)}`);
export const delegateKey = new RawKeyTicketSigner(`0x${"22".repeat(32)}`);
export const otherSenderKey = new RawKeyTicketSigner(`0x${"33".repeat(32)}`);
export const RECIPIENT = "0x90F79bf6EB2c4f870365E785982E1f101E93b906" as Hex;

/** A pending winner of `signer.address` (or of `sender` signed by a delegate). */
export async function winner(args: {
  nonce: bigint;
  faceValue?: bigint;
  expiry?: bigint;
  paramsDeadline?: bigint;
  redeemableAt?: bigint;
  signer?: RawKeyTicketSigner;
  sender?: Hex;
  recipient?: Hex;
  state?: "pending" | "submitted";
  /** Commit to the winner's real rand (7) instead of an unrelated hash. */
  realRandHash?: boolean;
  winProb?: bigint;
}): Promise<PlanWinner> {
  const signer = args.signer ?? senderKey;
  const ticket: Ticket = {
    recipient: args.recipient ?? RECIPIENT,
    sender: args.sender ?? signer.address,
    faceValue: args.faceValue ?? 1000n,
    winProb: args.winProb ?? MAX_UINT256,
    senderNonce: args.nonce,
    recipientRandHash:
      args.realRandHash === true
        ? (keccak256(AbiCoder.defaultAbiCoder().encode(["uint256"], [7n])) as Hex)
        : `0x${"ab".repeat(32)}`,
    expiry: args.expiry ?? 10_000n,
    workId: `0x${"00".repeat(32)}`,
  };
  const signature = await signer.signTicket(ticket, hasher);
  const base = {
    ticket,
    signature,
    recipientRand: 7n,
    paramsDeadline: args.paramsDeadline ?? 100n,
    digest: hasher.digestHex(ticket),
    status: "pending" as const,
    state: args.state ?? ("pending" as const),
  };
  return args.redeemableAt === undefined ? base : { ...base, redeemableAt: args.redeemableAt };
}

/** A locked sender with `deposit`, no reserve, nothing redeemed. */
export function chainState(
  over: Partial<SenderChainState> & { deposit?: bigint } = {},
): SenderChainState {
  return {
    funds: over.funds ?? { deposit: over.deposit ?? 10_000n, reserve: 0n, unlockEnd: 0n },
    claimable: over.claimable ?? 0n,
    highestRedeemedNonce: over.highestRedeemedNonce ?? 0n,
    signerValidUntil: over.signerValidUntil ?? new Map(),
  };
}
