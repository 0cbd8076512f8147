/**
 * Byte and hex helpers for the fixed-width ABI words of the ticket encoding. They write straight
 * into caller-owned Buffers so the hot paths allocate nothing per field.
 */

/** A lowercase or checksummed 0x-prefixed hex string. */
export type Hex = `0x${string}`;

export const MAX_UINT64 = (1n << 64n) - 1n;
export const MAX_UINT96 = (1n << 96n) - 1n;
export const MAX_UINT256 = (1n << 256n) - 1n;

/** Thrown by the writers below; callers turn it into their own typed error. */
export class FieldFormatError extends Error {
  constructor(readonly expected: string) {
    super(expected);
  }
}

/** Writes `value` as a 32-byte big-endian word at `offset`; throws unless 0 ≤ value < 2^256. */
export function writeUint256(buf: Buffer, offset: number, value: bigint): void {
  if (typeof value !== "bigint") throw new FieldFormatError("a bigint");
  if (value >= 0n && value <= MAX_UINT64) {
    buf.fill(0, offset, offset + 24);
    buf.writeBigUInt64BE(value, offset + 24);
    return;
  }
  if (value < 0n || value > MAX_UINT256) throw new FieldFormatError("an integer in [0, 2^256 − 1]");
  buf.writeBigUInt64BE(value >> 192n, offset);
  buf.writeBigUInt64BE((value >> 128n) & MAX_UINT64, offset + 8);
  buf.writeBigUInt64BE((value >> 64n) & MAX_UINT64, offset + 16);
  buf.writeBigUInt64BE(value & MAX_UINT64, offset + 24);
}

/** Reads a 32-byte big-endian word at `offset`. */
export function readUint256(buf: Uint8Array, offset = 0): bigint {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return (
    (b.readBigUInt64BE(offset) << 192n) |
    (b.readBigUInt64BE(offset + 8) << 128n) |
    (b.readBigUInt64BE(offset + 16) << 64n) |
    b.readBigUInt64BE(offset + 24)
  );
}

/** Writes a 20-byte address, left-padded to a 32-byte word; throws unless it is 0x + 40 hex digits. */
export function writeAddressWord(buf: Buffer, offset: number, address: string): void {
  if (
    typeof address !== "string" ||
    address.length !== 42 ||
    address[0] !== "0" ||
    address[1] !== "x"
  ) {
    throw new FieldFormatError("a 0x-prefixed 20-byte hex address");
  }
  buf.fill(0, offset, offset + 12);
  // Buffer.write stops at the first non-hex pair, so a short count means a bad digit.
  if (buf.write(address.slice(2), offset + 12, 20, "hex") !== 20) {
    throw new FieldFormatError("a 0x-prefixed 20-byte hex address");
  }
}

/** Writes a bytes32 hex string at `offset`; throws unless it is 0x + 64 hex digits. */
export function writeBytes32(buf: Buffer, offset: number, value: string): void {
  if (typeof value !== "string" || value.length !== 66 || value[0] !== "0" || value[1] !== "x") {
    throw new FieldFormatError("a 0x-prefixed 32-byte hex string");
  }
  if (buf.write(value.slice(2), offset, 32, "hex") !== 32) {
    throw new FieldFormatError("a 0x-prefixed 32-byte hex string");
  }
}

/** Parses 0x-prefixed hex of exactly `length` bytes into a new Buffer, or returns undefined. */
export function hexToBytes(value: string, length: number): Buffer | undefined {
  if (typeof value !== "string" || value.length !== 2 + 2 * length || !value.startsWith("0x")) {
    return undefined;
  }
  const out = Buffer.allocUnsafe(length);
  return out.write(value.slice(2), 0, length, "hex") === length ? out : undefined;
}

/** 0x-prefixed lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): Hex {
  const b = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return `0x${b.toString("hex")}`;
}

/** A Buffer view of `bytes` (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
