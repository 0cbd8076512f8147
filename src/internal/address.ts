/** EIP-55 checksummed addresses from raw bytes, with keccak from ./keccak.ts. */
import type { Hex } from "./bytes.js";
import { keccak256 } from "./keccak.js";

/** Recent results of {@link checksumLowerHex}: the same few addresses recur on every ticket. */
const recent = new Map<string, Hex>();
/** Entries kept before the cache starts over (a bound, not a tuning knob). */
const RECENT_LIMIT = 4096;

/** The EIP-55 checksummed form of a 20-byte address given as 40 lowercase hex digits. */
export function checksumLowerHex(lower40: string): Hex {
  let out = recent.get(lower40);
  if (out === undefined) {
    out = computeChecksum(lower40);
    if (recent.size >= RECENT_LIMIT) recent.clear();
    recent.set(lower40, out);
  }
  return out;
}

function computeChecksum(lower40: string): Hex {
  const hash = keccak256(Buffer.from(lower40, "latin1"));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const c = lower40.charCodeAt(i);
    // Letters a–f are upper-cased where the matching nibble of the hash is ≥ 8.
    const nibble = ((hash[i >> 1] as number) >> (i & 1 ? 0 : 4)) & 0x0f;
    out += c >= 97 && nibble >= 8 ? String.fromCharCode(c - 32) : lower40[i];
  }
  return out as Hex;
}

/** The checksummed address of a 65-byte uncompressed public key (0x04 ‖ x ‖ y). */
export function addressOfPublicKey(uncompressed: Uint8Array): Hex {
  const hash = keccak256(
    Buffer.from(uncompressed.buffer, uncompressed.byteOffset + 1, uncompressed.byteLength - 1),
  );
  return checksumLowerHex(hash.toString("hex", 12, 32));
}
