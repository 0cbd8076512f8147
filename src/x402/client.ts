/**
 * The client side of the x402 "lottery" scheme: a `fetch` wrapper that meets a 402 with tickets,
 * retries, and keeps the session's credit so that most requests carry no ticket at all.
 */
import { randomBytes } from "node:crypto";

import {
  assertAddress,
  assertArray,
  assertBigint,
  assertFunction,
  assertHasMethods,
  assertObject,
  assertString,
  assertTicketParams,
} from "../ticket/inputs.js";
import { keccak256 } from "../internal/keccak.js";
import { toHex } from "../internal/bytes.js";
import type { TicketSender } from "../sender/ticketSender.js";
import type { TicketParams } from "../ticket/ticketParams.js";
import { WireDecodeError } from "../wire/errors.js";
import { encodePayment, type PaymentMessage } from "../wire/payment.js";
import { decodeSignedTicket } from "../wire/ticket.js";
import {
  decodeTicketParams,
  encodeTicketParams,
  type TicketParamsJson,
} from "../wire/ticketParams.js";
import {
  LotteryChallengeError,
  LotteryOverchargeError,
  LotteryPaymentRefusedError,
  LotteryPriceAboveCeilingError,
} from "./errors.js";
import {
  LOTTERY_SCHEME,
  LOTTERY_SENDER_HEADER,
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_RESPONSE_HEADER,
  PAYMENT_SIGNATURE_HEADER,
  X402_VERSION,
  checkLotteryRequirements,
  checkLotterySettlement,
  checkPaymentRequired,
  decodeHeader,
  encodeHeader,
  type LotteryPaymentPayload,
  type LotteryRequirements,
  type LotterySettlement,
} from "./headers.js";

/** What the server asks, decoded, and how much the client should pay now. */
export interface LotteryChallenge {
  readonly url: string;
  /** The offer as the server sent it. */
  readonly requirements: LotteryRequirements;
  /** The ticket params the server issued for this sender. */
  readonly params: TicketParams;
  readonly session: string;
  /** The session's credit, wei (rounded down). */
  readonly balance: bigint;
  /** Price (or maximum, `upto`) of one request, wei. */
  readonly price: bigint;
  /** EV in wei the tickets of this payment should carry (the prepay suggestion, capped). */
  readonly amount: bigint;
}

/** Options of {@link wrapFetchWithLottery}. */
export interface LotteryFetchOptions {
  /** The sender paying; named in the LOTTERY-SENDER header so a 402 carries params for it. */
  readonly sender: `0x${string}`;
  /** Signs tickets worth `challenge.amount` on `challenge.params` (local key or signer service). */
  pay(challenge: LotteryChallenge): Promise<PaymentMessage>;
  /** The most one request may cost (wei): an offer above it is refused before paying. */
  readonly maxPrice: bigint;
  /** The most EV one payment may carry (wei; default 100 × maxPrice). */
  readonly maxPayment?: bigint;
  /** Called with every PAYMENT-RESPONSE the server sends (success or not). */
  onSettlement?(settlement: LotterySettlement, url: string): void;
}

/** A fetch that pays lottery-priced routes, with what it knows of its sessions. */
export type LotteryFetch = typeof fetch & {
  /** Session credit per payee (`network|payTo`), as the server last reported it. */
  readonly sessions: ReadonlyMap<string, { session: string; balance: bigint }>;
};

/** Most requests one call makes: session credit, a payment, and one retry with fresh params. */
const MAX_ATTEMPTS = 3;

/** Resends of one payment the server could not credit (503 `credit_unavailable`). */
const MAX_CREDIT_RESENDS = 2;

/** Longest wait before such a resend, whatever the server's Retry-After says. */
const MAX_RETRY_AFTER_MS = 5_000;

