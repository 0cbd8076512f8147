/**
 * Winner store files for the CLI's redeem tests: tickets that always win, 0.1 ETH each, signed
 * with the sender's key, each with a recipientRand derived from its nonce.
 */
import { keccak256, toBeHex } from "ethers";

import type { TicketBroker } from "../../typechain-types/index.js";
import { FileWinnerStore } from "../../src/recipient/fileWinnerStore.js";
import { RawKeyTicketSigner } from "../../src/ticket/signTicket.js";
import { TicketHasher, ticketDigest } from "../../src/ticket/ticketDigest.js";
import { readTicketDomain, type Ticket } from "../../src/ticket/ticketTypes.js";
import { recipientRandHash } from "../../src/ticket/winDraw.js";

/** Face value of every ticket written: 0.1 ETH. */
export const WINNER_FACE_VALUE = 10n ** 17n;

/**
 * Writes a winner into `file` (a FileWinnerStore) for each entry of `deadlines`, in its order:
 * nonce → that winner's params deadline. Every ticket expires at `expiry`.
 */
export async function writeWinners(a: {
  file: string;
  broker: TicketBroker;
  sender: { address: string; privateKey: string };
  recipient: string;
  deadlines: ReadonlyMap<bigint, bigint>;
  expiry: bigint;
}): Promise<void> {
  const domain = await readTicketDomain(a.broker);
  const hasher = new TicketHasher(domain);
  const signer = new RawKeyTicketSigner(a.sender.privateKey as `0x${string}`);
  const store = await FileWinnerStore.open({ file: a.file });
  try {
    for (const [nonce, deadline] of a.deadlines) {
      const recipientRand = BigInt(keccak256(toBeHex(nonce, 32)));
      const ticket: Ticket = {
        recipient: a.recipient as `0x${string}`,
        sender: a.sender.address as `0x${string}`,
        faceValue: WINNER_FACE_VALUE,
        winProb: 2n ** 256n - 1n,
        senderNonce: nonce,
        recipientRandHash: recipientRandHash(recipientRand),
        expiry: a.expiry,
        workId: keccak256(toBeHex(100n + nonce, 32)) as `0x${string}`,
      };
      await store.add({
        ticket,
        signature: await signer.signTicket(ticket, hasher),
        recipientRand,
        paramsDeadline: deadline,
        digest: ticketDigest(ticket, domain),
      });
    }
  } finally {
    await store.close();
  }
}
