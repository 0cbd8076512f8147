/**
 * Typed fetch clients of the services. Nothing here imports ethers: a gateway that only calls
 * the signer needs `fetch` and these files.
 */
export { SignerClient, type SenderInfo } from "./signerClient.js";
export {
  PayeeClient,
  type ParamsResponse,
  type SessionResponse,
  type CheckResponse,
} from "./payeeClient.js";
export { LivePaymentLoop, type LoopStop } from "./livePaymentLoop.js";
export { ServiceClientError } from "./serviceClientError.js";
export { type ClientOptions } from "./httpJson.js";
