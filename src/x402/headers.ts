/**
 * The x402 version 2 messages the lottery scheme uses, as TypeBox schemas, and their header
 * encoding: standard base64 of UTF-8 JSON. The project encodes these headers itself (no
 * `@x402/core` dependency): the lottery scheme's payload and response carry fields x402's
 * built-in schemes do not, and the encoding is three lines.
 */
import { Type, type Static } from "typebox";

import { InvalidInputError, assertString, describeValue } from "../ticket/inputs.js";
import { TICKET_DOMAIN_NAME, TICKET_DOMAIN_VERSION } from "../ticket/ticketTypes.js";
import { messageChecker } from "../wire/decode.js";
import { PaymentSchema } from "../wire/payment.js";
import { TicketParamsSchema } from "../wire/ticketParams.js";

/** Header of a 402 answer: what the server accepts (base64 JSON {@link PaymentRequired}). */
export const PAYMENT_REQUIRED_HEADER = "PAYMENT-REQUIRED";
/** Header of a paying request: the client's payment (base64 JSON {@link LotteryPaymentPayload}). */
export const PAYMENT_SIGNATURE_HEADER = "PAYMENT-SIGNATURE";
/** Header of an answer to a paying request (base64 JSON {@link LotterySettlement}). */
export const PAYMENT_RESPONSE_HEADER = "PAYMENT-RESPONSE";
/** Request header naming the sender, so that a 402 can carry params issued for it. */
export const LOTTERY_SENDER_HEADER = "LOTTERY-SENDER";

/** The x402 protocol version these messages follow. */
export const X402_VERSION = 2 as const;
/** The scheme name in an `accepts` entry. */
export const LOTTERY_SCHEME = "lottery" as const;
/** `asset` of a lottery offer: the chain's native currency (tickets pay wei). */
export const NATIVE_ASSET = "0x0000000000000000000000000000000000000000" as const;

const Wei = Type.String({
  pattern: "^(0|[1-9][0-9]*)$",
  maxLength: 78,
  description: "An amount in wei as a decimal string.",
});
const Address = Type.String({ pattern: "^0x[0-9a-fA-F]{40}$", maxLength: 42 });
/** Session ids are opaque to clients; the server makes them (docs/x402-lottery.md). */
const SessionId = Type.String({ pattern: "^[A-Za-z0-9_.-]{1,128}$" });

/** How the route charges (`extra.pricing` of the offer). */
export const LotteryPricingSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal("exact"), Type.Literal("upto")], {
      description:
        "exact: every request costs `amount`; upto: `amount` is the maximum, the actual charge is known after the work.",
    }),
    perRequest: Wei,
    perUnit: Type.Optional(Wei),
    unit: Type.Optional(Type.String({ maxLength: 64 })),
    prepay: Type.String({
      ...Wei,
      description: "Credit in wei the server suggests buying per payment.",
    }),
  },
  { additionalProperties: false },
);

