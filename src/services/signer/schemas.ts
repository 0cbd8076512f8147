import { Type, type Static } from "typebox";

import { SignedTicketSchema, TicketParamsSchema } from "../../wire/index.js";
import {
  DecimalWeiSchema,
  SessionBalanceSchema,
  SessionIdSchema,
  WeiAmountSchema,
  inline,
} from "../common/schemas.js";

/** `POST /v1/payments`: what a gateway asks the signer to pay. */
export const PaymentRequestSchema = Type.Object(
  {
    params: inline(TicketParamsSchema),
    sessionId: SessionIdSchema,
    fee: Type.Optional({
      ...DecimalWeiSchema,
      description: "The fee to pay, wei. Give either fee or units and pricePerUnit.",
    }),
    units: Type.Optional(
      Type.String({
        pattern: "^(0|[1-9][0-9]*)$",
        maxLength: 40,
        description: "Units of work (pixels, seconds, requests) to pay for",
      }),
    ),
    pricePerUnit: Type.Optional({
      ...DecimalWeiSchema,
      description: "Wei per unit, as the payee quoted it",
    }),
    maxPricePerUnit: Type.Optional({
      ...DecimalWeiSchema,
      description:
        "Refuse (PriceAboveCeilingError) if pricePerUnit is above this, in maxPricePerUnitCurrency",
    }),
    maxPricePerUnitCurrency: Type.Optional(
      Type.String({
        pattern: "^[A-Za-z]{3,5}$",
        description:
          'Currency of maxPricePerUnit: "WEI" (default), "ETH", or the price feed\'s currency (e.g. "USD")',
      }),
    ),
    workId: Type.Optional(
      Type.String({
        pattern: "^0x[0-9a-f]{64}$",
        description: "32 bytes binding the tickets to the work (default: zero)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type PaymentRequest = Static<typeof PaymentRequestSchema>;

/** The signer's answer: the tickets to forward to the payee, and the session's new balance. */
export const PaymentResponseSchema = Type.Object(
  {
    version: Type.Literal(1),
    sessionId: SessionIdSchema,
    sender: Type.String(),
    recipient: Type.String(),
    nothingToPay: Type.Boolean({
      description: "True when the session's credit covered the fee: no ticket was signed",
    }),
    fee: WeiAmountSchema,
    ticketCount: Type.Integer({ minimum: 0 }),
    ev: { ...WeiAmountSchema, description: "Summed EV of the tickets, exact wei" },
    tickets: Type.Array(inline(SignedTicketSchema)),
    session: SessionBalanceSchema,
  },
  { additionalProperties: false },
);
export type PaymentResponse = Static<typeof PaymentResponseSchema>;

/** `GET /v1/sender`. */
export const SenderInfoSchema = Type.Object(
  {
    sender: Type.String(),
    signer: Type.String({
      description: "Address of the key that signs (the sender or a delegate)",
    }),
    deposit: Type.String(),
    reserve: Type.String(),
    unlockEnd: Type.String(),
    chainId: Type.String(),
    broker: Type.String(),
  },
  { additionalProperties: false },
);
