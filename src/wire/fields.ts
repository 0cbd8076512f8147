/**
 * The field kinds of the wire format, each as a JSON Schema fragment (TypeBox) and a pair of
 * converters: bigints as canonical decimal strings, bytes as 0x hex, addresses EIP-55.
 */
import { Type, type TString } from "typebox";

import { checksumLowerHex } from "../internal/address.js";
import { MAX_UINT256, MAX_UINT96, type Hex } from "../internal/bytes.js";
import { WireDecodeError, WireEncodeError } from "./errors.js";

/** The one version of the format this library reads and writes. */
export const WIRE_VERSION = 1 as const;

/** A canonical decimal integer: no sign, no leading zero, no exponent. */
const DECIMAL_PATTERN = "^(0|[1-9][0-9]*)$";

/** What a field is, for the converters and the error messages. */
export type FieldKind = "uint256" | "uint96" | "address" | "bytes32" | "signature";

interface KindSpec {
  readonly expected: string;
  readonly hint: string;
}

const KINDS: Record<FieldKind, KindSpec> = {
  uint256: {
    expected: "a decimal string of an integer in [0, 2^256 − 1], without sign or leading zeros",
    hint: 'Send the integer as a JSON string of decimal digits, e.g. "1000000000000000"; bigints never travel as JSON numbers.',
  },
  uint96: {
    expected: "a decimal string of an integer in [0, 2^96 − 1], without sign or leading zeros",
    hint: "Send the nonce as a JSON string of decimal digits below 2^96 (79228162514264337593543950336).",
  },
  address: {
    expected: "0x followed by 40 hex digits, lowercase or EIP-55 checksummed",
    hint: "Send the address exactly as a wallet shows it (EIP-55) or all lowercase; a mixed-case address must match its checksum, so check it was not mistyped.",
  },
  bytes32: {
    expected: "0x followed by 64 hex digits (32 bytes)",
    hint: "Send 32 bytes as 0x followed by 64 hex digits.",
  },
  signature: {
    expected: "0x followed by 130 hex digits (65 bytes: r ‖ s ‖ v)",
    hint: "Send the 65-byte signature r ‖ s ‖ v as 0x followed by 130 hex digits (no compact 64-byte form).",
  },
};

/** The schema fragment of each kind; maxLength bounds the work a hostile string can cause. */
const FRAGMENTS: Record<FieldKind, { pattern: string; maxLength: number; minLength?: number }> = {
  uint256: { pattern: DECIMAL_PATTERN, maxLength: 78, minLength: 1 },
  uint96: { pattern: DECIMAL_PATTERN, maxLength: 29, minLength: 1 },
  address: { pattern: "^0x[0-9a-fA-F]{40}$", maxLength: 42 },
  bytes32: { pattern: "^0x[0-9a-fA-F]{64}$", maxLength: 66 },
  signature: { pattern: "^0x[0-9a-fA-F]{130}$", maxLength: 132 },
};

/** A string schema of `kind` with a description for OpenAPI documents. */
export function field(kind: FieldKind, description: string): TString {
  return Type.String({
    ...FRAGMENTS[kind],
    description: `${description} (${KINDS[kind].expected}).`,
  });
}

/** The kind of a string schema built by {@link field}, recognised by its pattern and length. */
export function kindOfSchema(schema: unknown): FieldKind | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  const s = schema as { pattern?: unknown; maxLength?: unknown };
  for (const [kind, fragment] of Object.entries(FRAGMENTS) as [
    FieldKind,
    (typeof FRAGMENTS)[FieldKind],
  ][]) {
    if (s.pattern === fragment.pattern && s.maxLength === fragment.maxLength) return kind;
  }
  return undefined;
}

/** What a field of `kind` must be, and what to do when it is not. */
export function kindSpec(kind: FieldKind): KindSpec {
  return KINDS[kind];
}

