/**
 * The win draw, exactly as TicketLib.isWinning: a ticket wins when
 * uint256(keccak256(abi.encode(digest, recipientRand))) < winProb, so the probability is
 * winProb / 2^256 and winProb = 0 never wins.
 */
import { FieldFormatError, hexToBytes, toHex, writeUint256, type Hex } from "../internal/bytes.js";
import { describeValue } from "./inputs.js";
import { keccak256 } from "../internal/keccak.js";
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
    writeUint256(winProbWord, 0, winProb);
  } catch (err) {
    throw uintError("winProb", winProb, err);
  }
  return drawWins(bytes, recipientRand, winProbWord, 0);
}

/**
 * @internal The draw on raw words, the one place it is computed: whether
 * keccak256(abi.encode(digest, recipientRand)) is below the 32-byte big-endian winProb word at
 * `winProb[offset]` (e.g. inside {@link TicketHasher.structWords}, at STRUCT_WIN_PROB_OFFSET).
 * `digest` must be 32 bytes.
 */
export function drawWins(
  digest: Uint8Array,
  recipientRand: bigint,
  winProb: Buffer,
  offset: number,
): boolean {
  writeRand(drawInput, 32, recipientRand);
  drawInput.set(digest, 0);
  return keccak256(drawInput).compare(winProb, offset, offset + 32) < 0;
}

/** abi.encode(recipientRand) into `out` at `offset`; a value outside uint256 is a field error. */
function writeRand(out: Buffer, offset: number, recipientRand: bigint): void {
  try {
    writeUint256(out, offset, recipientRand);
  } catch (err) {
    throw uintError("recipientRand", recipientRand, err);
  }
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
  writeRand(drawInput, 32, recipientRand);
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

/**
 * @internal The commitment as a Buffer, the one place it is computed (a fresh Buffer each
 * call, safe to keep). Throws {@link InvalidTicketFieldError} for a value outside uint256.
 */
export function recipientRandHashBytes(rand: bigint): Buffer {
  writeRand(randWord, 0, rand);
  return keccak256(randWord);
}