/**
 * Wraps `fetchFn` so that a lottery-priced route is paid automatically. The first request to a
 * payee gets a 402 whose offer carries params issued for `options.sender`; the wrapper checks the
 * price against `maxPrice`, asks `pay` for tickets worth the suggested prepayment, and retries.
 * Later requests spend the session's credit and carry no ticket until it runs out. A payment the
 * server accepted but could not credit (503 `credit_unavailable`) is resent unchanged after its
 * Retry-After (at most 5 s, twice), never paid again with new tickets. Throws
 * {@link LotteryPriceAboveCeilingError}, {@link LotteryOverchargeError} (the server charged more
 * than its offer), {@link LotteryPaymentRefusedError} (a payment was refused) or
 * {@link LotteryChallengeError} (an unreadable 402).
 *
 * @example
 * ```ts
 * const paidFetch = wrapFetchWithLottery(fetch, {
 *   sender: gateway.sender, maxPrice: 10n ** 13n, pay: payWithTicketSender(gateway),
 * });
 * const answer = await (await paidFetch("http://127.0.0.1:8080/v1/infer", { method: "POST", body })).json();
 * ```
 */
export function wrapFetchWithLottery(
  fetchFn: typeof fetch,
  options: LotteryFetchOptions,
): LotteryFetch {
  assertFunction(fetchFn, "fetch");
  assertObject(options, "wrapFetchWithLottery options");
  assertAddress(options.sender, "sender");
  assertFunction(options.pay, "pay");
  assertBigint(options.maxPrice, "maxPrice", { min: 1n });
  if (options.maxPayment !== undefined) assertBigint(options.maxPayment, "maxPayment", { min: 1n });
  if (options.onSettlement !== undefined) assertFunction(options.onSettlement, "onSettlement");
  const maxPayment = options.maxPayment ?? options.maxPrice * 100n;
  /** Per route (origin + path): the offer last paid against. */
  const offers = new Map<string, LotteryRequirements>();
  /** Per payee (network|payTo): session and credit. */
  const sessions = new Map<string, { session: string; balance: bigint }>();

  const paidFetch = async (
    input: Parameters<typeof fetch>[0],
    init?: RequestInit,
  ): Promise<Response> => {
    const base = new Request(input, init);
    const url = new URL(base.url);
    const route = `${url.origin}${url.pathname}`;
    let offer = offers.get(route);
    let attempt: { payload?: LotteryPaymentPayload; offer?: LotteryRequirements } = {};
    const known = offer === undefined ? undefined : sessions.get(payeeKey(offer));
    if (offer !== undefined && known !== undefined && known.balance >= BigInt(offer.amount)) {
      attempt = { payload: payloadFor(offer, known.session), offer };
    }
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const request = base.clone();
      request.headers.set(LOTTERY_SENDER_HEADER, options.sender);
      if (attempt.payload !== undefined) {
        request.headers.set(PAYMENT_SIGNATURE_HEADER, encodeHeader(attempt.payload));
      }
      let response = await fetchFn(request);
      // The server accepted the tickets but could not credit them, and released them: the same
      // payment, resent unchanged, is credited once. New tickets would pay twice.
      for (
        let resent = 0;
        resent < MAX_CREDIT_RESENDS && (await creditUnavailable(response, attempt.payload));
        resent++
      ) {
        await new Promise((r) => setTimeout(r, retryAfterMs(response)));
        const again = base.clone();
        again.headers.set(LOTTERY_SENDER_HEADER, options.sender);
        again.headers.set(PAYMENT_SIGNATURE_HEADER, encodeHeader(attempt.payload!));
        response = await fetchFn(again);
      }
      const settlement = readSettlement(response, base.url);
      if (settlement !== undefined) {
        options.onSettlement?.(settlement, base.url);
        if (attempt.offer !== undefined) {
          sessions.set(payeeKey(attempt.offer), {
            session: settlement.session,
            balance: BigInt(settlement.balance),
          });
          if (BigInt(settlement.charged) > BigInt(attempt.offer.amount)) {
            throw new LotteryOverchargeError("The server charged more than its offer", {
              details: {
                url: base.url,
                charged: settlement.charged,
                offered: attempt.offer.amount,
              },
              hint: "Stop paying this server: it does not keep to its advertised price. Report it to its operator.",
            });
          }
        }
      }
      if (response.status !== 402) {
        if (attempt.offer !== undefined) offers.set(route, attempt.offer);
        return response;
      }
      const challenge = readOffer(response, base.url);
      if (challenge === undefined) return response; // no lottery offer: not ours to pay
      // A session kept from another route of the payee that this route does not know (the
      // routes do not share a session secret): forget it and use the one this 402 offers.
      const staleSession =
        challenge.error === "invalid_session" &&
        sessions.get(payeeKey(challenge.offer))?.session === attempt.payload?.payload.session;
      if (staleSession) sessions.delete(payeeKey(challenge.offer));
      if (attempt.payload?.payload.payment !== undefined && !staleSession) {
        const reason = challenge.error ?? "unknown";
        if (
          reason !== "ticket_refused" ||
          i + 1 >= MAX_ATTEMPTS ||
          !refusedForFreshParams(settlement)
        ) {
          throw new LotteryPaymentRefusedError(`The server refused the payment: ${reason}`, {
            details: {
              url: base.url,
              reason,
              settlement: settlement ?? null,
              problem: await problemOf(response),
            },
            hint: "See details.problem for the server's reason and hint; docs/x402-lottery.md lists the codes.",
          });
        }
      }
      offer = challenge.offer;
      const price = BigInt(offer.amount);
      if (price > options.maxPrice) {
        throw new LotteryPriceAboveCeilingError(
          "The server asks more per request than the client allows",
          {
            details: { url: base.url, price: offer.amount, maxPrice: options.maxPrice.toString() },
            hint: "Raise maxPrice if the price is acceptable, or use another server.",
          },
        );
      }
      if (offer.extra.params === undefined) {
        throw new LotteryChallengeError(
          "The server's offer carries no ticket params for this sender",
          {
            details: {
              url: base.url,
              error: challenge.error ?? null,
              problem: await problemOf(response),
            },
            hint: "See details.problem: the payee could not issue params (e.g. the sender's deposit is unlocking or too small).",
          },
        );
      }
      const params = decodeTicketParams(offer.extra.params);
      // A session this client already holds with the payee (from another route) is reused.
      const mine = sessions.get(payeeKey(offer));
      const session = mine?.session ?? offer.extra.session;
      const balance =
        mine === undefined || mine.session === offer.extra.session
          ? BigInt(offer.extra.balance)
          : mine.balance;
      const need = price > balance ? price - balance : 0n;
      const prepay = BigInt(offer.extra.pricing.prepay);
      let amount = prepay > balance ? prepay - balance : 0n;
      if (amount < need) amount = need;
      if (amount === 0n) amount = price; // the server says the credit is short: buy one request's worth
      if (amount > maxPayment) amount = maxPayment;
      // Credit already tried on exactly this offer: the server wants tickets. On another offer
      // (the route's price changed), the credit is tried again first.
      const triedSession =
        attempt.payload?.payload.session === session &&
        attempt.payload.payload.payment === undefined &&
        JSON.stringify(attempt.payload.accepted) ===
          JSON.stringify(payloadFor(offer, session).accepted);
      if (need === 0n && !triedSession) {
        attempt = { payload: payloadFor(offer, session), offer };
        continue;
      }
      if (amount < need) {
        throw new LotteryPriceAboveCeilingError(
          "Paying for this request needs more than the client's ceiling per payment",
          {
            details: { url: base.url, need: need.toString(), maxPayment: maxPayment.toString() },
            hint: "Raise maxPayment, or use a server whose price fits within it.",
          },
        );
      }
      const payment = await options.pay({
        url: base.url,
        requirements: offer,
        params,
        session,
        balance,
        price,
        amount,
      });
      attempt = {
        payload: {
          ...payloadFor(offer, session),
          payload: { session, payment: encodePayment(payment) },
        },
        offer,
      };
    }
    throw new LotteryPaymentRefusedError("The server kept asking for payment", {
      details: { url: base.url, attempts: MAX_ATTEMPTS },
      hint: "The server answered 402 to every attempt; check its offer and the client's ceilings.",
    });
  };
  return Object.assign(paidFetch, { sessions }) as LotteryFetch;
}

