/**
 * The server side of the x402 "lottery" scheme, over plain requests and web `Response`s: it
 * answers 402 with an offer, verifies a PAYMENT-SIGNATURE (every ticket through the recipient),
 * credits the session with the EV of the tickets it accepts (each exactly once), debits the
 * price, and answers PAYMENT-RESPONSE. docs/x402-lottery.md is the specification.
 */
import { randomBytes } from "node:crypto";

import { TicketBrokerError } from "../errors.js";
import {
  InvalidInputError,
  assertAddress,
  assertBigint,
  assertHasMethods,
  assertInteger,
  assertObject,
  assertString,
  describeValue,
} from "../ticket/inputs.js";
import { Rational } from "../math/rational.js";
import { IssueTicketParamsError } from "../recipient/errors.js";
import type { Recipient } from "../recipient/recipient.js";
import { SessionOverdrawnError } from "../store/errors.js";
import type { SessionStore } from "../store/types.js";
import type { SignedTicket } from "../ticket/ticketTypes.js";
import { ticketParamsKey, type TicketParams } from "../ticket/ticketParams.js";
import { TICKET_DOMAIN_NAME, TICKET_DOMAIN_VERSION } from "../ticket/ticketTypes.js";
import { checksumLowerHex } from "../internal/address.js";
import { decodePayment, type PaymentMessage } from "../wire/payment.js";
import { encodeTicketParams } from "../wire/ticketParams.js";
import { WireDecodeError } from "../wire/errors.js";
import {
  LotteryCreditUnavailableError,
  LotteryOverchargeError,
  LotteryPaywallConfigError,
} from "./errors.js";
import {
  LOTTERY_SCHEME,
  LOTTERY_SENDER_HEADER,
  NATIVE_ASSET,
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_RESPONSE_HEADER,
  PAYMENT_SIGNATURE_HEADER,
  X402_VERSION,
  checkLotteryPaymentPayload,
  decodeHeader,
  encodeHeader,
  type LotteryPricing,
  type LotteryRequirements,
  type LotterySettlement,
  type PaymentRequired,
} from "./headers.js";
import { SessionIds } from "./session.js";

/** The scheme's error codes, sent as `error` in PAYMENT-REQUIRED and `errorReason` in PAYMENT-RESPONSE. */
export type LotteryErrorReason =
  | "payment_required"
  | "invalid_sender"
  | "params_unavailable"
  | "invalid_header"
  | "requirements_mismatch"
  | "invalid_session"
  | "ticket_refused"
  | "insufficient_credit"
  | "credit_unavailable";

/** Options of {@link createLotteryPaywall}. */
export interface LotteryPaywallOptions {
  /** The payee: issues params and checks every ticket. */
  readonly recipient: Pick<Recipient, "address" | "issueParams" | "receiveTicket" | "forgetTicket">;
  /** Where session balances live (credit exactly once per ticket, atomic debits). */
  readonly sessions: Pick<SessionStore, "credit" | "debit" | "get">;
  /** Chain id of the broker; the offer's network is `eip155:<chainId>`. */
  readonly chainId: bigint;
  /** Wei per request (`exact`), or the most one request may cost (`upto`). */
  readonly price: bigint;
  /** `exact` (default): every request costs `price`; `upto`: the handler sets the charge ≤ price. */
  readonly mode?: "exact" | "upto";
  /** Informational per-unit price for `upto` routes (e.g. per token). */
  readonly perUnit?: { readonly price: bigint; readonly unit: string };
  /** Requests' worth of credit the offer suggests buying per payment (default 10). */
  readonly prepayRequests?: bigint;
  /**
   * Tickets one prepayment should take (default 4): params are issued with an EV per ticket of
   * prepay / ticketsPerPayment, so that PAYMENT-SIGNATURE stays a few kilobytes (HTTP servers
   * refuse headers above 16 KB by default). When the sender's funds cannot cover that EV, the
   * recipient's own target EV is used.
   */
  readonly ticketsPerPayment?: bigint;
  /** Gas price for issuing params (face value covers the redemption cost at it). */
  readonly gasPrice: () => Promise<bigint>;
  /** 32 bytes shared by the replicas of one paywall; random per process when left out. */
  readonly sessionSecret?: Uint8Array;
  /** x402 `maxTimeoutSeconds` of the offer (default 60). */
  readonly maxTimeoutSeconds?: number;
  /** x402 resource description and MIME type. */
  readonly description?: string;
  readonly mimeType?: string;
}

