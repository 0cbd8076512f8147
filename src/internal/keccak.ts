/**
 * keccak256 for the hot paths: the native keccak state of the npm `keccak` package, driven
 * directly (one reusable state, no stream object per hash), with @noble/hashes as the fallback
 * when the native add-on cannot load.
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";

import { keccak_256 } from "@noble/hashes/sha3.js";

/** The native add-on's sponge (src/addon.cc of the `keccak` package). */
interface NativeKeccakState {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  squeeze(length: number): Buffer;
}

/** keccak256: rate 1088 bits, capacity 512 bits. */
const RATE = 1088;
const CAPACITY = 512;

/** Why the native add-on is not in use (undefined when it is). */
export let keccakNativeUnavailable: string | undefined;

function loadNativeState(): NativeKeccakState | undefined {
  if (process.env["TICKET_CRYPTO_NO_NATIVE"] === "1") {
    keccakNativeUnavailable = "disabled by TICKET_CRYPTO_NO_NATIVE=1";
    return undefined;
  }
  try {
    const require = createRequire(import.meta.url);
    const keccakDir = dirname(require.resolve("keccak/package.json"));
    const nodeGypBuild = require(require.resolve("node-gyp-build", { paths: [keccakDir] })) as (
      dir: string,
    ) => unknown;
    const State = nodeGypBuild(keccakDir);
    if (typeof State !== "function") {
      keccakNativeUnavailable = "the keccak add-on did not export a state constructor";
      return undefined;
    }
    const state = new (State as new () => NativeKeccakState)();
    // Self-test against the known keccak256 of the empty input.
    state.initialize(RATE, CAPACITY);
    state.absorb(Buffer.alloc(0));
    const empty = state.squeeze(32).toString("hex");
    if (empty === "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470") return state;
    keccakNativeUnavailable = "the keccak add-on failed its self-test";
    return undefined;
  } catch (err) {
    // The fallback is reported by cryptoBackend() and a one-time warning, not silently.
    keccakNativeUnavailable = `the keccak add-on did not load: ${(err as Error)?.message ?? String(err)}`;
    return undefined;
  }
}

const native = loadNativeState();

/** Which keccak implementation is in use. */
export const KECCAK_BACKEND: "native" | "noble" = native === undefined ? "noble" : "native";

/**
 * keccak256 of `data`, returned as a fresh 32-byte Buffer. `data` should be a Buffer on hot
 * paths (other Uint8Arrays are wrapped without copying).
 */
export const keccak256: (data: Uint8Array) => Buffer =
  native === undefined
    ? (data) => {
        const out = keccak_256(data);
        return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      }
    : (data) => {
        native.initialize(RATE, CAPACITY);
        native.absorb(
          Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
        );
        return native.squeeze(32);
      };
