import { ticketCountFor } from "../ticket/ev.js";
import { Rational } from "../math/rational.js";
import type { TicketHasher } from "../ticket/ticketDigest.js";
import { ticketForParams, ticketParamsEV, type TicketParams } from "../ticket/ticketParams.js";
import type { SignedTicket } from "../ticket/ticketTypes.js";
import type { TicketSigner } from "../ticket/signTicket.js";
import {
  assertBigint,
  assertHasMethods,
  assertHexBytes,
  assertObject,
  assertTicketParams,
  describeValue,
} from "../ticket/inputs.js";
import {
  InvalidPaymentAmountError,
  PaymentEVTooHighError,
  TicketParamsExpiredError,
} from "./errors.js";
import type { NonceAllocator } from "./nonceAllocator.js";

/**
 * Throws {@link InvalidPaymentAmountError} unless `amount` is a bigint or a {@link Rational}
 * above zero: a payment of nothing, of a negative amount or of a value of another type
 * (a number, a string) signs no ticket.
 *
 * @example
 * ```ts
 * checkPaymentAmount(10n ** 12n, "amount"); // passes
 * checkPaymentAmount(0n, "amount"); // throws InvalidPaymentAmountError
 * ```
 */
export function checkPaymentAmount(amount: unknown, field = "amount"): Rational {
  const value =
    typeof amount === "bigint"
      ? Rational.of(amount)
      : amount instanceof Rational
        ? amount
        : undefined;
  if (value === undefined || value.cmp(0n) <= 0) {
    throw new InvalidPaymentAmountError(`The payment ${field} must be above zero wei`, {
      details: { field, received: value === undefined ? describeValue(amount) : value.toString() },
      hint:
        value === undefined
          ? `Pass ${field} in wei as a bigint (BigInt(x) for a number or JSON text) or a Rational.`
          : `Pass a positive ${field} in wei; nothing is signed for a payment of zero or less.`,
    });
  }
  return value;
}

/** How a payment of some amount splits into tickets: how many, each worth `ev`, `totalEV` in all. */
export interface PaymentPlan {
  readonly count: bigint;
  readonly ev: Rational;
  readonly totalEV: Rational;
}

/**
 * How many tickets with `params` pay `amount` wei: ⌈amount / EV⌉, at least one, and their summed
 * EV, checked exactly (rationals) against `maxTotalEV` — a total equal to the maximum passes,
 * one wei over fails with {@link PaymentEVTooHighError}.
 *
 * @example
 * ```ts
 * // Three tickets of EV 1e12 against a maximum of exactly 3e12: allowed.
 * planPayment({ params, amount: 3n * 10n ** 12n, maxTotalEV: 3n * 10n ** 12n }).count; // 3n
 * ```
 */
export function planPayment(args: {
  params: Pick<TicketParams, "faceValue" | "winProb">;
  amount: Rational | bigint;
  maxTotalEV?: Rational | bigint;
}): PaymentPlan {
  assertObject(args, "planPayment arguments");
  assertObject(args.params, "params");
  assertBigint(args.params.faceValue, "params.faceValue");
  assertBigint(args.params.winProb, "params.winProb");
  checkRationalOrBigint(args.amount, "amount");
  if (args.maxTotalEV !== undefined) checkRationalOrBigint(args.maxTotalEV, "maxTotalEV");
  const ev = ticketParamsEV(args.params);
  const count = ticketCountFor(args.amount, ev);
  const totalEV = ev.mul(count);
  if (args.maxTotalEV !== undefined && totalEV.cmp(args.maxTotalEV) > 0) {
    throw new PaymentEVTooHighError("The tickets for this payment exceed the maximum total EV", {
      details: {
        amount: Rational.from(args.amount).toString(),
        count,
        ev: ev.toString(),
        totalEV: totalEV.toString(),
        maxTotalEV: Rational.from(args.maxTotalEV).toString(),
      },
      hint: "Pay a smaller amount per payment, ask the recipient for params with a smaller EV per ticket, or raise maxTotalEV.",
    });
  }
  return { count, ev, totalEV };
}

/** The tickets created for one payment, in increasing nonce order. */
export interface Payment extends PaymentPlan {
  readonly params: TicketParams;
  readonly tickets: SignedTicket[];
}

/**
 * Creates and signs the tickets that pay `amount` wei with params the sender already accepted
 * (see `validateTicketParams`): plans them with {@link planPayment}, takes fresh nonces from the
 * allocator (never reused, never lowered) and signs each ticket. Refuses params whose issuance
 * deadline has passed ({@link TicketParamsExpiredError}).
 *
 * @example
 * ```ts
 * const payment = await createPayment({
 *   params, amount: fee, maxTotalEV: 10n ** 15n, signer, hasher, nonces: allocator,
 *   workId: segmentHash, now: BigInt(Math.floor(Date.now() / 1000)),
 * });
 * send(payment.tickets, params);
 * ```
 */
export async function createPayment(args: {
  params: TicketParams;
  amount: Rational | bigint;
  maxTotalEV?: Rational | bigint;
  signer: TicketSigner;
  hasher: TicketHasher;
  nonces: NonceAllocator;
  workId: `0x${string}`;
  now: bigint;
  /** Every nonce is above this (e.g. the broker's highestRedeemedNonce for the pair). */
  nonceFloor?: bigint;
}): Promise<Payment> {
  assertObject(args, "createPayment arguments");
  const { params } = args;
  assertTicketParams(params, "params");
  checkPaymentAmount(args.amount, "amount");
  assertBigint(args.now, "now");
  assertHexBytes(args.workId, 32, "workId");
  if (args.nonceFloor !== undefined) assertBigint(args.nonceFloor, "nonceFloor");
  if (args.maxTotalEV !== undefined) checkRationalOrBigint(args.maxTotalEV, "maxTotalEV");
  assertHasMethods(args.signer, "signer", ["signTicket"]);
  assertHasMethods(args.hasher, "hasher", ["digest"]);
  assertHasMethods(args.nonces, "nonces", ["take"]);
  if (args.now > params.expirationTime) {
    throw new TicketParamsExpiredError("Ticket params expired", {
      details: { expirationTime: params.expirationTime, now: args.now },
      hint: "Request fresh params from the recipient; no new ticket may use expired params.",
    });
  }
  const plan = planPayment(
    args.maxTotalEV === undefined
      ? { params, amount: args.amount }
      : { params, amount: args.amount, maxTotalEV: args.maxTotalEV },
  );
  const nonces = await args.nonces.take({
    sender: params.sender,
    recipient: params.recipient,
    count: plan.count,
    ...(args.nonceFloor === undefined ? {} : { above: args.nonceFloor }),
  });
  const tickets: SignedTicket[] = [];
  for (const senderNonce of nonces) {
    const ticket = ticketForParams({ params, senderNonce, workId: args.workId });
    tickets.push({ ticket, signature: await args.signer.signTicket(ticket, args.hasher) });
  }
  return { ...plan, params, tickets };
}

/** Throws unless `value` is a bigint or a {@link Rational} of any sign. */
function checkRationalOrBigint(value: unknown, field: string): void {
  if (typeof value === "bigint" || value instanceof Rational) return;
  throw new InvalidPaymentAmountError(`${field} must be a bigint or a Rational (wei)`, {
    details: { field, received: describeValue(value) },
    hint: `Pass ${field} in wei as a bigint (BigInt(x) for a number or JSON text) or a Rational.`,
  });
}
