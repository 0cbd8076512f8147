import type { Logger } from "pino";

import type { BrokerReader } from "../../chain/brokerReader.js";
import { Rational } from "../../math/rational.js";
import { resolvePrice } from "../../pricing/resolvePrice.js";
import type { CurrencyRate } from "../../pricing/priceFeed.js";
import { planPayment } from "../../sender/createPayment.js";
import { NonceAllocator } from "../../sender/nonceAllocator.js";
import { TicketSender } from "../../sender/ticketSender.js";
import type { TicketSigner } from "../../ticket/signTicket.js";
import { TicketHasher } from "../../ticket/ticketDigest.js";
import type { TicketDomain } from "../../ticket/ticketTypes.js";
import { SpendLimitReachedError } from "../../store/errors.js";
import type { Store } from "../../store/types.js";
import { decodeTicketParams, encodeSignedTicket } from "../../wire/index.js";
import { balanceJson, parseWei, weiText } from "../common/amounts.js";
import { createServiceApp, registerReadiness, type ServiceApp } from "../common/baseApp.js";
import type { SignerServiceConfig } from "../common/config.js";
import {
  IdempotencyKeyReusedError,
  PriceAboveCeilingError,
  RequestValidationError,
  SpendLimitExceededError,
  TooManyTicketsError,
} from "../common/errors.js";
import { requestHash, requireIdempotencyKey } from "../common/idempotency.js";
import { KeyedMutex } from "../common/keyedMutex.js";
import { problemResponses } from "../common/schemas.js";
import { signerSessionKey } from "../common/sessionKeys.js";
import {
  PaymentRequestSchema,
  PaymentResponseSchema,
  SenderInfoSchema,
  type PaymentRequest,
  type PaymentResponse,
} from "./schemas.js";

/** What the signer service runs on: passed in, so tests build it in-process. */
export interface SignerDeps {
  /** Nonces, the payment ledger and session balances (and `ping` for readiness). */
  readonly store: Pick<Store, "nonces" | "ledger" | "sessions" | "ping">;
  readonly reader: BrokerReader;
  /** The key that signs (the sender's, or a delegate the sender authorised). */
  readonly signer: TicketSigner;
  readonly domain: TicketDomain;
  /** Converts a ceiling in a fiat currency to wei (a `PriceFeed`, refreshed by its owner). */
  readonly priceFeed?: CurrencyRate;
  /** Milliseconds since the epoch (ledger times and spend windows). */
  readonly clock?: () => number;
  /** A pino logger, or false for none (default: one built from the config). */
  readonly logger?: Logger | false;
}

const ZERO_WORK_ID = `0x${"00".repeat(32)}` as const;
const ROUTE = "POST /v1/payments";
const DEFAULT_SPEND_WINDOW_SECONDS = 86_400;

/**
 * The signer service: the one process holding the sender's ticket-signing key. Gateways
 * `POST /v1/payments` with the payee's params and a fee; it checks the params against the
 * sender's limits and the chain, keeps a balance per session (credit left over from earlier
 * tickets pays first), signs fresh tickets with nonces from the store, and records the answer
 * in the ledger under the request's Idempotency-Key, so a retry gets the same tickets.
 *
 * @example
 * ```ts
 * const app = buildSignerApp(config, { store, reader, signer, domain });
 * await app.listen({ port: 0, host: "127.0.0.1" });
 * ```
 */
