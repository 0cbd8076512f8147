/**
 * The public surface of the off-chain library. Everything a gateway (sender) or orchestrator
 * (recipient) service needs is exported from here and nowhere else.
 */
export { TicketBrokerError } from "./errors.js";
export { Rational, InvalidRationalError } from "./math/rational.js";
export {
  WIN_PROB_SCALE,
  MAX_WIN_PROB,
  InvalidTicketValueError,
  ticketEV,
  winProbForEV,
  ticketCountFor,
} from "./ticket/ev.js";
export {
  TICKET_EIP712_TYPES,
  TICKET_PRIMARY_TYPE,
  TICKET_DOMAIN_NAME,
  TICKET_DOMAIN_VERSION,
  TICKET_TYPE_STRING,
  TICKET_TYPEHASH,
  InvalidTicketFieldError,
  readTicketDomain,
  type Ticket,
  type TicketDomain,
  type SignedTicket,
  type Eip712DomainSource,
} from "./ticket/ticketTypes.js";
export { TicketHasher, ticketDigest } from "./ticket/ticketDigest.js";
export {
  RawKeyTicketSigner,
  EthersTicketSigner,
  TicketSignerError,
  type TicketSigner,
} from "./ticket/signTicket.js";
export { recoverTicketSigner } from "./ticket/recoverTicketSigner.js";
export { isWinningTicket, drawValue, recipientRandHash } from "./ticket/winDraw.js";
export {
  TicketBrokerContractError,
  TicketBrokerZeroValue,
  TicketBrokerValueMismatch,
  TicketBrokerZeroAddress,
  TicketBrokerAmountTooLarge,
  TicketBrokerNoFunds,
  TicketBrokerAlreadyUnlocking,
  TicketBrokerNotUnlocking,
  TicketBrokerUnlockPending,
  TicketBrokerCallerNotRecipient,
  TicketBrokerTicketExpired,
  TicketBrokerRandMismatch,
  TicketBrokerNonceAlreadyRedeemed,
  TicketBrokerNonceTooLarge,
  TicketBrokerInvalidSignature,
  TicketBrokerUnauthorizedSigner,
  TicketBrokerTicketNotWinning,
  TicketBrokerSenderUnlocked,
  TicketBrokerInsufficientFunds,
  TicketBrokerEarlierTicketUnpaid,
  TicketBrokerTransferFailed,
  TicketBrokerSignerNotAuthorized,
  TicketBrokerInvalidUnlockPeriod,
  TicketBrokerInvalidRoundLength,
  TicketBrokerInvalidRecipientPool,
  TicketBrokerUnknownRevert,
  InvalidShortString,
  StringTooLong,
  ReentrancyGuardReentrantCall,
  SafeCastOverflowedUintDowncast,
  BROKER_ERROR_SIGNATURES,
  decodeBrokerError,
  type BrokerErrorOptions,
  type BrokerErrorName,
} from "./contract/contractErrors.js";
export {
  validateTicket,
  checkTicketFunds,
  type ValidateTicketInput,
  type ValidatedTicket,
  type TicketFundsInput,
} from "./ticket/validateTicket.js";
export {
  InvalidPriceError,
  PriceUnitMismatchError,
  MissingPriceFeedError,
  PriceFeedPairError,
  PriceFeedDecimalsError,
  StalePriceFeedError,
  NonPositivePriceFeedAnswerError,
  PriceFeedReadError,
  PriceFeedNotReadyError,
  InvalidFeeInputError,
  InvalidSessionConfigError,
  InsufficientSessionBalanceError,
  SessionPriceChangedError,
} from "./pricing/errors.js";
export {
  PRICE_UNITS,
  priceInWei,
  comparePrices,
  assertSameUnit,
  formatPrice,
  type Price,
  type PriceUnit,
  type PriceSetting,
} from "./pricing/price.js";
export {
  WEI_PER_ETH,
  parsePricePerUnit,
  parsePixelsPerUnit,
  parsePriceSetting,
} from "./pricing/parsePrice.js";
export {
  AGGREGATOR_V3_ABI,
  DEFAULT_MAX_FEED_AGE_SECONDS,
  PriceFeed,
  type CurrencyRate,
  type PriceFeedAnswer,
  type PriceFeedOptions,
  type FeedTimer,
} from "./pricing/priceFeed.js";
export {
  ARBITRUM_ONE_ETH_USD_FEED,
  ETHEREUM_MAINNET_ETH_USD_FEED,
  DEFAULT_PRICE_FEED,
  KNOWN_PRICE_FEEDS,
  type KnownPriceFeed,
} from "./pricing/feeds.js";
export { resolvePrice } from "./pricing/resolvePrice.js";
export { isWithinMaxPrice, selectRecipients } from "./pricing/selectRecipients.js";
export { redemptionOverhead, advertisedPrice } from "./pricing/adjustPrice.js";
export {
  PASSTHROUGH_FPS_ASSUMPTION,
  segmentPixels,
  feeFor,
  estimateFee,
  type OutputProfile,
  type FeeEstimate,
} from "./pricing/estimateFee.js";
export { sessionKey, type SessionId } from "./session/sessionKey.js";
export { SessionLedger, type SessionTotals } from "./session/sessionLedger.js";
export {
  SenderSession,
  type SenderSessionOptions,
  type PaymentPlan,
} from "./session/senderSession.js";
export {
  RecipientSession,
  DEFAULT_MAX_PRICE_CHANGE_FACTOR,
  type RecipientSessionOptions,
  type CreditedTicket,
} from "./session/recipientSession.js";
export {
  type TicketParams,
  ticketParamsEV,
  ticketParamsKey,
  ticketForParams,
} from "./ticket/ticketParams.js";
export {
  type BrokerReader,
  type SenderFunds,
  ContractBrokerReader,
  BrokerReaderNoProviderError,
} from "./chain/brokerReader.js";
export {
  TicketParamsExpiredError,
  TicketParamsEVNotBelowFaceValueError,
  TicketParamsEVTooHighError,
  TicketParamsFaceValueTooHighError,
  TicketParamsSenderUnlockingError,
  TicketParamsMismatchError,
  PaymentEVTooHighError,
  NonceStoreError,
} from "./sender/errors.js";
export { validateTicketParams, type SenderLimits } from "./sender/validateTicketParams.js";
export {
  planPayment,
  createPayment,
  type PaymentPlan as TicketPaymentPlan,
  type Payment,
} from "./sender/createPayment.js";
export {
  MAX_SENDER_NONCE,
  MemoryNonceStore,
  type NonceStore,
  type NonceRange,
} from "./sender/nonceStore.js";
export { FileNonceStore } from "./sender/fileNonceStore.js";
export { NonceAllocator } from "./sender/nonceAllocator.js";
export { TicketSender, type TicketSenderLimits } from "./sender/ticketSender.js";
export {
  TicketParamsNotIssuedError,
  TicketParamsMismatchOnReceiveError,
  TicketParamsExpiredOnReceiveError,
  TicketParamsFromEarlierRunError,
  TicketSignerRevokedError,
  TicketNonceBelowClosedParamsError,
  TicketNonceReusedError,
  TicketParamsNonceLimitError,
  SenderCannotPayError,
  SenderUnlockingError,
  IssueTicketParamsError,
  WinnerStoreError,
} from "./recipient/errors.js";
export { deriveRecipientRand, type RecipientRandInput } from "./recipient/recipientRand.js";
export {
  DEFAULT_TX_COST_MULTIPLIER,
  recipientFaceValue,
  issueTicketParams,
} from "./recipient/issueTicketParams.js";
export {
  MemoryWinnerStore,
  type WinnerStore,
  type WinningTicket,
  type StoredWinner,
  type WinnerStatus,
} from "./recipient/winnerStore.js";
// winner store file: framed records, read-only opening, one writer per store
export {
  FileWinnerStore,
  WinnerStoreFormatError,
  WinnerStoreLockedError,
  WinnerStoreReadOnlyError,
  WINNER_STORE_FORMAT,
} from "./recipient/fileWinnerStore.js";
export { Recipient, type RecipientPolicy, type ReceivedTicket } from "./recipient/recipient.js";
// Recipient timing defaults (one source for the recipient, the redeemer, the services and the CLI).
export {
  DEFAULT_GRACE_SECONDS,
  DEFAULT_PARAMS_LIFETIME_SECONDS,
  DEFAULT_REDEMPTION_WINDOW_SECONDS,
} from "./recipient/defaults.js";
export {
  Redeemer,
  ContractRedemptionClient,
  isPermanentRedemptionFailure,
  type RedemptionClient,
  type RedemptionSubmission,
  type RedemptionReport,
} from "./redeem/redeemer.js";
// wire format
export {
  WIRE_VERSION,
  MAX_TICKETS_PER_PAYMENT,
  WireDecodeError,
  WireVersionError,
  WireEncodeError,
  VersionSchema,
  TicketParamsSchema,
  TicketSchema,
  SignedTicketSchema,
  PaymentSchema,
  WinnerSchema,
  encodeTicketParams,
  decodeTicketParams,
  encodeSignedTicket,
  decodeSignedTicket,
  encodePayment,
  decodePayment,
  encodeWinner,
  decodeWinner,
  type TicketParamsJson,
  type TicketJson,
  type SignedTicketJson,
  type PaymentJson,
  type PaymentMessage,
  type WinnerJson,
} from "./wire/index.js";
// input checks and errors
export {
  InvalidInputError,
  assertAddress,
  normalizeAddress,
  assertTicket,
  assertSignedTicket,
  assertTicketParams,
} from "./ticket/inputs.js";
export { ChainUnavailableError } from "./internal/rpcError.js";
export { InvalidPaymentAmountError } from "./sender/errors.js";
export {
  Clock,
  withWallClock,
  systemWallClock,
  type WallClock,
  type ClockReading,
} from "./chain/clock.js";
export { cryptoBackend, type CryptoBackend } from "./internal/cryptoBackend.js";
// redemption engine: plan, cost, transactions, daemon
export {
  planRedemption,
  delegatedSigners,
  winnerSigner,
  isPermanentRedemptionError,
  RedemptionPlanMissingStateError,
  type PlanWinner,
  type SenderChainState,
  type DueWinner,
  type WaitingReason,
  type RedemptionPlan,
} from "./redeem/plan.js";
export { loadChainState } from "./redeem/chainState.js";
export {
  ARBITRUM_NODE_INTERFACE,
  ARBITRUM_CHAIN_IDS,
  RedemptionCostError,
  readFees,
  effectiveGasPrice,
  redemptionCalldata,
  isArbitrum,
  estimateRedemptionCost,
  measureCostCurve,
  costAt,
  type JsonRpcSender,
  type FeeQuote,
  type RedemptionCost,
  type CostCurve,
} from "./redeem/cost.js";
export {
  decideRedemption,
  maxBatchSize,
  type RedemptionEconomics,
  type RedemptionDecision,
} from "./redeem/decide.js";
export {
  RedemptionTransactions,
  RedemptionTransactionError,
  type TransactionSigner,
  type TransactionSettings,
  type InFlight,
  type Settlement,
} from "./redeem/transactions.js";
export {
  RedeemerDaemon,
  redeemOnce,
  runRedeemer,
  type RedeemerOptions,
  type RedeemerRoundReport,
} from "./redeem/daemon.js";
export {
  prometheusRedeemerMetrics,
  type RedeemerMetrics,
  type RedeemerSnapshot,
} from "./redeem/metrics.js";
export {
  startRedeemer,
  loadRedeemerConfig,
  RedeemerConfigError,
  type RedeemerProcessConfig,
} from "./redeem/main.js";
// x402 lottery scheme
export {
  LotteryPaywallConfigError,
  LotteryPaymentRefusedError,
  LotteryPriceAboveCeilingError,
  LotteryOverchargeError,
  LotteryChallengeError,
  LotteryCreditUnavailableError,
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
  encodeX402Header,
  decodeX402Header,
  createLotteryPaywall,
  refusalResponse,
  lotteryPaywallPlugin,
  wrapFetchWithLottery,
  payWithTicketSender,
  payWithSigner,
  type LotterySignerService,
  type LotteryPricing,
  type LotteryExtra,
  type LotteryRequirements,
  type PaymentRequired,
  type LotteryPaymentPayload,
  type LotterySettlement,
  type LotteryPaywall,
  type LotteryPaywallOptions,
  type LotteryGrant,
  type LotteryErrorReason,
  type PaidRequestContext,
  type PaywallRequest,
  type PaywallRefusal,
  type LotteryPaywallPluginOptions,
  type LotteryChallenge,
  type LotteryFetchOptions,
  type LotteryFetch,
} from "./x402/index.js";

