import type { PayeeClient, ParamsResponse } from "./payeeClient.js";
import { ServiceClientError } from "./serviceClientError.js";
import type { SignerClient } from "./signerClient.js";
import {
  checkAddress,
  checkFunction,
  checkInteger,
  checkMethods,
  checkObject,
  checkString,
} from "./clientArgs.js";

/** Why a live payment loop stopped. */
export interface LoopStop {
  /** "stopped" (by the caller), the payee's session reason (e.g. "credit-exhausted"), or an error code. */
  readonly reason: string;
  readonly error?: ServiceClientError;
}

/**
 * The gateway side of live (per-second) work: an upfront payment for `upfrontSeconds`, then
 * every `intervalMs` a payment for the seconds elapsed since the last one, at the session's
 * price, signed by the signer and sent to the payee. Expired params are replaced and the loop
 * goes on; when the payee closes the session (its credit ran out) or refuses otherwise, the
 * loop stops and says why.
 *
 * @example
 * ```ts
 * const loop = new LivePaymentLoop({ signer, payee, sender, sessionId: streamId, upfrontSeconds: 10, intervalMs: 5000 });
 * await loop.start();
 * const { reason } = await loop.stopped; // "credit-exhausted" when the payee ended it
 * ```
 */
export class LivePaymentLoop {
  readonly #o: {
    signer: SignerClient;
    payee: PayeeClient;
    sender: string;
    sessionId: string;
    upfrontSeconds: number;
    intervalMs: number;
    maxPricePerUnit?: string;
    now: () => number;
  };
  #params: ParamsResponse | undefined;
  #paidUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #resolve!: (stop: LoopStop) => void;
  #done = false;
  /** Resolves once the loop has stopped, with the reason. */
  readonly stopped: Promise<LoopStop>;

  constructor(options: {
    signer: SignerClient;
    payee: PayeeClient;
    sender: string;
    sessionId: string;
    upfrontSeconds: number;
    intervalMs: number;
    maxPricePerUnit?: string;
    /** Milliseconds clock (default Date.now). */
    now?: () => number;
  }) {
    checkObject(options, "LivePaymentLoop options");
    checkMethods(options.signer, "signer", ["pay"]);
    checkMethods(options.payee, "payee", ["params", "pay"]);
    checkAddress(options.sender, "sender");
    checkString(options.sessionId, "sessionId", true);
    checkInteger(options.upfrontSeconds, "upfrontSeconds");
    checkInteger(options.intervalMs, "intervalMs", 1);
    if (options.maxPricePerUnit !== undefined) {
      checkString(options.maxPricePerUnit, "maxPricePerUnit", true);
    }
    if (options.now !== undefined) checkFunction(options.now, "now");
    this.#o = { ...options, now: options.now ?? Date.now };
    this.stopped = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** Fetches params, pays the upfront credit, and schedules the periodic payments. */
  async start(): Promise<void> {
    this.#params = await this.#o.payee.params(this.#o.sender);
    this.#paidUntil = this.#o.now();
    await this.#pay(this.#o.upfrontSeconds);
    this.#schedule();
  }

  /** Stops paying. */
  stop(): void {
    this.#finish({ reason: "stopped" });
  }

  #schedule(): void {
    if (this.#done) return;
    this.#timer = setTimeout(() => void this.#tick(), this.#o.intervalMs);
  }

  async #tick(): Promise<void> {
    const now = this.#o.now();
    const seconds = Math.floor((now - this.#paidUntil) / 1000);
    if (seconds > 0) {
      this.#paidUntil += seconds * 1000;
      const ok = await this.#pay(seconds);
      if (!ok) return;
    }
    this.#schedule();
  }

  async #pay(seconds: number): Promise<boolean> {
    try {
      await this.#payOnce(seconds);
      return true;
    } catch (err) {
      if (err instanceof ServiceClientError && err.problemCode === "TicketParamsExpiredError") {
        try {
          this.#params = await this.#o.payee.params(this.#o.sender);
          await this.#payOnce(seconds);
          return true;
        } catch (again) {
          return this.#fail(again);
        }
      }
      return this.#fail(err);
    }
  }

  async #payOnce(seconds: number): Promise<void> {
    const p = this.#params!;
    const signed = await this.#o.signer.pay({
      params: p.params,
      sessionId: this.#o.sessionId,
      units: String(seconds),
      pricePerUnit: p.price.weiPerUnit,
      ...(this.#o.maxPricePerUnit === undefined
        ? {}
        : { maxPricePerUnit: this.#o.maxPricePerUnit }),
    });
    if (signed.tickets.length === 0) return;
    await this.#o.payee.pay({
      sessionId: this.#o.sessionId,
      payment: { version: 1, sender: signed.sender, params: p.params, tickets: signed.tickets },
    });
  }

  #fail(err: unknown): false {
    const e = err instanceof ServiceClientError ? err : undefined;
    const reason =
      e === undefined
        ? "ClientError"
        : e.problemCode === "SessionClosedError"
          ? String(e.details["reason"] ?? "closed")
          : e.problemCode;
    this.#finish({ reason, ...(e === undefined ? {} : { error: e }) });
    return false;
  }

  #finish(stop: LoopStop): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    this.#resolve(stop);
  }
}
