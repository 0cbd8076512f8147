import { Type, type TSchema } from "typebox";

/**
 * A copy of a wire schema without `$id`s, to embed in several route schemas (one Ajv instance
 * compiles every route, and the same `$id` twice would clash). The TypeScript type is kept.
 */
export function inline<S extends TSchema>(schema: S): S {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (k !== "$id") out[k] = strip(v);
      // TypeBox keeps its kind in a symbol: copy symbols too so the type provider still works.
      for (const s of Object.getOwnPropertySymbols(value)) {
        (out as Record<symbol, unknown>)[s] = (value as Record<symbol, unknown>)[s];
      }
      return out;
    }
    return value;
  };
  return strip(schema) as S;
}

/** An exact amount of wei: an integer, or a fraction `num/den` (EVs are exact rationals). */
export const WeiAmountSchema = Type.String({
  pattern: "^-?(0|[1-9][0-9]*)(/[1-9][0-9]*)?$",
  maxLength: 160,
  description: "Wei, exact: an integer or a fraction num/den",
});

/** A non-negative amount of wei as a client sends it: "1500", "0.205" or a fraction "41/200". */
export const DecimalWeiSchema = Type.String({
  pattern: "^(0|[1-9][0-9]*)((\\.[0-9]+)|(/[1-9][0-9]*))?$",
  maxLength: 160,
  description: 'Wei, ≥ 0: a decimal string ("1500", "0.205") or an exact fraction ("41/200")',
});

/** A session id chosen by the client. */
export const SessionIdSchema = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: "^[\\w.:-]+$",
  description: "Session id: letters, digits, _ . : - (1 to 128)",
});

/** A session's exact totals. */
export const SessionBalanceSchema = Type.Object(
  {
    balance: WeiAmountSchema,
    credited: WeiAmountSchema,
    debited: WeiAmountSchema,
  },
  { additionalProperties: false },
);

/** Shape of every error answer (application/problem+json). */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: "The library's error class name" }),
    hint: Type.String({ description: "What to do about it" }),
    details: Type.Optional(Type.Object({}, { additionalProperties: true })),
    requestId: Type.Optional(Type.String()),
  },
  { description: "An error (RFC 9457 problem document)" },
);

/** The error answers a route documents, each an application/problem+json document. */
export function problemResponses(
  ...statuses: number[]
): Record<number, { description: string; content: Record<string, { schema: TSchema }> }> {
  const out: Record<number, { description: string; content: Record<string, { schema: TSchema }> }> =
    {};
  for (const s of statuses) {
    out[s] = {
      description: "A refusal: see code and hint",
      content: { "application/problem+json": { schema: ProblemSchema } },
    };
  }
  return out;
}