// Core: replay state, cached chain reads, signer check, sessions keyed by params.
export {
  MemoryReplayStore,
  type ReplayStore,
  type ReplayOutcome,
} from "./recipient/replayStore.js";
export { ReplayPolicy } from "./recipient/replayPolicy.js";
export {
  CachedBrokerReader,
  ChainHeadUnavailableError,
  SENDER_STATE_EVENTS,
  createProvider,
  type CachedBrokerReaderOptions,
  type ChainHead,
  type ChainHeadSource,
} from "./chain/cachedBrokerReader.js";
export { checkSignerValidUntil } from "./ticket/validateTicket.js";
export { sessionIdForParams } from "./session/sessionKey.js";
export { type TicketReceiver, type ReceivedPayment } from "./session/recipientSession.js";

// stores: durable shared state (memory, SQLite, PostgreSQL), see docs/storage.md.
export {
  StoreError,
  IdempotencyConflictError,
  SpendLimitReachedError,
  SessionOverdrawnError,
  StoreUnavailableError,
  WinnerStateTransitionError,
  InvalidStoreUrlError,
  InvalidStoreArgumentError,
  StoreMigrationError,
} from "./store/errors.js";
export {
  WINNER_TRANSITIONS,
  statusOfState,
  type WinnerState,
  type WinnerSubmission,
  type SubmittedWinners,
  type DurableWinnerFilter,
  type DurableWinnerStore,
} from "./store/winners.js";
export type {
  Store,
  PaymentLedger,
  PaymentRecord,
  SpendLimit,
  SessionStore,
  SessionBalance,
  CreditResult,
  LeaderLock,
} from "./store/types.js";
export { openStore, type OpenStoreOptions } from "./store/openStore.js";
export { MemoryStore } from "./store/memory/memoryStore.js";
export { MemoryDurableWinnerStore } from "./store/memory/memoryWinnerStore.js";
export { MemoryPaymentLedger } from "./store/memory/memoryLedger.js";
export { MemorySessionStore } from "./store/memory/memorySessionStore.js";
export { MemoryLeaderLock } from "./store/memory/memoryLeaderLock.js";
export { SqliteStore } from "./store/sqlite/sqliteStore.js";
export { PostgresStore } from "./store/postgres/postgresStore.js";
export { importFileStores, type FileImportReport } from "./store/importFileStores.js";
