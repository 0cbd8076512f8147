/**
 * secp256k1 for the hot paths: native libsecp256k1 through the npm `secp256k1` package, with
 * @noble/curves as the fallback when the native binding cannot load. Both sign with RFC 6979
 * deterministic nonces and low s, so they produce identical bytes.
 */
import { createRequire } from "node:module";

import { secp256k1 as noble } from "@noble/curves/secp256k1.js";

/** The part of the npm `secp256k1` API used here (lib/index.js of that package). */
interface NativeSecp256k1 {
  ecdsaSign(
    msg32: Uint8Array,
    seckey: Uint8Array,
    options: object,
    output: Uint8Array,
  ): { signature: Uint8Array; recid: number };
  ecdsaRecover(
    sig: Uint8Array,
    recid: number,
    msg32: Uint8Array,
    compressed: boolean,
    output?: Uint8Array,
  ): Uint8Array;
  publicKeyCreate(seckey: Uint8Array, compressed: boolean): Uint8Array;
  privateKeyVerify(seckey: Uint8Array): boolean;
}

/** One backend: sign into r ‖ s (first 64 bytes of out) returning the recovery id, recover, derive. */
export interface Secp256k1Backend {
  readonly name: "native" | "noble";
  /** Signs `digest` into `out[0..64)` (r ‖ s, low s) and returns the recovery id (0 or 1). */
  sign(digest: Uint8Array, secretKey: Uint8Array, out: Uint8Array): number;
  /** The uncompressed public key (65 bytes) that signed `digest`; throws if none. */
  recover(digest: Uint8Array, rs: Uint8Array, recid: number): Uint8Array;
  /** The uncompressed public key of a secret key; throws for an invalid key. */
  publicKey(secretKey: Uint8Array): Uint8Array;
  isValidSecretKey(secretKey: Uint8Array): boolean;
}

const NO_OPTIONS = {};

/** Why the native binding is not in use (undefined when it is). */
export let secp256k1NativeUnavailable: string | undefined;

function loadNative(): Secp256k1Backend | undefined {
  if (process.env["TICKET_CRYPTO_NO_NATIVE"] === "1") {
    secp256k1NativeUnavailable = "disabled by TICKET_CRYPTO_NO_NATIVE=1";
    return undefined;
  }
  try {
    const require = createRequire(import.meta.url);
    // "secp256k1/bindings" is the native build only; it throws when the add-on cannot load.
    const lib = require("secp256k1/bindings") as NativeSecp256k1;
    return {
      name: "native",
      sign(digest, secretKey, out) {
        return lib.ecdsaSign(digest, secretKey, NO_OPTIONS, out.subarray(0, 64)).recid;
      },
      recover(digest, rs, recid) {
        return lib.ecdsaRecover(rs, recid, digest, false);
      },
      publicKey(secretKey) {
        return lib.publicKeyCreate(secretKey, false);
      },
      isValidSecretKey(secretKey) {
        return lib.privateKeyVerify(secretKey);
      },
    };
  } catch (err) {
    // The fallback is reported by cryptoBackend() and a one-time warning, not silently.
    secp256k1NativeUnavailable = `the secp256k1 binding did not load: ${(err as Error)?.message ?? String(err)}`;
    return undefined;
  }
}

const nobleBackend: Secp256k1Backend = {
  name: "noble",
  sign(digest, secretKey, out) {
    // "recovered" format is recid ‖ r ‖ s.
    const sig = noble.sign(digest, secretKey, { prehash: false, lowS: true, format: "recovered" });
    out.set(sig.subarray(1, 65), 0);
    return sig[0] as number;
  },
  recover(digest, rs, recid) {
    const sig = new Uint8Array(65);
    sig[0] = recid;
    sig.set(rs.subarray(0, 64), 1);
    const key = noble.recoverPublicKey(sig, digest, { prehash: false });
    return key.length === 65 ? key : noble.Point.fromBytes(key).toBytes(false);
  },
  publicKey(secretKey) {
    return noble.getPublicKey(secretKey, false);
  },
  isValidSecretKey(secretKey) {
    return noble.utils.isValidSecretKey(secretKey);
  },
};

const nativeBackend = loadNative();

/** The fastest available backend. */
export const secp256k1Backend: Secp256k1Backend = nativeBackend ?? nobleBackend;

/** A named backend; "native" falls back to noble when the native binding is unavailable. */
export function backendNamed(name: "native" | "noble"): Secp256k1Backend {
  return name === "noble" ? nobleBackend : secp256k1Backend;
}
