import { getAddress, isAddress, isHexString } from "ethers";

import { CliInputFileError } from "./errors.js";
import { messages } from "./messages.js";

/** A winning ticket as the broker's `redeemWinningTickets` takes it. */
export interface StoredWinner {
  readonly ticket: {
    readonly recipient: string;
    readonly sender: string;
    readonly faceValue: bigint;
    readonly winProb: bigint;
    readonly senderNonce: bigint;
    readonly recipientRandHash: string;
    readonly expiry: bigint;
    readonly workId: string;
  };
  readonly signature: string;
  readonly recipientRand: bigint;
}

function fail(file: string, reason: string): never {
  throw new CliInputFileError(messages.winners.malformed(file, reason), {
    details: { file, reason },
    hint: messages.winners.malformedHint,
  });
}

function toBigInt(file: string, where: string, value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (
    (typeof value === "string" && /^(0x[0-9a-fA-F]+|\d+)$/.test(value)) ||
    (typeof value === "number" && Number.isSafeInteger(value) && value >= 0)
  ) {
    return BigInt(value);
  }
  return fail(file, `${where} is not a non-negative integer (got ${JSON.stringify(value)})`);
}

function toAddress(file: string, where: string, value: unknown): string {
  if (typeof value === "string" && isAddress(value)) return getAddress(value);
  return fail(file, `${where} is not an address (got ${JSON.stringify(value)})`);
}

function toBytes32(file: string, where: string, value: unknown): string {
  if (typeof value === "string" && isHexString(value, 32)) return value;
  return fail(file, `${where} is not 32 bytes of hex (got ${JSON.stringify(value)})`);
}

/**
 * Parses the JSON a winner store writes: a list of `{ ticket, signature, recipientRand }`, either
 * bare or under a `winners` key. Integers may be decimal strings, 0x-hex strings or safe numbers.
 */
export function parseWinnersFile(file: string, text: string): StoredWinner[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail(file, err instanceof Error ? err.message : String(err));
  }
  const list = Array.isArray(json) ? json : (json as { winners?: unknown } | null)?.winners;
  if (!Array.isArray(list))
    return fail(file, "expected a JSON array or an object with a `winners` array");
  return list.map((entry: unknown, i): StoredWinner => {
    const where = `entry ${i}`;
    if (entry === null || typeof entry !== "object") return fail(file, `${where} is not an object`);
    const e = entry as Record<string, unknown>;
    const t = e["ticket"];
    if (t === null || typeof t !== "object") return fail(file, `${where} has no ticket`);
    const ticket = t as Record<string, unknown>;
    const signature = e["signature"];
    if (typeof signature !== "string" || !isHexString(signature)) {
      return fail(file, `${where}.signature is not hex`);
    }
    return {
      ticket: {
        recipient: toAddress(file, `${where}.ticket.recipient`, ticket["recipient"]),
        sender: toAddress(file, `${where}.ticket.sender`, ticket["sender"]),
        faceValue: toBigInt(file, `${where}.ticket.faceValue`, ticket["faceValue"]),
        winProb: toBigInt(file, `${where}.ticket.winProb`, ticket["winProb"]),
        senderNonce: toBigInt(file, `${where}.ticket.senderNonce`, ticket["senderNonce"]),
        recipientRandHash: toBytes32(
          file,
          `${where}.ticket.recipientRandHash`,
          ticket["recipientRandHash"],
        ),
        expiry: toBigInt(file, `${where}.ticket.expiry`, ticket["expiry"]),
        workId: toBytes32(file, `${where}.ticket.workId`, ticket["workId"]),
      },
      signature,
      recipientRand: toBigInt(file, `${where}.recipientRand`, e["recipientRand"]),
    };
  });
}

/**
 * Orders winners for redemption: by sender, then ascending nonce, as the broker's per-pair
 * highest-nonce guard requires.
 */
export function orderForRedemption(winners: readonly StoredWinner[]): StoredWinner[] {
  return [...winners].sort((a, b) => {
    if (a.ticket.sender !== b.ticket.sender) return a.ticket.sender < b.ticket.sender ? -1 : 1;
    if (a.ticket.senderNonce === b.ticket.senderNonce) return 0;
    return a.ticket.senderNonce < b.ticket.senderNonce ? -1 : 1;
  });
}
