/**
 * Which implementation of the ticket crypto is running. The native add-ons (`keccak`,
 * `secp256k1`) can fail to load (no prebuild for the platform and a build that failed
 * quietly at install); the library then falls back to pure JavaScript, which validates
 * tickets about 20× slower. That fallback is reported here and, once per process, as a
 * warning, unless `TICKETBROKER_ALLOW_JS_CRYPTO=1` says it is deliberate.
 */
import { KECCAK_BACKEND, keccakNativeUnavailable } from "./keccak.js";
import { secp256k1Backend, secp256k1NativeUnavailable } from "./secp256k1.js";

/** The active implementation of each primitive: the native add-on, or pure JavaScript. */
export interface CryptoBackend {
  readonly keccak: "native" | "js";
  readonly secp256k1: "native" | "js";
}

/**
 * The active crypto backends, for start-up logs, health checks and metrics.
 *
 * @example
 * ```ts
 * const { keccak, secp256k1 } = cryptoBackend(); // { keccak: "native", secp256k1: "native" }
 * if (keccak === "js") log.warn("ticket validation runs on the slow path");
 * ```
 */
export function cryptoBackend(): CryptoBackend {
  return {
    keccak: KECCAK_BACKEND === "native" ? "native" : "js",
    secp256k1: secp256k1Backend.name === "native" ? "native" : "js",
  };
}

/** Warning code of the slow-path warning (filter on it with `process.on("warning")`). */
export const JS_CRYPTO_WARNING_CODE = "TICKETBROKER_JS_CRYPTO";

let warned = false;

/**
 * Emits, once per process, a warning naming each primitive that runs in JavaScript and why,
 * unless both are native or `TICKETBROKER_ALLOW_JS_CRYPTO=1`. Returns whether it warned now.
 */
export function warnIfJsCrypto(): boolean {
  if (warned || process.env["TICKETBROKER_ALLOW_JS_CRYPTO"] === "1") return false;
  const backend = cryptoBackend();
  const slow: string[] = [];
  if (backend.keccak === "js") slow.push(`keccak (${keccakNativeUnavailable ?? "unknown reason"})`);
  if (backend.secp256k1 === "js") {
    slow.push(`secp256k1 (${secp256k1NativeUnavailable ?? "unknown reason"})`);
  }
  if (slow.length === 0) return false;
  warned = true;
  process.emitWarning(
    `ticketbroker runs ${slow.join(" and ")} in pure JavaScript, 10 to 20 times slower than the native add-ons. ` +
      "Rebuild them for this platform (npm rebuild keccak secp256k1, with a C++ toolchain), " +
      "or set TICKETBROKER_ALLOW_JS_CRYPTO=1 to accept the slow path.",
    { type: "TicketBrokerSlowCryptoWarning", code: JS_CRYPTO_WARNING_CODE },
  );
  return true;
}

warnIfJsCrypto();