/** A `pay` callback over a local {@link TicketSender}: checks the params, signs the tickets. */
export function payWithTicketSender(
  sender: Pick<TicketSender, "sender" | "acceptParams" | "pay">,
  options: { delegate?: `0x${string}` } = {},
): (challenge: LotteryChallenge) => Promise<PaymentMessage> {
  assertHasMethods(sender, "sender", ["acceptParams", "pay"]);
  assertObject(options, "payWithTicketSender options");
  if (options.delegate !== undefined) assertAddress(options.delegate, "delegate");
  return async (challenge) => {
    assertChallenge(challenge);
    await sender.acceptParams(challenge.params);
    const { tickets } = await sender.pay({
      params: challenge.params,
      amount: challenge.amount,
      workId: workIdFor(challenge.session),
    });
    return {
      sender: sender.sender,
      params: challenge.params,
      tickets,
      ...(options.delegate === undefined ? {} : { delegate: options.delegate }),
    };
  };
}

/** The part of the signer service's client (`SignerClient`) that {@link payWithSigner} uses. */
export interface LotterySignerService {
  pay(request: {
    params: TicketParamsJson;
    sessionId: string;
    fee: string;
    workId?: string;
  }): Promise<{ sender: string; nothingToPay: boolean; tickets: unknown[] }>;
}

