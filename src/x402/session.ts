/**
 * Session ids of a lottery paywall: random, and tagged with an HMAC under the paywall's secret so
 * the server recognises its own ids without storing one per 402 it answers.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const PREFIX = "s1";
const TAG_BYTES = 16;

/** Makes and checks the session ids of one paywall (replicas share `secret`). */
export class SessionIds {
  readonly #secret: Uint8Array;

  constructor(secret: Uint8Array) {
    this.#secret = secret;
  }

  /** A fresh session id: `s1.<16 random bytes>.<16-byte tag>`, base64url. */
  create(): string {
    const id = randomBytes(16).toString("base64url");
    return `${PREFIX}.${id}.${this.#tag(id).toString("base64url")}`;
  }

  /** Whether `session` is an id this paywall (or a replica with the same secret) made. */
  isOwn(session: string): boolean {
    const parts = session.split(".");
    if (parts.length !== 3 || parts[0] !== PREFIX) return false;
    const tag = Buffer.from(parts[2] ?? "", "base64url");
    return tag.length === TAG_BYTES && timingSafeEqual(tag, this.#tag(parts[1] ?? ""));
  }

  #tag(id: string): Buffer {
    return createHmac("sha256", this.#secret).update(id).digest().subarray(0, TAG_BYTES);
  }
}
