import { TicketBrokerError } from "../../errors.js";

/**
 * Errors of the HTTP services themselves (transport, authentication, budgets, configuration).
 * Each becomes an `application/problem+json` answer whose `code` is the class name; the status
 * for each is in `problem.ts`.
 *
 * @example
 * ```ts
 * throw new ApiKeyMissingError("No API key", { hint: "Send Authorization: Bearer <key>." });
 * ```
 */

/** The request carries no API key, or one that matches no configured key (401). */
export class ApiKeyMissingError extends TicketBrokerError {}

/** The API key is valid but lacks the scope the route needs (403). */
export class ApiKeyScopeError extends TicketBrokerError {}

/** The API key sent more requests than its rate allows (429). */
export class RateLimitedError extends TicketBrokerError {}

/** A payment would take the API key past its spend limit over the window (403). */
export class SpendLimitExceededError extends TicketBrokerError {}

/** A money-moving POST came without an `Idempotency-Key` header (400). */
export class IdempotencyKeyMissingError extends TicketBrokerError {}

/** The `Idempotency-Key` was already used with another request body (409). */
export class IdempotencyKeyReusedError extends TicketBrokerError {}

/** The body or a parameter does not match the route's schema (400). */
export class RequestValidationError extends TicketBrokerError {}

/** The body is larger than the configured limit (413). */
export class PayloadTooLargeError extends TicketBrokerError {}

/** The body is not `application/json` (415). */
export class UnsupportedContentTypeError extends TicketBrokerError {}

/** No such route or resource (404). */
export class NotFoundError extends TicketBrokerError {}

/** The client took too long to send its request (408). */
export class RequestTimeoutError extends TicketBrokerError {}

/** The service configuration is invalid; the message says which setting and how to fix it. */
export class ServiceConfigError extends TicketBrokerError {}

/** A payment asks a price per unit above the ceiling (the request's or the service's) (422). */
export class PriceAboveCeilingError extends TicketBrokerError {}

/** A payment would need more tickets than the service signs for one request (422). */
export class TooManyTicketsError extends TicketBrokerError {}

/** A session is closed (credit ran out for live work, or closed by the operator) (409). */
export class SessionClosedError extends TicketBrokerError {}

/** No session with this id (404). */
export class SessionNotFoundError extends TicketBrokerError {}

/** The signer key could not be loaded (missing, unreadable keystore, wrong password). */
export class SignerKeyError extends TicketBrokerError {}

/** A dependency the service needs (store, chain) is not reachable (503). */
export class ServiceUnavailableError extends TicketBrokerError {}