/**
 * A `pay` callback that asks the signer service (the gateway's remote signer, which holds the
 * key, nonces and budgets) for the tickets. Each payment uses its own signer session id: the
 * lottery session's credit is already counted by the payee and the wrapper, so the signer must
 * not subtract it a second time.
 *
 * @example
 * ```ts
 * const paidFetch = wrapFetchWithLottery(fetch, {
 *   sender, maxPrice, pay: payWithSigner(new SignerClient({ baseUrl, apiKey })),
 * });
 * ```
 */
export function payWithSigner(
  signer: LotterySignerService,
): (challenge: LotteryChallenge) => Promise<PaymentMessage> {
  assertHasMethods(signer, "signer", ["pay"]);
  return async (challenge) => {
    assertChallenge(challenge);
    const answer = await signer.pay({
      params: encodeTicketParams(challenge.params),
      sessionId: `x402:${randomBytes(12).toString("base64url")}`,
      fee: challenge.amount.toString(),
      workId: workIdFor(challenge.session),
    });
    assertObject(answer, "signer answer");
    assertArray(answer.tickets, "signer answer.tickets");
    if (answer.nothingToPay || answer.tickets.length === 0) {
      throw new LotteryChallengeError("The signer service signed no ticket for a lottery payment", {
        details: { fee: challenge.amount.toString(), sender: answer.sender },
        hint: "The signer session must be fresh for each lottery payment; check the signer's version.",
      });
    }
    return {
      sender: challenge.params.sender,
      params: challenge.params,
      tickets: answer.tickets.map((t) => decodeSignedTicket(t)),
    };
  };
}

/** The workId of lottery tickets: keccak256("x402-lottery:" + session). */
function workIdFor(session: string): `0x${string}` {
  return toHex(keccak256(Buffer.from(`x402-lottery:${session}`, "utf8")));
}

function payeeKey(offer: LotteryRequirements): string {
  return `${offer.network}|${offer.payTo.toLowerCase()}`;
}

