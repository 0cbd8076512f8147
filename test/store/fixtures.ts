/** Shared values for the store tests. */
import { createHash } from "node:crypto";

import type { WinningTicket } from "../../src/recipient/winnerStore.js";

export const SENDER = "0x1111111111111111111111111111111111111111" as const;
export const SENDER_B = "0x3333333333333333333333333333333333333333" as const;
export const RECIPIENT = "0x2222222222222222222222222222222222222222" as const;
export const RECIPIENT_B = "0x4444444444444444444444444444444444444444" as const;

/** 32 bytes of hex derived from a label. */
export function hex32(label: string): `0x${string}` {
  return `0x${createHash("sha256").update(label).digest("hex")}`;
}

/** A winning ticket whose digest is derived from `label`. */
export function winner(
  label: string,
  options: {
    sender?: `0x${string}`;
    recipient?: `0x${string}`;
    faceValue?: bigint;
    nonce?: bigint;
  } = {},
): WinningTicket {
  return {
    ticket: {
      recipient: options.recipient ?? RECIPIENT,
      sender: options.sender ?? SENDER,
      faceValue: options.faceValue ?? 1_000_000_000_000_000n,
      winProb: (1n << 255n) + 7n,
      senderNonce: options.nonce ?? 1n,
      recipientRandHash: hex32(`rand-hash-${label}`),
      expiry: 1_900_000_000n,
      workId: hex32(`work-${label}`),
    },
    signature: `0x${"ab".repeat(65)}`,
    recipientRand: BigInt(hex32(`rand-${label}`)),
    paramsDeadline: 1_800_000_000n,
    digest: hex32(`digest-${label}`),
  };
}

export { rejects } from "../support/rejects.js";