/** A request as the paywall needs it: its URL and a header reader (case-insensitive name). */
export interface PaywallRequest {
  readonly url: string;
  header(name: string): string | undefined;
}

/** A request the paywall let through: the session, what was reserved, what the payment did. */
export interface LotteryGrant {
  readonly sessionId: string;
  /** Debited before the work: the price (`exact`) or the maximum (`upto`). */
  readonly reserved: bigint;
  readonly payer?: `0x${string}`;
  readonly credited: Rational;
  readonly ticketsAccepted: number;
  readonly winners: number;
  readonly debitId: string;
}

/** An answer the paywall gives instead of the work: status, headers and a problem+json body. */
export interface PaywallRefusal {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: {
    type: string;
    title: string;
    status: number;
    detail: string;
    code: string;
    hint: string;
    reason: LotteryErrorReason;
    field?: string;
  };
}

/** What the handler of a paid request can do: learn its session and set the actual charge. */
export interface PaidRequestContext {
  readonly sessionId: string;
  /** The most this request may be charged (the offer's `amount`). */
  readonly maxCharge: bigint;
  /** `upto` only: the actual charge, 0 ≤ wei ≤ maxCharge (default: maxCharge). */
  charge(wei: bigint): void;
}

/** The paywall of one route (or a set of routes with one price). */
export interface LotteryPaywall {
  /** The offer for `request` (params only when the request names its sender). */
  requirements(request: PaywallRequest, session?: string): Promise<LotteryRequirements>;
  /** Lets a paid request through (`paid: true`) or gives the 402 (or other refusal) to send. */
  begin(
    request: PaywallRequest,
  ): Promise<{ paid: true; grant: LotteryGrant } | { paid: false; refusal: PaywallRefusal }>;
  /** After the work: refunds what an `upto` request did not use; the PAYMENT-RESPONSE headers. */
  finish(grant: LotteryGrant, charge?: bigint): Promise<Record<string, string>>;
  /** The work failed: refunds everything reserved. */
  abort(grant: LotteryGrant): Promise<void>;
  /** Runs `handler` for a paid web Request, or answers the refusal. */
  handle(
    request: Request,
    handler: (ctx: PaidRequestContext) => Promise<Response>,
  ): Promise<Response>;
}

/** Seconds a client waits before resending a payment answered `credit_unavailable`. */
const CREDIT_RETRY_AFTER_SECONDS = 1;

/** Problem `type` URIs: the base the services use, followed by the code. */
const PROBLEM_TYPE_BASE = "https://ticketbroker.dev/problems/";

/**
 * Creates the paywall of a route priced per request (`exact`) or up to a maximum (`upto`).
 *
 * @example
 * ```ts
 * const paywall = createLotteryPaywall({
 *   recipient, sessions: store.sessions, chainId: 421614n, price: 10n ** 12n,
 *   gasPrice: () => provider.getFeeData().then((f) => f.gasPrice ?? 10n ** 8n),
 * });
 * const response = await paywall.handle(request, async () => Response.json({ answer: 42 }));
 * ```
 */
