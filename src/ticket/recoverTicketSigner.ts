/**
 * Recovers the signer of a ticket digest, accepting exactly the signatures the contract accepts
 * (OpenZeppelin ECDSA.tryRecover): 65 bytes r ‖ s ‖ v, 0 < r, s < n, s ≤ n/2, v ∈ {27, 28}.
 */
import { addressOfPublicKey } from "../internal/address.js";
import { asBuffer, hexToBytes, toHex, type Hex } from "../internal/bytes.js";
import { secp256k1Backend } from "../internal/secp256k1.js";
import { TicketBrokerInvalidSignature } from "../contract/contractErrors.js";

/** n / 2 for secp256k1, big-endian: the largest s the contract accepts. */
const HALF_N = Buffer.from(
  "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0",
  "hex",
);

function invalid(digest: Uint8Array, cause?: unknown): TicketBrokerInvalidSignature {
  return new TicketBrokerInvalidSignature(
    { digest: digest.length === 32 ? toHex(digest) : "0x" },
    { cause },
  );
}

/**
 * The uncompressed public key that produced `signature` over `digest`; throws
 * {@link TicketBrokerInvalidSignature} for anything the contract would refuse.
 * @internal
 */
export function recoverTicketPublicKey(
  digest: Uint8Array,
  signature: Hex | Uint8Array,
): Uint8Array {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) throw invalid(new Uint8Array(0));
  const sig = typeof signature === "string" ? hexToBytes(signature, 65) : signature;
  if (sig === undefined || !(sig instanceof Uint8Array) || sig.length !== 65) throw invalid(digest);
  const v = sig[64] as number;
  if (v !== 27 && v !== 28) throw invalid(digest);
  const b = asBuffer(sig);
  if (b.compare(HALF_N, 0, 32, 32, 64) > 0) throw invalid(digest);
  try {
    // Rejects r = 0, s = 0, r ≥ n and an r that is not on the curve, as ecrecover does.
    return secp256k1Backend.recover(digest, b.subarray(0, 64), v - 27);
  } catch (err) {
    throw invalid(digest, err);
  }
}

/**
 * The checksummed address that signed `digest`. Throws {@link TicketBrokerInvalidSignature}
 * unless the signature is what the contract accepts: 65 bytes, s ≤ n/2, v ∈ {27, 28}.
 *
 * @example
 * ```ts
 * const signer = recoverTicketSigner(hasher.digest(ticket), signed.signature);
 * ```
 */
export function recoverTicketSigner(digest: Uint8Array, signature: Hex | Uint8Array): Hex {
  return addressOfPublicKey(recoverTicketPublicKey(digest, signature));
}
