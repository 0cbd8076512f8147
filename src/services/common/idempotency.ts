import { createHash } from "node:crypto";

import type { FastifyRequest } from "fastify";

import { IdempotencyKeyMissingError } from "./errors.js";

/** Header naming a money-moving request; a retry with the same key gets the same answer. */
export const IDEMPOTENCY_HEADER = "idempotency-key";

/** Keys: 1 to 200 printable ASCII characters (a UUID is typical). */
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

/** JSON with object keys sorted, so the same body always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 (hex) of the route and the canonical body: what "the same request" means. */
export function requestHash(route: string, body: unknown): string {
  return createHash("sha256").update(route).update("\n").update(canonicalJson(body)).digest("hex");
}

/** The request's Idempotency-Key, or {@link IdempotencyKeyMissingError}. */
export function requireIdempotencyKey(request: FastifyRequest): string {
  const raw = request.headers[IDEMPOTENCY_HEADER];
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (key === undefined || !KEY_PATTERN.test(key)) {
    throw new IdempotencyKeyMissingError(
      "This request moves money and needs an Idempotency-Key header",
      {
        details: { header: "Idempotency-Key", received: key ?? null },
        hint: "Send Idempotency-Key: <a fresh UUID> and reuse it only to retry the same request.",
      },
    );
  }
  return key;
}
