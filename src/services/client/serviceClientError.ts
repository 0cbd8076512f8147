import { TicketBrokerError } from "../../errors.js";

/**
 * A service answered with a problem document (or could not be reached). `code` is the
 * service's error code (the library's error class name, e.g. `TicketParamsExpiredError`),
 * `status` the HTTP status (0 when no answer arrived), `hint` what to do.
 *
 * @example
 * ```ts
 * try { await signer.pay(request); }
 * catch (err) {
 *   if (err instanceof ServiceClientError && err.problemCode === "TicketParamsExpiredError") refetchParams();
 * }
 * ```
 */
export class ServiceClientError extends TicketBrokerError {
  /** The code the service sent (its error class name), or ServiceUnreachable. */
  readonly problemCode: string;
  readonly status: number;

  constructor(
    message: string,
    options: {
      problemCode: string;
      status: number;
      details?: Record<string, unknown>;
      hint: string;
      cause?: unknown;
    },
  ) {
    super(message, {
      details: { ...options.details, code: options.problemCode, status: options.status },
      hint: options.hint,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.problemCode = options.problemCode;
    this.status = options.status;
  }
}
