import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

import { TicketBrokerError } from "../../errors.js";
import {
  NotFoundError,
  PayloadTooLargeError,
  RequestTimeoutError,
  RequestValidationError,
  UnsupportedContentTypeError,
} from "./errors.js";

/** Media type of every error answer (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Base of the `type` URI of every problem: the code is appended (`…/problems/<code>`). */
export const PROBLEM_TYPE_BASE = "https://ticketbroker.dev/problems/";

/**
 * An error answer: RFC 9457 fields plus the library's error `code` (its class name), the
 * `hint` saying what to do, and the offending values in `details`.
 */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly hint: string;
  readonly details?: Record<string, unknown>;
  readonly requestId?: string;
}

/**
 * HTTP status per error code. Codes not listed: 422 for any other library error (the request
 * was well formed, a rule refused it), 500 for anything else.
 */
export const PROBLEM_STATUS: Readonly<Record<string, number>> = {
  ApiKeyMissingError: 401,
  ApiKeyScopeError: 403,
  SpendLimitExceededError: 403,
  RateLimitedError: 429,
  IdempotencyKeyMissingError: 400,
  IdempotencyKeyReusedError: 409,
  IdempotencyConflictError: 409,
  RequestValidationError: 400,
  WireDecodeError: 400,
  PayloadTooLargeError: 413,
  UnsupportedContentTypeError: 415,
  NotFoundError: 404,
  SessionNotFoundError: 404,
  SessionClosedError: 409,
  RequestTimeoutError: 408,
  ServiceUnavailableError: 503,
  InsufficientSessionBalanceError: 402,
  SessionOverdrawnError: 402,
};

/** The status for a library error code (see {@link PROBLEM_STATUS}). */
export function statusForCode(code: string): number {
  return PROBLEM_STATUS[code] ?? 422;
}

/** Converts a value to something JSON can carry (bigints as decimal strings). */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === "object") {
    if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString("hex")}`;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v);
    return out;
  }
  return value;
}

/** Words of a class name: "TicketParamsExpiredError" -> "Ticket params expired". */
function titleOf(code: string): string {
  const words = code
    .replace(/Error$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The problem document for a library error. */
export function problemFor(err: TicketBrokerError, requestId?: string): ProblemDocument {
  const status = statusForCode(err.code);
  return {
    type: `${PROBLEM_TYPE_BASE}${err.code}`,
    title: titleOf(err.code),
    status,
    detail: err.message,
    code: err.code,
    hint: err.hint,
    details: jsonSafe(err.details) as Record<string, unknown>,
    ...(requestId === undefined ? {} : { requestId }),
  };
}

/**
 * Maps Fastify's own errors (body limit, content type, schema validation, JSON syntax, client
 * timeout) to library errors, so every refusal has a code and a hint.
 */
export function toServiceError(err: unknown): TicketBrokerError | undefined {
  if (err instanceof TicketBrokerError) return err;
  const e = err as Partial<FastifyError> & { validation?: unknown[]; validationContext?: string };
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new PayloadTooLargeError("Request body is larger than the limit", {
      details: { limitBytes: (e as { limit?: number }).limit },
      hint: "Send a smaller body: a payment carries at most a few tickets.",
    });
  }
  if (e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return new UnsupportedContentTypeError("Request body must be application/json", {
      hint: "Send the body as JSON with the header Content-Type: application/json.",
    });
  }
  if (Array.isArray(e.validation)) {
    const first = e.validation[0] as
      { instancePath?: string; message?: string; params?: Record<string, unknown> } | undefined;
    const missing = first?.params?.["missingProperty"] ?? first?.params?.["requiredProperties"];
    const path = first?.instancePath ?? "";
    const field = `/${e.validationContext ?? "body"}${path}${
      typeof missing === "string" ? `/${missing}` : ""
    }`;
    return new RequestValidationError(
      `Invalid request: ${field} ${first?.message ?? "does not match the schema"}`,
      {
        details: { field, errors: e.validation.slice(0, 5) },
        hint: "Fix the named field; the OpenAPI document at /openapi.json describes every request.",
      },
    );
  }
  if (e.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || e instanceof SyntaxError) {
    return new RequestValidationError("Request body is not valid JSON", {
      details: { field: "/body", reason: e.message },
      hint: "Send a well-formed JSON object as the body.",
    });
  }
  if (e.code === "FST_ERR_REQ_TIMEOUT" || e.statusCode === 408) {
    return new RequestTimeoutError("The request took too long to arrive", {
      hint: "Send the whole request at once; slow uploads are cut off.",
    });
  }
  if (e.statusCode === 404) {
    return new NotFoundError(e.message ?? "Not found", {
      hint: "Check the path and method against /openapi.json.",
    });
  }
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return new RequestValidationError(e.message ?? "Bad request", {
      details: { field: "/", fastifyCode: e.code },
      hint: "Fix the request; the OpenAPI document at /openapi.json describes every request.",
    });
  }
  return undefined;
}

/** Sends `problem` with its status and the problem media type. */
export function sendProblem(reply: FastifyReply, problem: ProblemDocument): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/**
 * Installs the error and not-found handlers: every refusal is a problem document. `onRefusal`
 * is called with each code (for the refusals metric).
 */
export function installProblemHandlers(
  app: FastifyInstance,
  onRefusal: (code: string, request: FastifyRequest) => void,
): void {
  app.setErrorHandler((err, request, reply) => {
    const known = toServiceError(err);
    if (known === undefined) {
      request.log.error({ err }, "unhandled error");
      const problem: ProblemDocument = {
        type: `${PROBLEM_TYPE_BASE}InternalError`,
        title: "Internal error",
        status: 500,
        detail: "The service failed to handle the request",
        code: "InternalError",
        hint: "Retry with the same Idempotency-Key; if it persists, read the service log for this request id.",
        requestId: request.id,
      };
      onRefusal(problem.code, request);
      return sendProblem(reply, problem);
    }
    const problem = problemFor(known, request.id);
    if (problem.status >= 500) request.log.error({ err }, known.message);
    else request.log.info({ code: known.code }, known.message);
    onRefusal(problem.code, request);
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) => {
    const problem = problemFor(
      new NotFoundError(`No route ${request.method} ${request.url}`, {
        details: { method: request.method, url: request.url },
        hint: "Check the path and method against /openapi.json.",
      }),
      request.id,
    );
    onRefusal(problem.code, request);
    return sendProblem(reply, problem);
  });
}