function payloadFor(offer: LotteryRequirements, session: string): LotteryPaymentPayload {
  const { params: _params, ...extra } = offer.extra;
  return {
    x402Version: X402_VERSION,
    accepted: { ...offer, extra } as unknown as LotteryPaymentPayload["accepted"],
    payload: { session },
  };
}

/** Params expired or came from before a restart: a fresh 402's params will do. */
function refusedForFreshParams(settlement: LotterySettlement | undefined): boolean {
  const codes = new Set(["TicketParamsExpiredOnReceiveError", "TicketParamsFromEarlierRunError"]);
  return settlement !== undefined && settlement.ticketsRefused.every((r) => codes.has(r.code));
}

function readSettlement(response: Response, url: string): LotterySettlement | undefined {
  const header = response.headers.get(PAYMENT_RESPONSE_HEADER);
  if (header === null) return undefined;
  try {
    return checkLotterySettlement.check(decodeHeader(header));
  } catch (err) {
    throw new LotteryChallengeError(`The server's ${PAYMENT_RESPONSE_HEADER} cannot be read`, {
      details: { url, field: err instanceof WireDecodeError ? err.field : null },
      hint: "The server does not follow docs/x402-lottery.md; report it to its operator.",
      cause: err,
    });
  }
}

function readOffer(
  response: Response,
  url: string,
): { offer: LotteryRequirements; error?: string } | undefined {
  const header = response.headers.get(PAYMENT_REQUIRED_HEADER);
  if (header === null) return undefined;
  let required;
  try {
    required = checkPaymentRequired.check(decodeHeader(header));
  } catch (err) {
    throw new LotteryChallengeError(`The server's ${PAYMENT_REQUIRED_HEADER} cannot be read`, {
      details: { url, field: err instanceof WireDecodeError ? err.field : null },
      hint: "The server does not follow x402 version 2; report it to its operator.",
      cause: err,
    });
  }
  for (const entry of required.accepts) {
    if (
      typeof entry !== "object" ||
      entry === null ||
      (entry as { scheme?: unknown }).scheme !== LOTTERY_SCHEME
    )
      continue;
    try {
      const offer = checkLotteryRequirements.check(entry);
      return { offer, ...(required.error === undefined ? {} : { error: required.error }) };
    } catch (err) {
      throw new LotteryChallengeError("The server's lottery offer cannot be read", {
        details: { url, field: err instanceof WireDecodeError ? err.field : null },
        hint: "The server does not follow docs/x402-lottery.md; report it to its operator.",
        cause: err,
      });
    }
  }
  return undefined;
}

/** A 503 `credit_unavailable` answer to a request that carried tickets. */
async function creditUnavailable(
  response: Response,
  payload: LotteryPaymentPayload | undefined,
): Promise<boolean> {
  if (response.status !== 503 || payload?.payload.payment === undefined) return false;
  const problem = await problemOf(response);
  return (
    typeof problem === "object" &&
    problem !== null &&
    (problem as Record<string, unknown>)["reason"] === "credit_unavailable"
  );
}

/** The wait a Retry-After header in seconds asks for, at most {@link MAX_RETRY_AFTER_MS}. */
function retryAfterMs(response: Response): number {
  const seconds = Number(response.headers.get("retry-after") ?? "1");
  if (!Number.isFinite(seconds) || seconds < 0) return 1_000;
  return Math.min(seconds * 1_000, MAX_RETRY_AFTER_MS);
}

async function problemOf(response: Response): Promise<unknown> {
  try {
    return (await response.clone().json()) as unknown;
  } catch {
    return null;
  }
}

/** The parts of a {@link LotteryChallenge} a `pay` callback uses. */
function assertChallenge(challenge: unknown): asserts challenge is LotteryChallenge {
  assertObject(challenge, "challenge");
  assertTicketParams(challenge["params"], "challenge.params");
  assertBigint(challenge["amount"], "challenge.amount");
  assertString(challenge["session"], "challenge.session");
}