export function buildSignerApp(config: SignerServiceConfig, deps: SignerDeps): ServiceApp {
  const { app, metrics } = createServiceApp({
    service: "signer",
    config,
    title: "ticketbroker signer",
    description:
      "Signs lottery tickets for gateways: the only holder of the sender's ticket-signing key. Every error is an application/problem+json document whose code is the library's error class name.",
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
  const clock = deps.clock ?? Date.now;
  const sender = config.sender as `0x${string}`;
  const limits = {
    maxTicketEV: BigInt(config.maxTicketEVWei),
    maxTotalEV: BigInt(config.maxTotalEVWei),
    depositMultiplier: BigInt(config.depositMultiplier),
  };
  const ticketSender = new TicketSender({
    sender,
    signer: deps.signer,
    hasher: new TicketHasher(deps.domain),
    reader: deps.reader,
    nonces: new NonceAllocator({ store: deps.store.nonces }),
    limits,
  });
  const ceiling =
    config.maxPricePerUnitWei === undefined
      ? undefined
      : parseWei(config.maxPricePerUnitWei, "maxPricePerUnitWei");
  const perClient = new KeyedMutex();

  /** The fee of a request: `fee`, or units × pricePerUnit within the price ceilings. */
  const feeOf = (body: PaymentRequest): Rational => {
    if (body.fee !== undefined) {
      if (body.units !== undefined || body.pricePerUnit !== undefined) {
        throw new RequestValidationError("Give either fee or units and pricePerUnit, not both", {
          details: { field: "/body/fee" },
          hint: "Send fee alone, or units with pricePerUnit.",
        });
      }
      return parseWei(body.fee, "/body/fee");
    }
    if (body.units === undefined || body.pricePerUnit === undefined) {
      throw new RequestValidationError("A payment needs fee, or units and pricePerUnit", {
        details: { field: body.units === undefined ? "/body/units" : "/body/pricePerUnit" },
        hint: "Send fee (wei), or units with pricePerUnit (wei per unit).",
      });
    }
    const price = parseWei(body.pricePerUnit, "/body/pricePerUnit");
    const requested =
      body.maxPricePerUnit === undefined
        ? undefined
        : resolvePrice({
            setting: {
              unit: "pixel",
              amount: parseWei(body.maxPricePerUnit, "/body/maxPricePerUnit"),
              currency: body.maxPricePerUnitCurrency ?? "WEI",
              per: 1n,
            },
            feed: deps.priceFeed,
          }).weiPerUnit;
    for (const [max, source] of [
      [requested, "request"],
      [ceiling, "service"],
    ] as const) {
      if (max !== undefined && price.cmp(max) > 0) {
        throw new PriceAboveCeilingError("The price per unit is above the ceiling", {
          details: {
            pricePerUnit: price.toString(),
            maxPricePerUnit: max.toString(),
            ceiling: source,
          },
          hint: "Choose another payee, or raise maxPricePerUnit if this price is acceptable.",
        });
      }
    }
    return price.mul(BigInt(body.units));
  };

  const overSpend = (
    clientId: string,
    spent: bigint,
    evWei: bigint,
    spend: { limit?: bigint; windowSeconds: number },
    cause?: unknown,
  ): SpendLimitExceededError =>
    new SpendLimitExceededError(`API key "${clientId}" would exceed its spend limit`, {
      details: {
        client: clientId,
        spentWei: spent,
        paymentEVWei: evWei,
        spendLimitWei: spend.limit,
        windowSeconds: spend.windowSeconds,
      },
      hint: "Wait for the window to move on, or ask the operator to raise this key's spendLimitWei.",
      ...(cause === undefined ? {} : { cause }),
    });

  const pay = async (
    body: PaymentRequest,
    clientId: string,
    idempotencyKey: string,
    hash: string,
    spend: { limit?: bigint; windowSeconds: number },
  ): Promise<PaymentResponse> => {
    const params = decodeTicketParams(body.params);
    const fee = feeOf(body);
    const sessionKey = signerSessionKey(clientId, body.sessionId);
    await ticketSender.acceptParams(params);
    const before = (await deps.store.sessions.get(sessionKey)) ?? {
      balance: Rational.ZERO,
      credited: Rational.ZERO,
      debited: Rational.ZERO,
    };
    let count = 0n;
    let ev = Rational.ZERO;
    if (before.balance.cmp(fee) < 0) {
      const plan = planPayment({
        params,
        amount: fee.sub(before.balance),
        maxTotalEV: limits.maxTotalEV,
      });
      count = plan.count;
      ev = plan.totalEV;
      if (count > BigInt(config.maxTicketsPerPayment)) {
        throw new TooManyTicketsError(
          "The payment would need more tickets than one request may carry",
          {
            details: {
              ticketCount: count,
              maxTicketsPerPayment: config.maxTicketsPerPayment,
              fee: fee.toString(),
            },
            hint: "Pay in smaller steps, or ask the payee for params with a larger EV per ticket.",
          },
        );
      }
      // Refused before any nonce is spent; the ledger decides again, atomically, when it records.
      if (spend.limit !== undefined) {
        const since = BigInt(clock() - spend.windowSeconds * 1000);
        const spent = await deps.store.ledger.spentSince(clientId, since);
        if (spent + ev.ceil() > spend.limit) throw overSpend(clientId, spent, ev.ceil(), spend);
      }
    }
    const workId = (body.workId ?? ZERO_WORK_ID) as `0x${string}`;
    const payment =
      count === 0n
        ? undefined
        : await ticketSender.pay({ params, amount: fee.sub(before.balance), workId });
    const credited = before.credited.add(ev);
    const debited = before.debited.add(fee);
    const response: PaymentResponse = {
      version: 1,
      sessionId: body.sessionId,
      sender: params.sender,
      recipient: params.recipient,
      nothingToPay: count === 0n,
      fee: weiText(fee),
      ticketCount: Number(count),
      ev: weiText(ev),
      tickets: (payment?.tickets ?? []).map((t) => encodeSignedTicket(t)),
      session: balanceJson({ balance: credited.sub(debited), credited, debited }),
    };
    const createdAt = BigInt(clock());
    let recorded: { replayed: boolean; record: { response: unknown } };
    try {
      // Under the spend limit, decided with the insert (two replicas cannot both pass it).
      recorded = await deps.store.ledger.record(
        {
          idempotencyKey,
          clientId,
          requestHash: hash,
          sender: params.sender,
          recipient: params.recipient,
          sessionId: body.sessionId,
          evWei: ev.ceil(),
          response,
          createdAt,
        },
        spend.limit === undefined || count === 0n
          ? {}
          : {
              spendLimit: {
                limitWei: spend.limit,
                since: createdAt - BigInt(spend.windowSeconds * 1000),
              },
            },
      );
    } catch (err) {
      // The signed tickets are dropped unsent: their nonces are skipped, never reused.
      if (!(err instanceof SpendLimitReachedError)) throw err;
      throw overSpend(clientId, err.details["spentWei"] as bigint, ev.ceil(), spend, err);
    }
    const { replayed, record } = recorded;
    await settleSession(sessionKey, idempotencyKey, ev, fee);
    if (!replayed) {
      metrics.payments.inc();
      metrics.tickets.inc({ outcome: "signed" }, Number(count));
      metrics.evWei.inc(Number(ev.floor()));
    }
    return record.response as PaymentResponse;
  };

  /** Applies a recorded payment to its session; idempotent, so a replay heals a crash between. */
  const settleSession = async (
    sessionKey: string,
    key: string,
    ev: Rational,
    fee: Rational,
  ): Promise<void> => {
    if (!ev.isZero()) {
      await deps.store.sessions.credit({
        sessionId: sessionKey,
        amount: ev,
        creditId: `pay:${key}`,
      });
    }
    await deps.store.sessions.debit({
      sessionId: sessionKey,
      amount: fee,
      tolerance: fee,
      debitId: `pay:${key}`,
    });
  };

  // Routes register once the OpenAPI plugin is loaded, so it sees each of them.
  void app.register(async (instance) => {
    const routes = instance as ServiceApp;
    routes.post(
      "/v1/payments",
      {
        config: { scope: "pay" },
        schema: {
          summary: "Sign the tickets that pay a fee on the payee's params",
          description:
            "Requires an Idempotency-Key header. Refusals a gateway acts on: TicketParamsExpiredError (fetch new params), PriceAboveCeilingError, SpendLimitExceededError (over budget), TooManyTicketsError and PaymentEVTooHighError (pay in smaller steps). When the session's credit covers the fee the answer is 200 with nothingToPay true and no tickets.",
          security: [{ apiKey: [] }],
          headers: {
            type: "object",
            properties: { "idempotency-key": { type: "string", minLength: 1, maxLength: 200 } },
          },
          body: PaymentRequestSchema,
          response: {
            200: PaymentResponseSchema,
            ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429),
          },
        },
      },
      async (request, reply) => {
        const key = requireIdempotencyKey(request);
        const client = request.client;
        const hash = requestHash(ROUTE, request.body);
        const spend = {
          ...(client.key?.spendLimitWei === undefined
            ? {}
            : { limit: BigInt(client.key.spendLimitWei) }),
          windowSeconds: client.key?.spendWindowSeconds ?? DEFAULT_SPEND_WINDOW_SECONDS,
        };
        return perClient.run(client.id, async () => {
          const stored = await deps.store.ledger.get(key, client.id);
          if (stored !== undefined) {
            if (stored.requestHash !== hash) {
              throw new IdempotencyKeyReusedError(
                "This Idempotency-Key was used with another request",
                {
                  details: { idempotencyKey: key, client: client.id },
                  hint: "Use a fresh Idempotency-Key for a new payment; reuse one only to retry the same body.",
                },
              );
            }
            reply.header("idempotent-replayed", "true");
            return stored.response as PaymentResponse;
          }
          return pay(request.body, client.id, key, hash, spend);
        });
      },
    );

    routes.get(
      "/v1/sender",
      {
        config: { scope: "pay" },
        schema: {
          summary: "The sender this signer pays for, and its funds on chain",
          security: [{ apiKey: [] }],
          response: { 200: SenderInfoSchema, ...problemResponses(401, 403) },
        },
      },
      async () => {
        const funds = await deps.reader.senderFunds(sender);
        return {
          sender,
          signer: deps.signer.address,
          deposit: funds.deposit.toString(),
          reserve: funds.reserve.toString(),
          unlockEnd: funds.unlockEnd.toString(),
          chainId: deps.domain.chainId.toString(),
          broker: deps.domain.verifyingContract,
        };
      },
    );
  });

  const feed = deps.priceFeed;
  registerReadiness(app, metrics, [
    { name: "store", check: () => deps.store.ping() },
    ...(feed === undefined
      ? []
      : [
          {
            name: "priceFeed",
            check: async () => {
              // Throws when the feed's answer is missing or stale.
              feed.weiPerCurrencyUnit();
              await Promise.resolve();
            },
          },
        ]),
    {
      name: "chain",
      check: async () => {
        await deps.reader.now();
      },
    },
    {
      name: "funds",
      check: async () => {
        const funds = await deps.reader.senderFunds(sender);
        if (funds.deposit < BigInt(config.minDepositWei))
          throw new Error(
            `deposit ${funds.deposit} wei is below the floor ${config.minDepositWei}`,
          );
        if (funds.reserve < BigInt(config.minReserveWei))
          throw new Error(
            `reserve ${funds.reserve} wei is below the floor ${config.minReserveWei}`,
          );
        if (funds.unlockEnd !== 0n)
          throw new Error(`the sender is unlocking (ends ${funds.unlockEnd})`);
      },
    },
  ]);
  return app;
}
