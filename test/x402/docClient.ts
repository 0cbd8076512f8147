/**
 * A client of the x402 "lottery" scheme written from docs/x402-lottery.md alone: plain fetch,
 * base64 JSON headers built by hand, tickets signed as EIP-712 typed data by an ethers signer.
 * It uses nothing from src/ (no wire codecs, no client wrapper).
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

/** JSON read as the specification describes it, without library types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberately untyped, like a third-party client
export type Json = Record<string, any>;

/** The EIP-712 Ticket type as the specification states it. */
const TICKET_TYPE = {
  Ticket: [
    { name: "recipient", type: "address" },
    { name: "sender", type: "address" },
    { name: "faceValue", type: "uint256" },
    { name: "winProb", type: "uint256" },
    { name: "senderNonce", type: "uint256" },
    { name: "recipientRandHash", type: "bytes32" },
    { name: "expiry", type: "uint256" },
    { name: "workId", type: "bytes32" },
  ],
};

export const b64 = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString("base64");
export const unb64 = (header: string | null): Json =>
  JSON.parse(Buffer.from(header ?? "", "base64").toString("utf8")) as Json;

/** Asks for the resource naming the sender; returns the 402's lottery offer. */
export async function fetchOffer(
  url: string,
  sender: string,
  init: { method?: string; body?: string } = {},
): Promise<{ status: number; offer: Json; required: Json }> {
  const response = await fetch(url, {
    ...init,
    headers: { "LOTTERY-SENDER": sender, "content-type": "application/json" },
  });
  const required = unb64(response.headers.get("PAYMENT-REQUIRED"));
  const offer = (required.accepts as Json[]).find((a) => a.scheme === "lottery")!;
  return { status: response.status, offer, required };
}

/** Number of tickets whose summed EV covers `amount` wei: ⌈amount × 2^256 / (faceValue × winProb)⌉. */
export function ticketsFor(params: Json, amount: bigint): bigint {
  const num = amount << 256n;
  const den = BigInt(params.faceValue as string) * BigInt(params.winProb as string);
  return (num + den - 1n) / den;
}

/** Signs tickets with nonces `firstNonce…` on the offer's params; returns the wire Payment. */
export async function signPayment(
  signer: HardhatEthersSigner,
  offer: Json,
  firstNonce: bigint,
  count: bigint,
): Promise<Json> {
  const params = offer.extra.params as Json;
  const domain = {
    name: offer.extra.eip712.name as string,
    version: offer.extra.eip712.version as string,
    chainId: params.chainId as string,
    verifyingContract: params.verifyingContract as string,
  };
  const tickets: Json[] = [];
  for (let i = 0n; i < count; i++) {
    const ticket = {
      recipient: params.recipient,
      sender: params.sender,
      faceValue: params.faceValue,
      winProb: params.winProb,
      senderNonce: (firstNonce + i).toString(),
      recipientRandHash: params.recipientRandHash,
      expiry: params.ticketExpiry,
      workId: `0x${"00".repeat(32)}`,
    };
    const signature = await signer.signTypedData(domain, TICKET_TYPE, ticket);
    tickets.push({ version: 1, ticket, signature });
  }
  return { version: 1, sender: params.sender, params, tickets };
}

/** The PAYMENT-SIGNATURE header value: the offer echoed, the session, and the payment if any. */
export function paymentHeader(offer: Json, session: string, payment?: Json): string {
  return b64({
    x402Version: 2,
    accepted: offer,
    payload: payment === undefined ? { session } : { session, payment },
  });
}
