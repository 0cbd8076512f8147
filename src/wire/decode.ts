/**
 * The one decoding path of every message: version first, then the JSON Schema (TypeBox,
 * compiled once per message), then the first failure turned into a {@link WireDecodeError} that
 * names the field by JSON pointer.
 */
import type { Static, TSchema } from "typebox";
import { Compile } from "typebox/compile";

import { WIRE_VERSION, decodeFailure, kindOfSchema, kindSpec } from "./fields.js";
import { WireDecodeError, WireVersionError } from "./errors.js";

/** A compiled checker for one message schema. */
export interface MessageChecker<S extends TSchema> {
  readonly name: string;
  readonly schema: S;
  /** Returns `input` typed as the message's JSON shape, or throws {@link WireDecodeError}. */
  check(input: unknown): Static<S>;
}

interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
}

/**
 * Compiles `schema` (a message named `name` in errors, specified in the document `spec`) into a
 * {@link MessageChecker}.
 */
export function messageChecker<S extends TSchema>(
  name: string,
  schema: S,
  spec = "docs/wire-format.md",
): MessageChecker<S> {
  const validator = Compile(schema);
  return {
    name,
    schema,
    check(input: unknown): Static<S> {
      if (validator.Check(input)) return input as Static<S>;
      const errors = [...validator.Errors(input)] as unknown as SchemaError[];
      throw explain(name, spec, schema, input, errors);
    },
  };
}

/** The most useful single error of a failed check: a version problem wins, then the first one. */
function explain(
  name: string,
  spec: string,
  schema: TSchema,
  input: unknown,
  errors: SchemaError[],
): WireDecodeError {
  const fail = (
    pointer: string,
    problem: string,
    extra: Parameters<typeof decodeFailure>[3] = {},
  ): WireDecodeError => decodeFailure(name, pointer, problem, { spec, ...extra });
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return fail("", `is ${describe(input)}, not a JSON object`, { value: input });
  }
  for (const e of errors) {
    const versionPointer = versionErrorPointer(e);
    if (versionPointer !== undefined)
      return versionError(name, versionPointer, valueAt(input, versionPointer));
  }
  const e = errors.find((x) => x.keyword !== "boolean") ?? errors[0];
  if (e === undefined) return fail("", "does not match its schema");
  const at = e.instancePath;
  const value = valueAt(input, at);
  switch (e.keyword) {
    case "required": {
      const missing = (e.params.requiredProperties as string[] | undefined)?.[0] ?? "?";
      return fail(`${at}/${escapePointer(missing)}`, "is missing");
    }
    case "additionalProperties": {
      const extra = (e.params.additionalProperties as string[] | undefined)?.[0] ?? "?";
      return decodeFailure(
        name,
        `${at}/${escapePointer(extra)}`,
        "is not allowed (unknown property)",
        {
          hint: `Remove the property: a ${name} message carries only the fields ${spec} lists.`,
        },
      );
    }
    case "boolean":
      return fail(at, "is not allowed (unknown property)");
    case "type": {
      const kind = kindOfSchema(schemaAt(schema, e.schemaPath));
      const expected = kind === undefined ? `a JSON ${String(e.params.type)}` : "a JSON string";
      return fail(at, `is ${describe(value)}, expected ${expected}`, {
        ...(kind === undefined ? {} : { kind }),
        value,
      });
    }
    case "minItems":
    case "maxItems":
      return decodeFailure(
        name,
        at,
        `must hold ${e.keyword === "minItems" ? "at least" : "at most"} ${String(e.params.limit)} item(s)`,
        {
          hint: `Send between 1 and the maximum number of items; see ${spec}.`,
        },
      );
    default: {
      const kind = kindOfSchema(schemaAt(schema, e.schemaPath));
      if (kind !== undefined) {
        return fail(at, `is not ${kindSpec(kind).expected}`, { kind, value });
      }
      return fail(at, `is invalid (${e.keyword})`, { value });
    }
  }
}

/** The pointer of a `version` field that is missing or not the supported version, if `e` is one. */
function versionErrorPointer(e: SchemaError): string | undefined {
  if (e.keyword === "const" && e.instancePath.endsWith("/version")) return e.instancePath;
  if (e.keyword === "type" && e.instancePath.endsWith("/version")) return e.instancePath;
  if (
    e.keyword === "required" &&
    (e.params.requiredProperties as string[] | undefined)?.includes("version")
  ) {
    return `${e.instancePath}/version`;
  }
  return undefined;
}

function versionError(name: string, pointer: string, value: unknown): WireVersionError {
  const problem = value === undefined ? "is missing" : `is ${shown(value)}`;
  return new WireVersionError(
    `Unsupported ${name} version: field ${pointer} ${problem}; this library reads version ${WIRE_VERSION}`,
    {
      details: { field: pointer, message: name, version: value ?? null, supported: [WIRE_VERSION] },
      hint: `Send "version": ${WIRE_VERSION} in every message; if the peer speaks a newer version, upgrade this library.`,
    },
  );
}

/** `value` as JSON text when it has one (a bigint or a cycle has none: its kind instead). */
function shown(value: unknown): string {
  try {
    return JSON.stringify(value) ?? describe(value);
  } catch {
    return describe(value);
  }
}

/** The value at a JSON pointer in `root`, or undefined. */
function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === "") return root;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The sub-schema at a schema path such as `#/properties/tickets/items/properties/signature`. */
function schemaAt(schema: TSchema, path: string): unknown {
  let node: unknown = schema;
  for (const raw of path.replace(/^#\/?/, "").split("/")) {
    if (raw === "") continue;
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[raw.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return node;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value === undefined) return "missing";
  const t = typeof value;
  return t === "object" ? "an object" : `a ${t}`;
}
