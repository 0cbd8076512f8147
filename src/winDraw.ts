/**
 * The win draw, exactly as TicketLib.isWinning: a ticket wins when
 * uint256(keccak256(abi.encode(digest, recipientRand))) < winProb, so the probability is
 * winProb / 2^256 and winProb = 0 never wins.
 */
import { FieldFormatError, hexToBytes, toHex, writeUint256, type Hex } from "./internal/bytes.js";
import { describeValue } from "./inputs.js";
import { keccak256 } from "./internal/keccak.js";
import { InvalidTicketFieldError } from "./ticketTypes.js";

/** digest ‖ recipientRand, reused by every draw. */
const drawInput = Buffer.alloc(64);
/** winProb as a 32-byte word, for a byte-wise comparison with the draw. */
const winProbWord = Buffer.alloc(32);
/** abi.encode(recipientRand). */
const randWord = Buffer.alloc(32);

function uintError(field: string, value: unknown, err: unknown): InvalidTicketFieldError {
  const expected = err instanceof FieldFormatError ? err.expected : "a valid value";
  return new InvalidTicketFieldError(`${field} is not ${expected}`, {
    details: { field, value: typeof value === "bigint" ? value : describeValue(value) },
    hint: `Give ${field} as ${expected}.`,
    cause: err,
  });
}

function digestBytes(digest: Uint8Array | string): Uint8Array {
  const bytes = typeof digest === "string" ? hexToBytes(digest, 32) : digest;
  if (bytes === undefined || !(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new InvalidTicketFieldError("The ticket digest is not 32 bytes", {
      details: {
        digest:
          typeof digest === "string" || !(digest instanceof Uint8Array)
            ? describeValue(digest)
            : toHex(digest),
      },
      hint: "Pass the 32-byte EIP-712 digest from TicketHasher.digest().",
    });
  }
  return bytes;
}

/**
 * Whether a ticket with this digest wins for `recipientRand`: the uint256 read of
 * keccak256(abi.encode(digest, recipientRand)) is strictly below `winProb`.
 *
 * @example
 * ```ts
 * isWinningTicket(hasher.digest(ticket), recipientRand, ticket.winProb); // same as broker.isWinningTicket
 * ```
 */
export function isWinningTicket(
  digest: Uint8Array | Hex,
  recipientRand: bigint,
  winProb: bigint,
): boolean {
  const bytes = digestBytes(digest);
  try {
    writeUint256(drawInput, 32, recipientRand);
  } catch (err) {
    throw uintError("recipientRand", recipientRand, err);
  }
  try {
    writeUint256(winProbWord, 0, winProb);
  } catch (err) {
    throw uintError("winProb", winProb, err);
  }
  drawInput.set(bytes, 0);
  return Buffer.compare(keccak256(drawInput), winProbWord) < 0;
}

/**
 * The draw value itself, uint256(keccak256(abi.encode(digest, recipientRand))), for vectors and
 * diagnostics.
 *
 * @example
 * ```ts
 * const won = drawValue(digest, rand) < ticket.winProb;
 * ```
 */
export function drawValue(digest: Uint8Array | Hex, recipientRand: bigint): bigint {
  const bytes = digestBytes(digest);
  try {
    writeUint256(drawInput, 32, recipientRand);
  } catch (err) {
    throw uintError("recipientRand", recipientRand, err);
  }
  drawInput.set(bytes, 0);
  return BigInt(toHex(keccak256(drawInput)));
}

/**
 * The commitment a recipient publishes for its secret: keccak256(abi.encode(recipientRand)).
 *
 * @example
 * ```ts
 * const params = { ...other, recipientRandHash: recipientRandHash(rand) };
 * ```
 */
export function recipientRandHash(rand: bigint): Hex {
  return toHex(recipientRandHashBytes(rand));
}

/** @internal The commitment as a Buffer. */
export function recipientRandHashBytes(rand: bigint): Buffer {
  try {
    writeUint256(randWord, 0, rand);
  } catch (err) {
    throw uintError("recipientRand", rand, err);
  }
  return keccak256(randWord);
}
