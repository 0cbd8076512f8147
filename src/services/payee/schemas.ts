import { Type, type Static } from "typebox";

import { PaymentSchema, TicketParamsSchema } from "../../wire/index.js";
import {
  DecimalWeiSchema,
  SessionBalanceSchema,
  SessionIdSchema,
  WeiAmountSchema,
  inline,
} from "../common/schemas.js";

const AddressSchema = Type.String({
  pattern: "^0x[0-9a-fA-F]{40}$",
  description: "An address, 0x and 40 hex digits",
});

/** `POST /v1/params`. */
export const ParamsRequestSchema = Type.Object(
  { sender: AddressSchema },
  { additionalProperties: false },
);

/** The price of one unit of work. */
export const UnitPriceSchema = Type.Object(
  {
    unit: Type.Union([Type.Literal("pixel"), Type.Literal("second"), Type.Literal("request")]),
    weiPerUnit: { ...WeiAmountSchema, description: "Wei per unit, exact (integer or num/den)" },
  },
  { additionalProperties: false },
);

export const ParamsResponseSchema = Type.Object(
  {
    version: Type.Literal(1),
    params: inline(TicketParamsSchema),
    price: UnitPriceSchema,
    ev: { ...WeiAmountSchema, description: "EV of one ticket on these params, exact wei" },
  },
  { additionalProperties: false },
);

/** `POST /v1/payments`: a payment for a session. */
export const PayeePaymentRequestSchema = Type.Object(
  {
    sessionId: SessionIdSchema,
    payment: inline(PaymentSchema),
  },
  { additionalProperties: false },
);
export type PayeePaymentRequest = Static<typeof PayeePaymentRequestSchema>;

export const TicketOutcomeSchema = Type.Object(
  {
    senderNonce: Type.String(),
    accepted: Type.Boolean(),
    won: Type.Boolean(),
    ev: WeiAmountSchema,
    code: Type.Optional(Type.String({ description: "Why the ticket was refused" })),
    detail: Type.Optional(Type.String()),
    hint: Type.Optional(Type.String()),
    floor: Type.Optional(Type.String({ description: "Nonce floor, when refused below it" })),
  },
  { additionalProperties: false },
);

export const PayeePaymentResponseSchema = Type.Object(
  {
    version: Type.Literal(1),
    sessionId: SessionIdSchema,
    accepted: Type.Integer({ minimum: 0 }),
    refused: Type.Integer({ minimum: 0 }),
    credited: { ...WeiAmountSchema, description: "EV credited by this payment" },
    tickets: Type.Array(TicketOutcomeSchema),
    session: SessionBalanceSchema,
  },
  { additionalProperties: false },
);
export type PayeePaymentResponse = Static<typeof PayeePaymentResponseSchema>;

export const SessionParamsSchema = Type.Object({ id: SessionIdSchema });

export const SessionResponseSchema = Type.Object(
  {
    sessionId: SessionIdSchema,
    ...SessionBalanceSchema.properties,
    closed: Type.Boolean(),
    closedReason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const FeeRequestSchema = Type.Object(
  { fee: { ...DecimalWeiSchema, description: "The fee of the work, wei" } },
  { additionalProperties: false },
);

export const DebitRequestSchema = Type.Object(
  {
    fee: { ...DecimalWeiSchema, description: "The actual fee of the finished work, wei" },
    live: Type.Optional(
      Type.Boolean({
        description:
          "Live (per-second) work: when the credit does not cover the fee the session is closed (reason credit-exhausted)",
      }),
    ),
  },
  { additionalProperties: false },
);

export const CheckResponseSchema = Type.Object(
  {
    sessionId: SessionIdSchema,
    canPay: Type.Boolean(),
    fee: WeiAmountSchema,
    balance: WeiAmountSchema,
    shortfall: {
      ...WeiAmountSchema,
      description: "fee − balance − tolerance when it cannot pay, else 0",
    },
    closedReason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const DebitResponseSchema = Type.Object(
  {
    sessionId: SessionIdSchema,
    fee: WeiAmountSchema,
    session: SessionBalanceSchema,
  },
  { additionalProperties: false },
);
export type DebitResponse = Static<typeof DebitResponseSchema>;
