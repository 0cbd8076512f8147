/**
 * Field-by-field conversion of a flat struct (a ticket, ticket params) between the library's
 * values and wire JSON, driven by a table naming each field's kind. The table's order is the
 * order of the encoded JSON's properties.
 */
import type { Hex } from "../internal/bytes.js";
import {
  decodeAddress,
  decodeBytes,
  decodeUint,
  encodeAddress,
  encodeBytes,
  encodeUint,
  fieldsOf,
  type FieldKind,
} from "./fields.js";

/** The kind of each field of a struct, in wire order. */
export type StructKinds = Readonly<Record<string, FieldKind>>;

/** The library value of a struct: integers as bigints, addresses and bytes as 0x hex. */
export type StructValue<K extends StructKinds> = {
  [P in keyof K]: K[P] extends "uint256" | "uint96" ? bigint : Hex;
};

/** The wire JSON of a struct: every field a string. */
export type StructJson<K extends StructKinds> = { [P in keyof K]: string };

/**
 * Encodes the fields of `value` named by `kinds`; throws WireEncodeError naming `at/<field>` in
 * message `msg` for the first field out of range or malformed.
 */
export function encodeStruct<K extends StructKinds>(
  kinds: K,
  msg: string,
  at: string,
  value: unknown,
): StructJson<K> {
  const q = fieldsOf(value);
  const out: Record<string, string> = {};
  for (const [name, kind] of Object.entries(kinds)) {
    const pointer = `${at}/${name}`;
    out[name] =
      kind === "address"
        ? encodeAddress(msg, pointer, q[name])
        : kind === "uint256" || kind === "uint96"
          ? encodeUint(msg, pointer, q[name], kind)
          : encodeBytes(msg, pointer, q[name], kind);
  }
  return out as StructJson<K>;
}

/**
 * Converts schema-checked JSON of a struct: addresses come out EIP-55 checksummed (a wrong
 * checksum throws WireDecodeError), bytes lowercase, integers as bigints within their kind.
 */
export function decodeStruct<K extends StructKinds>(
  kinds: K,
  msg: string,
  at: string,
  json: StructJson<K>,
): StructValue<K> {
  const j = json as Record<string, string>;
  const out: Record<string, bigint | Hex> = {};
  for (const [name, kind] of Object.entries(kinds)) {
    const pointer = `${at}/${name}`;
    const text = j[name] ?? "";
    out[name] =
      kind === "address"
        ? decodeAddress(msg, pointer, text)
        : kind === "uint256" || kind === "uint96"
          ? decodeUint(msg, pointer, text, kind)
          : decodeBytes(text);
  }
  return out as StructValue<K>;
}