export function createLotteryPaywall(options: LotteryPaywallOptions): LotteryPaywall {
  assertPaywallShapes(options);
  const mode = options.mode ?? "exact";
  checkOptions(options, mode);
  const sessionIds = new SessionIds(options.sessionSecret ?? randomBytes(32));
  const network = `eip155:${options.chainId}`;
  const payTo = checksumLowerHex(options.recipient.address.slice(2).toLowerCase());
  const price = options.price;
  const pricing: LotteryPricing = {
    mode,
    perRequest: price.toString(),
    ...(options.perUnit === undefined
      ? {}
      : { perUnit: options.perUnit.price.toString(), unit: options.perUnit.unit }),
    prepay: (price * (options.prepayRequests ?? 10n)).toString(),
  };
  const maxTimeoutSeconds = options.maxTimeoutSeconds ?? 60;
  const ticketEV = Rational.of(BigInt(pricing.prepay), options.ticketsPerPayment ?? 4n).ceil();

  async function balanceOf(session: string): Promise<Rational> {
    return (await options.sessions.get(session))?.balance ?? Rational.ZERO;
  }

  async function requirements(
    request: PaywallRequest,
    session?: string,
  ): Promise<LotteryRequirements> {
    const sessionId = session ?? sessionIds.create();
    const senderText = request.header(LOTTERY_SENDER_HEADER);
    let params: TicketParams | undefined;
    if (senderText !== undefined) {
      const sender = parseSender(senderText);
      const gasPrice = await options.gasPrice();
      try {
        params = await options.recipient.issueParams({ sender, gasPrice, targetEV: ticketEV });
      } catch (err) {
        if (!(err instanceof IssueTicketParamsError)) throw err;
        params = await options.recipient.issueParams({ sender, gasPrice });
      }
    }
    return {
      scheme: LOTTERY_SCHEME,
      network,
      amount: price.toString(),
      asset: NATIVE_ASSET,
      payTo,
      maxTimeoutSeconds,
      extra: {
        ...(params === undefined ? {} : { params: encodeTicketParams(params) }),
        session: sessionId,
        balance: (await balanceOf(sessionId)).floor().toString(),
        pricing,
        senderHeader: LOTTERY_SENDER_HEADER,
        eip712: { name: TICKET_DOMAIN_NAME, version: TICKET_DOMAIN_VERSION },
      },
    };
  }

  /** A 402 with a fresh offer (for `session` when the client has one) and, after a payment, its outcome. */
  async function paymentRequired(
    request: PaywallRequest,
    reason: LotteryErrorReason,
    cause: { message: string; hint: string; code?: string; field?: string },
    session?: string,
    settlement?: LotterySettlement,
  ): Promise<PaywallRefusal> {
    let offer: LotteryRequirements;
    let refusalReason = reason;
    let refusalCause = cause;
    try {
      offer = await requirements(request, session);
    } catch (err) {
      if (!(err instanceof TicketBrokerError)) throw err;
      // No params for this sender: say why, and still offer (without params) so it can retry.
      refusalReason = err instanceof InvalidLotterySender ? "invalid_sender" : "params_unavailable";
      refusalCause = { message: err.message, hint: err.hint, code: err.code };
      offer = await requirements({ url: request.url, header: () => undefined }, session);
    }
    const required: PaymentRequired = {
      x402Version: X402_VERSION,
      error: refusalReason,
      resource: {
        url: request.url,
        ...(options.description === undefined ? {} : { description: options.description }),
        ...(options.mimeType === undefined ? {} : { mimeType: options.mimeType }),
      },
      accepts: [offer],
    };
    return {
      status: 402,
      headers: {
        [PAYMENT_REQUIRED_HEADER]: encodeHeader(required),
        ...(settlement === undefined
          ? {}
          : { [PAYMENT_RESPONSE_HEADER]: encodeHeader(settlement) }),
        "content-type": "application/problem+json",
      },
      body: {
        type: `${PROBLEM_TYPE_BASE}${refusalCause.code ?? refusalReason}`,
        title: "Payment required",
        status: 402,
        detail: refusalCause.message,
        code: refusalCause.code ?? refusalReason,
        hint: refusalCause.hint,
        reason: refusalReason,
        ...(refusalCause.field === undefined ? {} : { field: refusalCause.field }),
      },
    };
  }

  /**
   * The 503 of a payment whose tickets could not be credited (a store failed): its nonces were
   * released, so the same PAYMENT-SIGNATURE can be sent again and is credited once.
   */
  function creditUnavailable(cause: unknown, session: string): PaywallRefusal {
    const err = new LotteryCreditUnavailableError(
      "The payment's tickets could not be credited; none of them was spent",
      {
        details: { session, reason: "credit_unavailable" },
        hint: `Resend the same ${PAYMENT_SIGNATURE_HEADER} after Retry-After seconds; it will be credited once. Do not sign new tickets for it.`,
        cause,
      },
    );
    return {
      status: 503,
      headers: {
        "retry-after": String(CREDIT_RETRY_AFTER_SECONDS),
        "content-type": "application/problem+json",
      },
      body: {
        type: `${PROBLEM_TYPE_BASE}${err.code}`,
        title: "Payment not credited, retry",
        status: 503,
        detail: err.message,
        code: err.code,
        hint: err.hint,
        reason: "credit_unavailable",
      },
    };
  }

  function settlement(a: {
    success: boolean;
    reason?: LotteryErrorReason;
    session: string;
    payer?: `0x${string}`;
    charged: bigint;
    credited: Rational;
    balance: Rational;
    accepted: number;
    refused: { index: number; code: string; message: string }[];
    winners: number;
  }): LotterySettlement {
    return {
      success: a.success,
      ...(a.reason === undefined ? {} : { errorReason: a.reason }),
      ...(a.payer === undefined ? {} : { payer: a.payer }),
      transaction: "",
      network,
      scheme: LOTTERY_SCHEME,
      session: a.session,
      charged: a.charged.toString(),
      credited: a.credited.floor().toString(),
      balance: a.balance.floor().toString(),
      ticketsAccepted: a.accepted,
      ticketsRefused: a.refused,
      winners: a.winners,
    };
  }

  async function begin(
    request: PaywallRequest,
  ): Promise<{ paid: true; grant: LotteryGrant } | { paid: false; refusal: PaywallRefusal }> {
    const refuse = async (...args: Parameters<typeof paymentRequired>) => ({
      paid: false as const,
      refusal: await paymentRequired(...args),
    });
    const header = request.header(PAYMENT_SIGNATURE_HEADER);
    if (header === undefined) {
      return refuse(request, "payment_required", {
        message: "This resource is paid for with lottery tickets",
        hint: `Retry with a ${PAYMENT_SIGNATURE_HEADER} header as docs/x402-lottery.md describes; send ${LOTTERY_SENDER_HEADER} to receive ticket params.`,
      });
    }
    const raw = decodeHeader(header);
    let payload;
    try {
      payload = checkLotteryPaymentPayload.check(raw);
    } catch (err) {
      const e = err as WireDecodeError;
      return refuse(request, "invalid_header", {
        message:
          raw === undefined ? `${PAYMENT_SIGNATURE_HEADER} is not base64 of JSON text` : e.message,
        hint: raw === undefined ? "Send standard base64 of the UTF-8 JSON payload." : e.hint,
        code: raw === undefined ? "LotteryPaymentRefusedError" : e.code,
        ...(raw === undefined ? {} : { field: e.field }),
      });
    }
    const accepted = payload.accepted;
    if (
      accepted.network !== network ||
      accepted.amount !== pricing.perRequest ||
      accepted.asset !== NATIVE_ASSET ||
      accepted.payTo.toLowerCase() !== payTo.toLowerCase() ||
      JSON.stringify(sortKeys(accepted.extra.pricing)) !== JSON.stringify(sortKeys(pricing))
    ) {
      return refuse(
        request,
        "requirements_mismatch",
        {
          message:
            "The payment accepts an offer this route does not make (another price, payee or network)",
          hint: "Pay against the offer in this route's own 402 (PAYMENT-REQUIRED); offers of other routes do not apply.",
        },
        sessionIds.isOwn(payload.payload.session) ? payload.payload.session : undefined,
      );
    }
    const session = payload.payload.session;
    if (!sessionIds.isOwn(session)) {
      return refuse(request, "invalid_session", {
        message: "The session id was not issued by this server",
        hint: "Use the session id from this server's PAYMENT-REQUIRED offer (extra.session).",
      });
    }
    let credited = Rational.ZERO;
    let accepted_ = 0;
    let winners = 0;
    let payer: `0x${string}` | undefined;
    const refused: { index: number; code: string; message: string }[] = [];
    if (payload.payload.payment !== undefined) {
      let payment: PaymentMessage;
      try {
        payment = decodePayment(payload.payload.payment);
      } catch (err) {
        const e = err as WireDecodeError;
        return refuse(
          request,
          "invalid_header",
          {
            message: e.message,
            hint: e.hint,
            code: e.code,
            field: `/payload/payment${e.field}`,
          },
          session,
        );
      }
      payer = payment.sender;
      // A re-offer after this payment carries params for its sender even without the header.
      const original = request;
      const sender = payer;
      request = {
        url: original.url,
        header: (name) =>
          original.header(name) ??
          (name.toUpperCase() === LOTTERY_SENDER_HEADER ? sender : undefined),
      };
      /** Tickets whose nonce this request recorded: released if their credit cannot be written. */
      const received: { signed: SignedTicket; params: TicketParams }[] = [];
      try {
        for (const [index, signed] of payment.tickets.entries()) {
          let ticket: { ev: Rational; won: boolean };
          try {
            ticket = await options.recipient.receiveTicket({ signed, params: payment.params });
          } catch (err) {
            if (!(err instanceof TicketBrokerError)) throw err;
            refused.push({ index, code: err.code, message: err.message });
            continue;
          }
          received.push({ signed, params: payment.params });
          // `applied: false`: an earlier attempt of this payment wrote this ticket's credit, then
          // failed and released its nonce. The ticket is paid for (once): it counts as accepted.
          await options.sessions.credit({
            sessionId: session,
            amount: ticket.ev,
            creditId: `ticket:${ticketParamsKey(payment.params)}:${signed.ticket.senderNonce}`,
          });
          credited = credited.add(ticket.ev);
          accepted_ += 1;
          if (ticket.won) winners += 1;
        }
      } catch (err) {
        // The server failed (a store), not the tickets. Nothing of this payment may stay spent
        // without being paid for: release every nonce it recorded, so that the client can resend
        // the same PAYMENT-SIGNATURE. Credits already written stay (keyed per ticket, a resend
        // does not write them twice); stored winners stay (storing one again changes nothing).
        const released = await Promise.allSettled(
          received.map((r) => options.recipient.forgetTicket(r)),
        );
        // Nonces that could not be released stay spent: a resend would be refused, so the
        // failure is the server's to report (5xx), not the client's to retry.
        if (released.some((r) => r.status === "rejected")) throw err;
        return { paid: false, refusal: creditUnavailable(err, session) };
      }
      if (refused.length > 0) {
        const first = refused[0]!;
        return refuse(
          request,
          "ticket_refused",
          {
            message: `Ticket ${first.index} was refused: ${first.message}`,
            hint: "Accepted tickets of this payment are credited (see PAYMENT-RESPONSE); pay the rest with fresh tickets on the params of this 402.",
            code: first.code,
          },
          session,
          settlement({
            success: false,
            reason: "ticket_refused",
            session,
            payer,
            charged: 0n,
            credited,
            balance: await balanceOf(session),
            accepted: accepted_,
            refused,
            winners,
          }),
        );
      }
    }
    const debitId = `request:${randomBytes(12).toString("base64url")}`;
    try {
      await options.sessions.debit({
        sessionId: session,
        amount: Rational.of(price),
        tolerance: Rational.ZERO,
        debitId,
      });
    } catch (err) {
      if (!(err instanceof SessionOverdrawnError)) throw err;
      const balance = await balanceOf(session);
      return refuse(
        request,
        "insufficient_credit",
        {
          message: `The session's credit (${balance.floor()} wei) does not cover this request (${price} wei)`,
          hint: "Pay tickets worth at least the difference (extra.pricing.prepay suggests how much) with the params of this 402.",
          code: err.code,
        },
        session,
        settlement({
          success: false,
          reason: "insufficient_credit",
          session,
          ...(payer === undefined ? {} : { payer }),
          charged: 0n,
          credited,
          balance,
          accepted: accepted_,
          refused,
          winners,
        }),
      );
    }
    return {
      paid: true,
      grant: {
        sessionId: session,
        reserved: price,
        ...(payer === undefined ? {} : { payer }),
        credited,
        ticketsAccepted: accepted_,
        winners,
        debitId,
      },
    };
  }

  async function finish(grant: LotteryGrant, charge?: bigint): Promise<Record<string, string>> {
    const charged = charge ?? grant.reserved;
    if (
      typeof charged !== "bigint" ||
      charged < 0n ||
      charged > grant.reserved ||
      (mode === "exact" && charged !== grant.reserved)
    ) {
      await abort(grant);
      throw new LotteryOverchargeError("The handler set a charge the route does not allow", {
        details: { charge: String(charged), maximum: grant.reserved.toString(), mode },
        hint:
          mode === "exact"
            ? "An exact route charges its price; make the route `upto` to charge less per request."
            : "Charge at most the route's price (its advertised maximum); raise the price to charge more. The request was refunded.",
      });
    }
    let balance: Rational;
    if (charged < grant.reserved) {
      ({ balance } = await options.sessions.credit({
        sessionId: grant.sessionId,
        amount: Rational.of(grant.reserved - charged),
        creditId: `refund:${grant.debitId}`,
      }));
    } else {
      balance = await balanceOf(grant.sessionId);
    }
    return {
      [PAYMENT_RESPONSE_HEADER]: encodeHeader(
        settlement({
          success: true,
          session: grant.sessionId,
          ...(grant.payer === undefined ? {} : { payer: grant.payer }),
          charged,
          credited: grant.credited,
          balance,
          accepted: grant.ticketsAccepted,
          refused: [],
          winners: grant.winners,
        }),
      ),
    };
  }

  async function abort(grant: LotteryGrant): Promise<void> {
    await options.sessions.credit({
      sessionId: grant.sessionId,
      amount: Rational.of(grant.reserved),
      creditId: `refund:${grant.debitId}`,
    });
  }

  async function handle(
    request: Request,
    handler: (ctx: PaidRequestContext) => Promise<Response>,
  ): Promise<Response> {
    const decision = await begin({
      url: request.url,
      header: (n) => request.headers.get(n) ?? undefined,
    });
    if (!decision.paid) return refusalResponse(decision.refusal);
    const { grant } = decision;
    let charge: bigint | undefined;
    let response: Response;
    try {
      response = await handler({
        sessionId: grant.sessionId,
        maxCharge: grant.reserved,
        charge: (wei) => {
          charge = wei;
        },
      });
    } catch (err) {
      await abort(grant);
      throw err;
    }
    if (response.status >= 500) {
      await abort(grant);
      return response;
    }
    let headers: Record<string, string>;
    try {
      headers = await finish(grant, charge);
    } catch (err) {
      if (!(err instanceof LotteryOverchargeError)) throw err;
      return Response.json(
        {
          type: `${PROBLEM_TYPE_BASE}${err.code}`,
          title: "Charge above the advertised maximum",
          status: 500,
          detail: err.message,
          code: err.code,
          hint: err.hint,
        },
        { status: 500, headers: { "content-type": "application/problem+json" } },
      );
    }
    const merged = new Headers(response.headers);
    for (const [k, v] of Object.entries(headers)) merged.set(k, v);
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers: merged,
    });
  }

  return { requirements, begin, finish, abort, handle };
}

