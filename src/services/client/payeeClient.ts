import type { Static } from "typebox";

import type {
  CheckResponseSchema,
  DebitResponse,
  ParamsResponseSchema,
  PayeePaymentRequest,
  PayeePaymentResponse,
  SessionResponseSchema,
} from "../payee/schemas.js";
import { checkClientOptions } from "./clientArgs.js";
import { newIdempotencyKey, requestJson, type ClientOptions } from "./httpJson.js";

export type ParamsResponse = Static<typeof ParamsResponseSchema>;
export type SessionResponse = Static<typeof SessionResponseSchema>;
export type CheckResponse = Static<typeof CheckResponseSchema>;

/**
 * A typed client of the payee service on `fetch` alone: `params` and `pay` for gateways,
 * `session`, `check` and `debit` for the orchestrator's work server (a `charge` key).
 *
 * @example
 * ```ts
 * const payee = new PayeeClient({ baseUrl: "http://127.0.0.1:8936", apiKey });
 * const { params, price } = await payee.params(sender);
 * await payee.pay({ sessionId, payment: { version: 1, sender, params, tickets } });
 * ```
 */
export class PayeeClient {
  readonly #options: ClientOptions;

  constructor(options: ClientOptions) {
    checkClientOptions(options);
    this.#options = options;
  }

  params(sender: string): Promise<ParamsResponse> {
    return requestJson(this.#options, "POST", "/v1/params", { sender });
  }

  pay(request: PayeePaymentRequest): Promise<PayeePaymentResponse> {
    return requestJson(this.#options, "POST", "/v1/payments", request);
  }

  session(id: string): Promise<SessionResponse> {
    return requestJson(this.#options, "GET", `/v1/sessions/${encodeURIComponent(id)}`);
  }

  check(id: string, fee: string): Promise<CheckResponse> {
    return requestJson(this.#options, "POST", `/v1/sessions/${encodeURIComponent(id)}/check`, {
      fee,
    });
  }

  debit(
    id: string,
    fee: string,
    options: { live?: boolean; idempotencyKey?: string } = {},
  ): Promise<DebitResponse> {
    return requestJson(
      this.#options,
      "POST",
      `/v1/sessions/${encodeURIComponent(id)}/debit`,
      { fee, ...(options.live === undefined ? {} : { live: options.live }) },
      { "idempotency-key": options.idempotencyKey ?? newIdempotencyKey() },
    );
  }
}
