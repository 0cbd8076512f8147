/**
 * Session ids as the services store them. The signer and the payee may share one store (one
 * SQLite file, one PostgreSQL database); each writes its sessions under its own prefix, so no
 * id a client chooses on one service can name a session of the other. The prefixes never
 * appear in the HTTP API: clients see the ids they chose.
 */

/** Prefix of every session the signer stores. */
export const SIGNER_SESSION_PREFIX = "signer:";

/** Prefix of every session the payee stores. */
export const PAYEE_SESSION_PREFIX = "payee:";

/**
 * The store's id of a signer session: per API key (`clientId`), then the client's session id.
 *
 * @example
 * ```ts
 * signerSessionKey("gateway-1", "seg-7"); // "signer:gateway-1/seg-7"
 * ```
 */
export function signerSessionKey(clientId: string, sessionId: string): string {
  return `${SIGNER_SESSION_PREFIX}${clientId}/${sessionId}`;
}

/**
 * The store's id of a payee session (the id the paying client chose).
 *
 * @example
 * ```ts
 * payeeSessionKey("seg-7"); // "payee:seg-7"
 * ```
 */
export function payeeSessionKey(sessionId: string): string {
  return `${PAYEE_SESSION_PREFIX}${sessionId}`;
}