/** `extra` of a lottery offer. */
export const LotteryExtraSchema = Type.Object(
  {
    params: Type.Optional(TicketParamsSchema),
    session: SessionId,
    balance: Wei,
    pricing: LotteryPricingSchema,
    senderHeader: Type.Literal(LOTTERY_SENDER_HEADER),
    eip712: Type.Object(
      { name: Type.Literal(TICKET_DOMAIN_NAME), version: Type.Literal(TICKET_DOMAIN_VERSION) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** One `accepts` entry with `scheme: "lottery"`. */
export const LotteryRequirementsSchema = Type.Object(
  {
    scheme: Type.Literal(LOTTERY_SCHEME),
    network: Type.String({ pattern: "^eip155:[1-9][0-9]{0,19}$" }),
    amount: Wei,
    asset: Type.Literal(NATIVE_ASSET),
    payTo: Address,
    maxTimeoutSeconds: Type.Integer({ minimum: 1 }),
    extra: LotteryExtraSchema,
  },
  { $id: "LotteryRequirements", additionalProperties: false },
);

const ResourceSchema = Type.Object({
  url: Type.String(),
  description: Type.Optional(Type.String()),
  mimeType: Type.Optional(Type.String()),
});

/** The `PAYMENT-REQUIRED` message of a 402 (other schemes may sit beside the lottery offer). */
export const PaymentRequiredSchema = Type.Object(
  {
    x402Version: Type.Literal(X402_VERSION),
    error: Type.Optional(Type.String()),
    resource: ResourceSchema,
    accepts: Type.Array(Type.Unknown()),
  },
  { $id: "PaymentRequired" },
);

/**
 * The offer the client echoes in its payload: the fields the server compares (scheme, network,
 * amount, asset, payTo, extra.pricing); the rest of the entry may be echoed or left out.
 */
const AcceptedSchema = Type.Object({
  scheme: Type.Literal(LOTTERY_SCHEME),
  network: Type.String({ maxLength: 64 }),
  amount: Wei,
  asset: Type.String({ maxLength: 64 }),
  payTo: Address,
  extra: Type.Object({ pricing: LotteryPricingSchema }),
});

/** The `PAYMENT-SIGNATURE` message: the session to charge and, when needed, a Payment. */
export const LotteryPaymentPayloadSchema = Type.Object(
  {
    x402Version: Type.Literal(X402_VERSION),
    resource: Type.Optional(ResourceSchema),
    accepted: AcceptedSchema,
    payload: Type.Object(
      { session: SessionId, payment: Type.Optional(PaymentSchema) },
      { additionalProperties: false },
    ),
  },
  { $id: "LotteryPaymentPayload" },
);

const RefusedTicketSchema = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  code: Type.String(),
  message: Type.String(),
});

/** The `PAYMENT-RESPONSE` message. */
export const LotterySettlementSchema = Type.Object(
  {
    success: Type.Boolean(),
    errorReason: Type.Optional(Type.String()),
    payer: Type.Optional(Address),
    transaction: Type.Literal(""),
    network: Type.String(),
    scheme: Type.Literal(LOTTERY_SCHEME),
    session: SessionId,
    charged: Wei,
    credited: Wei,
    balance: Wei,
    ticketsAccepted: Type.Integer({ minimum: 0 }),
    ticketsRefused: Type.Array(RefusedTicketSchema),
    winners: Type.Integer({ minimum: 0 }),
  },
  { $id: "LotterySettlement" },
);

export type LotteryPricing = Static<typeof LotteryPricingSchema>;
export type LotteryExtra = Static<typeof LotteryExtraSchema>;
export type LotteryRequirements = Static<typeof LotteryRequirementsSchema>;
export type PaymentRequired = Static<typeof PaymentRequiredSchema>;
export type LotteryPaymentPayload = Static<typeof LotteryPaymentPayloadSchema>;
export type LotterySettlement = Static<typeof LotterySettlementSchema>;

/** Checkers that throw WireDecodeError naming the field (see src/wire/decode.ts). */
export const checkPaymentRequired = messageChecker(
  "PaymentRequired",
  PaymentRequiredSchema,
  "docs/x402-lottery.md",
);
export const checkLotteryRequirements = messageChecker(
  "LotteryRequirements",
  LotteryRequirementsSchema,
  "docs/x402-lottery.md",
);
export const checkLotteryPaymentPayload = messageChecker(
  "LotteryPaymentPayload",
  LotteryPaymentPayloadSchema,
  "docs/x402-lottery.md",
);
export const checkLotterySettlement = messageChecker(
  "LotterySettlement",
  LotterySettlementSchema,
  "docs/x402-lottery.md",
);

/** A header value: standard base64 of the UTF-8 JSON text of `message`. */
export function encodeHeader(message: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(message);
  } catch (cause) {
    throw notJson(message, cause);
  }
  if (text === undefined) throw notJson(message);
  return Buffer.from(text, "utf8").toString("base64");
}

function notJson(message: unknown, cause?: unknown): InvalidInputError {
  return new InvalidInputError("A header message must be a JSON value", {
    details: { field: "message", received: describeValue(message) },
    hint: "Pass the wire form of the message (bigints as decimal strings, as the x402 codecs produce).",
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The JSON value of a base64 header, or undefined when it is not base64 of JSON text. */
export function decodeHeader(value: string): unknown {
  assertString(value, "header value");
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return undefined;
  try {
    return JSON.parse(Buffer.from(value, "base64").toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}