/** A web Response for a refusal. */
export function refusalResponse(refusal: PaywallRefusal): Response {
  assertObject(refusal, "refusal");
  assertInteger(refusal.status, "refusal.status", { min: 200, max: 599 });
  if (refusal.headers !== undefined) {
    assertObject(refusal.headers, "refusal.headers");
    for (const [name, value] of Object.entries(refusal.headers)) {
      assertString(value, `refusal.headers.${name}`);
    }
  }
  let body: string;
  try {
    body = JSON.stringify(refusal.body);
  } catch (cause) {
    throw new InvalidInputError("refusal.body must be a JSON value", {
      details: { field: "refusal.body", received: describeValue(refusal.body) },
      hint: "Pass the refusal the paywall returned, unchanged.",
      cause,
    });
  }
  try {
    return new Response(body, { status: refusal.status, headers: refusal.headers });
  } catch (cause) {
    // A header name or value HTTP does not allow, or a status a Response cannot carry.
    throw new InvalidInputError("The refusal cannot be sent as an HTTP response", {
      details: { field: "refusal", status: refusal.status },
      hint: "Pass the refusal the paywall returned, unchanged.",
      cause,
    });
  }
}

/** The sender named by the LOTTERY-SENDER header, checksummed; throws on anything else. */
function parseSender(text: string): `0x${string}` {
  const lower = text.toLowerCase();
  if (/^0x[0-9a-f]{40}$/.test(lower)) {
    const checksummed = checksumLowerHex(lower.slice(2));
    if (text === lower || text === checksummed) return checksummed;
  }
  throw new InvalidLotterySender(
    `${LOTTERY_SENDER_HEADER} is not an address: ${text.slice(0, 64)}`,
    {
      details: { header: LOTTERY_SENDER_HEADER, value: text.slice(0, 64) },
      hint: "Send the sender's address, lowercase or EIP-55 checksummed.",
    },
  );
}

