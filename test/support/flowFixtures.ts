import type { BrokerReader, SenderFunds } from "../../src/chain/brokerReader.js";
import { deriveRecipientRand } from "../../src/recipient/recipientRand.js";
import { RawKeyTicketSigner } from "../../src/ticket/signTicket.js";
import { TicketHasher } from "../../src/ticket/ticketDigest.js";
import type { TicketParams } from "../../src/ticket/ticketParams.js";
import type { TicketDomain } from "../../src/ticket/ticketTypes.js";
import { recipientRandHash } from "../../src/ticket/winDraw.js";
import { Recipient, type RecipientPolicy } from "../../src/recipient/recipient.js";
import {
  MemoryWinnerStore,
  type WinnerStore,
  type WinningTicket,
} from "../../src/recipient/winnerStore.js";

/** Fixed keys and a domain for the flow tests (not secrets: test-only values). */
export const SENDER_KEY = `0x${"11".repeat(32)}` as const;
export const DELEGATE_KEY = `0x${"22".repeat(32)}` as const;
export const RECIPIENT_KEY = `0x${"33".repeat(32)}` as const;
export const SECRET = new Uint8Array(32).fill(7);
export const BROKER = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;

export const domain: TicketDomain = {
  name: "TicketBroker",
  version: "1",
  chainId: 421614n,
  verifyingContract: BROKER,
};

export const senderSigner = new RawKeyTicketSigner(SENDER_KEY);
export const delegateSigner = new RawKeyTicketSigner(DELEGATE_KEY);
export const recipientAddress = new RawKeyTicketSigner(RECIPIENT_KEY).address;
export const hasher = new TicketHasher(domain);

/** A chain state the tests set by hand. */
export class FakeReader implements BrokerReader {
  time = 1_000_000n;
  funds: SenderFunds = { deposit: 10n ** 18n, reserve: 0n, unlockEnd: 0n };
  claimable = 0n;
  highest = 0n;
  validUntil = new Map<string, bigint>();

  senderFunds(): Promise<SenderFunds> {
    return Promise.resolve(this.funds);
  }
  claimableReserve(): Promise<bigint> {
    return Promise.resolve(this.claimable);
  }
  highestRedeemedNonce(): Promise<bigint> {
    return Promise.resolve(this.highest);
  }
  signerValidUntil(_sender: `0x${string}`, signer: `0x${string}`): Promise<bigint> {
    return Promise.resolve(this.validUntil.get(signer.toLowerCase()) ?? 0n);
  }
  now(): Promise<bigint> {
    return Promise.resolve(this.time);
  }
}

/** The run tag of {@link makeParams}' default seed: a fixture recipient issues params in this run. */
export const FIXTURE_RUN_ID = `0x${"ab".repeat(8)}` as const;

/**
 * The fixture recipient (recipientAddress, SECRET, the fixture domain) on `reader` and `winners`.
 * It runs as run {@link FIXTURE_RUN_ID} unless `restarted`, which draws a fresh run tag as a
 * restarted process does.
 */
export function fixtureRecipient(options: {
  reader: BrokerReader;
  policy: RecipientPolicy;
  winners?: WinnerStore;
  restarted?: boolean;
  /** The run tag to use instead of {@link FIXTURE_RUN_ID} (another run with a known tag). */
  runId?: `0x${string}`;
}): Recipient {
  return new Recipient({
    address: recipientAddress,
    secret: SECRET,
    hasher,
    reader: options.reader,
    winners: options.winners ?? new MemoryWinnerStore(),
    policy: options.policy,
    ...(options.restarted === true ? {} : { runId: options.runId ?? FIXTURE_RUN_ID }),
  });
}

/** Params as the recipient with SECRET would issue them, with the given overrides re-bound. */
export function makeParams(
  overrides: Partial<Omit<TicketParams, "recipientRandHash">> = {},
): TicketParams {
  const fields = {
    recipient: recipientAddress,
    sender: senderSigner.address,
    faceValue: 10n ** 15n,
    winProb: (1n << 256n) / 1000n,
    seed: `${FIXTURE_RUN_ID}${"ab".repeat(24)}` as `0x${string}`,
    expirationTime: 1_000_300n,
    ticketExpiry: 1_090_000n,
    chainId: domain.chainId,
    verifyingContract: domain.verifyingContract,
    ...overrides,
  };
  return {
    ...fields,
    recipientRandHash: recipientRandHash(deriveRecipientRand({ secret: SECRET, params: fields })),
  };
}

/** A stored winner for the store and redeemer tests (not a valid ticket: nothing verifies it). */
export function storeTestWinner(
  nonce: bigint,
  overrides: { paramsDeadline?: bigint; faceValue?: bigint; expiry?: bigint } = {},
): WinningTicket {
  return {
    ticket: {
      recipient: recipientAddress,
      sender: senderSigner.address,
      faceValue: overrides.faceValue ?? 1000n,
      winProb: 1n << 255n,
      senderNonce: nonce,
      recipientRandHash: `0x${"aa".repeat(32)}`,
      expiry: overrides.expiry ?? 2_000_000n,
      workId: `0x${"00".repeat(32)}`,
    },
    signature: `0x${"11".repeat(65)}`,
    recipientRand: 123n + nonce,
    paramsDeadline: overrides.paramsDeadline ?? 900_000n,
    digest: `0x${nonce.toString(16).padStart(64, "0")}`,
  };
}