/** A decode failure of the field at `pointer` in message `message`. */
export function decodeFailure(
  message: string,
  pointer: string,
  problem: string,
  extra: { kind?: FieldKind; value?: unknown; hint?: string; spec?: string } = {},
): WireDecodeError {
  const spec = extra.kind === undefined ? undefined : KINDS[extra.kind];
  return new WireDecodeError(
    `Invalid ${message}: ${pointer === "" ? "the message" : `field ${pointer}`} ${problem}`,
    {
      details: {
        field: pointer,
        message,
        ...(spec === undefined ? {} : { expected: spec.expected }),
        ...(extra.value === undefined ? {} : { value: preview(extra.value) }),
      },
      hint:
        extra.hint ??
        spec?.hint ??
        `Send a ${message} message as ${extra.spec ?? "docs/wire-format.md"} describes it: every field it lists, no other.`,
    },
  );
}

/** A short, JSON-safe rendering of an offending value for error details. */
function preview(value: unknown): unknown {
  if (typeof value === "string") return value.length > 140 ? `${value.slice(0, 140)}…` : value;
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  return Array.isArray(value) ? "(array)" : typeof value === "object" ? "(object)" : typeof value;
}

/** Reads a schema-checked decimal string as a bigint, refusing it above `kind`'s maximum. */
export function decodeUint(
  message: string,
  pointer: string,
  value: string,
  kind: "uint256" | "uint96",
): bigint {
  const n = BigInt(value);
  const max = kind === "uint96" ? MAX_UINT96 : MAX_UINT256;
  if (n > max) {
    throw decodeFailure(message, pointer, `is above ${kind === "uint96" ? "2^96" : "2^256"} − 1`, {
      kind,
      value,
    });
  }
  return n;
}

/** Reads a schema-checked address, refusing a mixed-case one whose EIP-55 checksum is wrong. */
export function decodeAddress(message: string, pointer: string, value: string): Hex {
  const lower = value.slice(2).toLowerCase();
  const checksummed = checksumLowerHex(lower);
  if (value !== `0x${lower}` && value !== checksummed) {
    throw decodeFailure(message, pointer, `has a bad EIP-55 checksum (expected ${checksummed})`, {
      kind: "address",
      value,
    });
  }
  return checksummed;
}

/** Reads schema-checked hex bytes into lowercase. */
export function decodeBytes(value: string): Hex {
  return value.toLowerCase() as Hex;
}

/** A bigint as a decimal string; throws {@link WireEncodeError} unless it is in range. */
export function encodeUint(
  message: string,
  pointer: string,
  value: unknown,
  kind: "uint256" | "uint96",
): string {
  const max = kind === "uint96" ? MAX_UINT96 : MAX_UINT256;
  if (typeof value !== "bigint" || value < 0n || value > max) {
    throw encodeFailure(message, pointer, kind, value);
  }
  return value.toString(10);
}

/** An address in EIP-55 form; throws {@link WireEncodeError} on malformed or mis-checksummed input. */
export function encodeAddress(message: string, pointer: string, value: unknown): Hex {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw encodeFailure(message, pointer, "address", value);
  }
  const lower = value.slice(2).toLowerCase();
  const checksummed = checksumLowerHex(lower);
  if (value !== `0x${lower}` && value !== checksummed)
    throw encodeFailure(message, pointer, "address", value);
  return checksummed;
}

/** Fixed-length bytes as lowercase 0x hex; throws {@link WireEncodeError} on the wrong length. */
export function encodeBytes(
  message: string,
  pointer: string,
  value: unknown,
  kind: "bytes32" | "signature",
): Hex {
  const digits = kind === "bytes32" ? 64 : 130;
  if (typeof value !== "string" || !new RegExp(`^0x[0-9a-fA-F]{${digits}}$`).test(value)) {
    throw encodeFailure(message, pointer, kind, value);
  }
  return value.toLowerCase() as Hex;
}

function encodeFailure(
  message: string,
  pointer: string,
  kind: FieldKind,
  value: unknown,
): WireEncodeError {
  return new WireEncodeError(
    `Cannot encode ${message}: field ${pointer} is not ${KINDS[kind].expected}`,
    {
      details: { field: pointer, message, expected: KINDS[kind].expected, value: preview(value) },
      hint: "Encode values of the library's own types (bigints in range, hex of the right length, valid addresses); check where this value was built.",
    },
  );
}

/** The own properties of a value handed to an encoder, or none when it is not an object. */
export function fieldsOf(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}
