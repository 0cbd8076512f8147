import { createHash, timingSafeEqual } from "node:crypto";

import { ApiKeyMissingError, ApiKeyScopeError } from "./errors.js";
import {
  InvalidInputError,
  assertArray,
  assertObject,
  assertString,
  describeValue,
} from "../../ticket/inputs.js";

/** What an API key may do: pay (ask for or send payments), charge (debit sessions), admin (all). */
export type Scope = "pay" | "charge" | "admin";

/** An API key as configured: its SHA-256 (hex), never the key itself. */
export interface ApiKeyConfig {
  /** A name for logs, metrics and the spend ledger (the ledger's clientId). */
  readonly id: string;
  /** SHA-256 of the key, 64 lowercase hex digits (`ticketbroker`: `printf %s KEY | sha256sum`). */
  readonly sha256: string;
  readonly scopes: readonly Scope[];
  /** Requests per second the key may sustain (token bucket rate); unlimited if omitted. */
  readonly ratePerSecond?: number;
  /** Requests the key may send at once (bucket size; default 2 × ratePerSecond). */
  readonly burst?: number;
  /** Most EV in wei the key may have signed over `spendWindowSeconds` (signer only). */
  readonly spendLimitWei?: string;
  /** Window of the spend limit in seconds (default 86,400). */
  readonly spendWindowSeconds?: number;
}

/** The caller a request was authenticated as. */
export interface Client {
  readonly id: string;
  readonly scopes: readonly Scope[];
  readonly key?: ApiKeyConfig;
}

/** SHA-256 of an API key, as hex: what the configuration stores. */
export function hashApiKey(key: string): string {
  assertString(key, "key");
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * Resolves `Authorization: Bearer <key>` headers to configured keys. Every configured hash is
 * compared in constant time, and all of them are compared, so timing says nothing about which
 * (or whether any) key matched.
 *
 * @example
 * ```ts
 * const keys = new ApiKeyRing({ keys: [{ id: "gw", sha256: hashApiKey("s3cret"), scopes: ["pay"] }] });
 * keys.authenticate("Bearer s3cret").id; // "gw"
 * ```
 */
export class ApiKeyRing {
  readonly #keys: { config: ApiKeyConfig; hash: Buffer }[];
  readonly #anonymous: readonly Scope[];

  constructor(options: { keys: readonly ApiKeyConfig[]; anonymousScopes?: readonly Scope[] }) {
    assertObject(options, "ApiKeyRing options");
    assertArray(options.keys, "keys");
    options.keys.forEach((k, i) => {
      assertObject(k, `keys[${i}]`);
      assertString(k.id, `keys[${i}].id`, { nonEmpty: true });
      assertHexDigits(k.sha256, 64, `keys[${i}].sha256`);
      assertScopes(k.scopes, `keys[${i}].scopes`);
    });
    if (options.anonymousScopes !== undefined) {
      assertScopes(options.anonymousScopes, "anonymousScopes");
    }
    this.#keys = options.keys.map((config) => ({
      config,
      hash: Buffer.from(config.sha256.toLowerCase(), "hex"),
    }));
    this.#anonymous = options.anonymousScopes ?? [];
  }

  /** Whether any key is configured (a service without keys listens on loopback only). */
  get configured(): boolean {
    return this.#keys.length > 0;
  }

  /**
   * The client of a request: the matching key, or the anonymous client when no header is sent
   * (it holds `anonymousScopes`, or every scope when no key is configured at all). A header that
   * matches no key throws {@link ApiKeyMissingError}.
   */
  authenticate(header: string | undefined): Client {
    if (header === undefined || header === "") {
      if (!this.configured) return { id: "anonymous", scopes: ["admin"] };
      return { id: "anonymous", scopes: this.#anonymous };
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) {
      throw new ApiKeyMissingError("Authorization header is not a bearer token", {
        hint: "Send Authorization: Bearer <API key>.",
      });
    }
    const presented = createHash("sha256").update(match[1]!, "utf8").digest();
    let found: ApiKeyConfig | undefined;
    for (const k of this.#keys) {
      if (k.hash.length === presented.length && timingSafeEqual(k.hash, presented)) {
        found ??= k.config;
      }
    }
    if (found === undefined) {
      throw new ApiKeyMissingError("Unknown API key", {
        hint: "Check the key; the service stores only its SHA-256, so ask the operator for a new one if it is lost.",
      });
    }
    return { id: found.id, scopes: found.scopes, key: found };
  }

  /** Throws unless `client` holds `scope` (or one of several; admin holds every scope). */
  static requireScope(client: Client, needed: Scope | readonly Scope[]): void {
    const any: readonly Scope[] = typeof needed === "string" ? [needed] : needed;
    if (client.scopes.includes("admin") || any.some((s) => client.scopes.includes(s))) return;
    const scope = any.join('" or "');
    if (client.id === "anonymous") {
      throw new ApiKeyMissingError("This route needs an API key", {
        details: { scope },
        hint: `Send Authorization: Bearer <key> with a key that has the "${scope}" scope.`,
      });
    }
    throw new ApiKeyScopeError(`API key "${client.id}" lacks the "${scope}" scope`, {
      details: { client: client.id, scope, scopes: client.scopes },
      hint: `Use a key with the "${scope}" scope, or ask the operator to add it to this key.`,
    });
  }
}

const SCOPES: readonly Scope[] = ["pay", "charge", "admin"];

function assertScopes(value: unknown, field: string): void {
  assertArray(value, field);
  for (const scope of value) {
    if (!SCOPES.includes(scope as Scope)) {
      throw new InvalidInputError(`${field} holds a scope that does not exist`, {
        details: { field, received: describeValue(scope) },
        hint: `Use scopes among ${SCOPES.join(", ")}.`,
      });
    }
  }
}

function assertHexDigits(value: unknown, digits: number, field: string): void {
  if (typeof value !== "string" || !new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(value)) {
    throw new InvalidInputError(`${field} must be ${digits} hex digits`, {
      details: { field, received: describeValue(value) },
      hint: "Give the SHA-256 of the key as 64 hex digits (printf %s KEY | sha256sum).",
    });
  }
}
