/**
 * The HTTP services: the signer (gateway side) and the payee (orchestrator side), their
 * configuration, and the entry points `ticketbroker serve signer|payee` calls.
 */
export {
  loadServiceConfig,
  parseServiceConfig,
  assertSafeListen,
  envName,
  CommonConfigSchema,
  SignerConfigSchema,
  PayeeConfigSchema,
  type CommonServiceConfig,
  type SignerServiceConfig,
  type PayeeServiceConfig,
} from "./common/config.js";
export {
  hashApiKey,
  ApiKeyRing,
  type ApiKeyConfig,
  type Scope,
  type Client,
} from "./common/apiKeys.js";
export {
  ApiKeyMissingError,
  ApiKeyScopeError,
  RateLimitedError,
  SpendLimitExceededError,
  IdempotencyKeyMissingError,
  IdempotencyKeyReusedError,
  RequestValidationError,
  PayloadTooLargeError,
  UnsupportedContentTypeError,
  NotFoundError,
  RequestTimeoutError,
  ServiceConfigError,
  PriceAboveCeilingError,
  TooManyTicketsError,
  SessionClosedError,
  SessionNotFoundError,
  SignerKeyError,
  ServiceUnavailableError,
} from "./common/errors.js";
export { PROBLEM_CONTENT_TYPE, PROBLEM_STATUS, type ProblemDocument } from "./common/problem.js";
export type { ServiceApp } from "./common/baseApp.js";
export type { RunningService } from "./common/lifecycle.js";
export { buildSignerApp, type SignerDeps } from "./signer/signerApp.js";
export { loadSignerKey, SIGNER_KEY_ENV } from "./signer/signerKey.js";
export { startSignerService } from "./signer/startSigner.js";
export {
  buildPayeeApp,
  CREDIT_EXHAUSTED,
  type PayeeDeps,
  type InProcessRedeemer,
} from "./payee/payeeApp.js";
export { loadPayeeSecret } from "./payee/payeeSecret.js";
export { startPayeeService, REDEEMER_KEY_ENV } from "./payee/startPayee.js";
export * from "./client/index.js";