/** The LOTTERY-SENDER header does not hold an address. */
class InvalidLotterySender extends TicketBrokerError {}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function checkOptions(options: LotteryPaywallOptions, mode: string): void {
  const problems: string[] = [];
  if (typeof options.price !== "bigint" || options.price <= 0n)
    problems.push("price must be a bigint > 0 wei");
  if (typeof options.chainId !== "bigint" || options.chainId <= 0n)
    problems.push("chainId must be a bigint > 0");
  if (mode !== "exact" && mode !== "upto") problems.push('mode must be "exact" or "upto"');
  if (
    options.prepayRequests !== undefined &&
    (typeof options.prepayRequests !== "bigint" || options.prepayRequests < 1n)
  ) {
    problems.push("prepayRequests must be a bigint ≥ 1");
  }
  if (
    options.ticketsPerPayment !== undefined &&
    (typeof options.ticketsPerPayment !== "bigint" || options.ticketsPerPayment < 1n)
  ) {
    problems.push("ticketsPerPayment must be a bigint ≥ 1");
  }
  if (options.sessionSecret !== undefined && options.sessionSecret.length < 16)
    problems.push("sessionSecret must hold at least 16 bytes");
  if (typeof options.gasPrice !== "function")
    problems.push("gasPrice must be a function returning the gas price in wei");
  if (problems.length > 0) {
    throw new LotteryPaywallConfigError(`Invalid lottery paywall options: ${problems.join("; ")}`, {
      details: { problems },
      hint: "Fix the options named above; docs/x402-lottery.md describes each.",
    });
  }
}

