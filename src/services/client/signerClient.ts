import type { PaymentRequest, PaymentResponse } from "../signer/schemas.js";
import { checkClientOptions } from "./clientArgs.js";
import { newIdempotencyKey, requestJson, type ClientOptions } from "./httpJson.js";

/** The sender a signer pays for, as `GET /v1/sender` reports it (wei as decimal strings). */
export interface SenderInfo {
  readonly sender: string;
  readonly signer: string;
  readonly deposit: string;
  readonly reserve: string;
  readonly unlockEnd: string;
  readonly chainId: string;
  readonly broker: string;
}

/**
 * A typed client of the signer service, on `fetch` alone (no ethers): what a gateway in
 * TypeScript needs to pay. A payment is retried on network errors with the same
 * Idempotency-Key, so a retry never mints new tickets.
 *
 * @example
 * ```ts
 * const signer = new SignerClient({ baseUrl: "http://127.0.0.1:8935", apiKey });
 * const { tickets, nothingToPay } = await signer.pay({ params, sessionId, fee: "1500000000000" });
 * ```
 */
export class SignerClient {
  readonly #options: ClientOptions;

  constructor(options: ClientOptions) {
    checkClientOptions(options);
    this.#options = options;
  }

  /** Signs the tickets for a fee; pass `idempotencyKey` to retry a request across restarts. */
  pay(request: PaymentRequest & { idempotencyKey?: string }): Promise<PaymentResponse> {
    const { idempotencyKey, ...body } = request;
    return requestJson<PaymentResponse>(this.#options, "POST", "/v1/payments", body, {
      "idempotency-key": idempotencyKey ?? newIdempotencyKey(),
    });
  }

  sender(): Promise<SenderInfo> {
    return requestJson<SenderInfo>(this.#options, "GET", "/v1/sender");
  }
}
