/** The x402 "lottery" scheme: server paywall (web Request/Response core and Fastify plugin) and fetch client. */
export {
  LotteryPaywallConfigError,
  LotteryPaymentRefusedError,
  LotteryPriceAboveCeilingError,
  LotteryOverchargeError,
  LotteryChallengeError,
  LotteryCreditUnavailableError,
} from "./errors.js";
export {
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_SIGNATURE_HEADER,
  PAYMENT_RESPONSE_HEADER,
  LOTTERY_SENDER_HEADER,
  X402_VERSION,
  LOTTERY_SCHEME,
  NATIVE_ASSET,
  LotteryPricingSchema,
  LotteryExtraSchema,
  LotteryRequirementsSchema,
  PaymentRequiredSchema,
  LotteryPaymentPayloadSchema,
  LotterySettlementSchema,
  encodeHeader as encodeX402Header,
  decodeHeader as decodeX402Header,
  type LotteryPricing,
  type LotteryExtra,
  type LotteryRequirements,
  type PaymentRequired,
  type LotteryPaymentPayload,
  type LotterySettlement,
} from "./headers.js";
export {
  createLotteryPaywall,
  refusalResponse,
  type LotteryPaywall,
  type LotteryPaywallOptions,
  type LotteryGrant,
  type LotteryErrorReason,
  type PaidRequestContext,
  type PaywallRequest,
  type PaywallRefusal,
} from "./paywall.js";
export { lotteryPaywallPlugin, type LotteryPaywallPluginOptions } from "./fastifyPlugin.js";
export {
  wrapFetchWithLottery,
  payWithTicketSender,
  payWithSigner,
  type LotterySignerService,
  type LotteryChallenge,
  type LotteryFetchOptions,
  type LotteryFetch,
} from "./client.js";