/**
 * Types and shapes of the paywall's options and dependencies, before {@link checkOptions}
 * judges their values.
 */
function assertPaywallShapes(options: unknown): asserts options is LotteryPaywallOptions {
  assertObject(options, "lottery paywall options");
  const o = options;
  assertHasMethods(o["recipient"], "recipient", ["issueParams", "receiveTicket", "forgetTicket"]);
  assertAddress((o["recipient"] as Record<string, unknown>)["address"], "recipient.address");
  assertHasMethods(o["sessions"], "sessions", ["credit", "debit", "get"]);
  if (o["mode"] !== undefined) assertString(o["mode"], "mode");
  if (o["perUnit"] !== undefined) {
    assertObject(o["perUnit"], "perUnit");
    assertBigint(o["perUnit"]["price"], "perUnit.price", { min: 1n });
    assertString(o["perUnit"]["unit"], "perUnit.unit", { nonEmpty: true });
  }
  const secret = o["sessionSecret"];
  if (secret !== undefined && !(secret instanceof Uint8Array)) {
    throw new InvalidInputError("sessionSecret must be bytes", {
      details: { field: "sessionSecret", received: describeValue(secret) },
      hint: "Pass at least 16 random bytes (crypto.randomBytes(32)), or leave it out.",
    });
  }
  if (o["maxTimeoutSeconds"] !== undefined) {
    assertInteger(o["maxTimeoutSeconds"], "maxTimeoutSeconds", { min: 1 });
  }
  if (o["description"] !== undefined) assertString(o["description"], "description");
  if (o["mimeType"] !== undefined) assertString(o["mimeType"], "mimeType");
}
