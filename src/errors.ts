/**
 * The one base class of every error this library throws. Each error says what went wrong
 * (`message`), carries the values involved (`details`) and says what to do about it (`hint`).
 *
 * @example
 * ```ts
 * try {
 *   validateTicket(...);
 * } catch (err) {
 *   if (err instanceof TicketBrokerError) console.error(`${err.message}\n${err.hint}`);
 * }
 * ```
 */
export class TicketBrokerError extends Error {
  /** Machine-readable name, equal to the class name (and to the Solidity error name for reverts). */
  readonly code: string;
  /** The offending values. */
  readonly details: Readonly<Record<string, unknown>>;
  /** What the caller can do about it. */
  readonly hint: string;

  constructor(
    message: string,
    options: { details?: Record<string, unknown>; hint: string; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = new.target.name;
    this.details = Object.freeze({ ...(options.details ?? {}) });
    this.hint = options.hint;
  }
}
