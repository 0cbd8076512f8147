import { createHash } from "node:crypto";

import type { FastifyBaseLogger } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";

import type { BrokerReader } from "../../chain/brokerReader.js";
import { TicketBrokerError } from "../../errors.js";
import { Rational } from "../../math/rational.js";
import { Recipient } from "../../recipient/recipient.js";
import { InsufficientSessionBalanceError } from "../../pricing/errors.js";
import { SessionOverdrawnError } from "../../store/errors.js";
import type { CreditResult, Store } from "../../store/types.js";
import { TicketHasher } from "../../ticket/ticketDigest.js";
import { ticketParamsEV, ticketParamsKey } from "../../ticket/ticketParams.js";
import type { TicketDomain } from "../../ticket/ticketTypes.js";
import { decodePayment, encodeTicketParams } from "../../wire/index.js";
import { balanceJson, parseWei, weiText } from "../common/amounts.js";
import { createServiceApp, registerReadiness, type ServiceApp } from "../common/baseApp.js";
import type { PayeeServiceConfig } from "../common/config.js";
import {
  IdempotencyKeyReusedError,
  SessionClosedError,
  SessionNotFoundError,
  TooManyTicketsError,
} from "../common/errors.js";
import { requestHash, requireIdempotencyKey } from "../common/idempotency.js";
import { KeyedMutex } from "../common/keyedMutex.js";
import { problemResponses } from "../common/schemas.js";
import { payeeSessionKey } from "../common/sessionKeys.js";
import {
  CheckResponseSchema,
  DebitRequestSchema,
  DebitResponseSchema,
  FeeRequestSchema,
  ParamsRequestSchema,
  ParamsResponseSchema,
  PayeePaymentRequestSchema,
  PayeePaymentResponseSchema,
  SessionParamsSchema,
  SessionResponseSchema,
  type DebitResponse,
  type PayeePaymentResponse,
} from "./schemas.js";

/** The reason a live session is closed with when its credit runs out. */
export const CREDIT_EXHAUSTED = "credit-exhausted";

/** A redeemer the payee runs in-process: started with the app, stopped (drained) on close. */
export interface InProcessRedeemer {
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

/** What the payee gives the in-process redeemer it builds: its registry and a logger. */
export interface InProcessRedeemerContext {
  /** The payee's metrics registry (its `/metrics`): the redeemer adds its series to it. */
  readonly registry: Registry;
  /** The payee's logger, as a child with `component: "redeemer"`. */
  readonly logger: FastifyBaseLogger;
}

/** What the payee service runs on: passed in, so tests build it in-process. */
export interface PayeeDeps {
  readonly store: Pick<Store, "replay" | "sessions" | "winners" | "ledger" | "ping">;
  readonly reader: BrokerReader;
  readonly domain: TicketDomain;
  /** The secret the recipientRand is derived from (32 bytes); never leaves the service. */
  readonly secret: Uint8Array;
  /** The current gas price in wei, when the config does not fix one. */
  readonly gasPrice?: () => Promise<bigint>;
  /**
   * Started with the app when `config.redeemer` is "in-process": the redeemer, or a function
   * that builds it on the payee's registry and logger (so `/metrics` shows its series).
   */
  readonly redeemer?:
    InProcessRedeemer | ((context: InProcessRedeemerContext) => InProcessRedeemer);
  readonly logger?: Logger | false;
}

const ZERO_ADDRESS = `0x${"00".repeat(20)}` as const;

/**
 * The payee service: issues ticket params to senders, takes payments and credits each
 * session with the EV of the tickets it accepts (exactly once: the replay store refuses a
 * nonce seen before), stores winners before answering, and lets the orchestrator's work
 * server check and debit sessions (`charge` scope). Live work (`live: true` debits) closes a
 * session whose credit runs out, with the reason, on both sides.
 *
 * @example
 * ```ts
 * const app = buildPayeeApp(config, { store, reader, domain, secret });
 * await app.listen({ port: 0, host: "127.0.0.1" });
 * ```
 */
export function buildPayeeApp(config: PayeeServiceConfig, deps: PayeeDeps): ServiceApp {
  const { app, metrics } = createServiceApp({
    service: "payee",
    config,
    title: "ticketbroker payee",
    description:
      "Takes lottery-ticket payments for an orchestrator: issues params, credits sessions with the EV of accepted tickets, stores winners, and lets the work server check and debit sessions. Every error is an application/problem+json document whose code is the library's error class name.",
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
  const hasher = new TicketHasher(deps.domain);
  const recipient = new Recipient({
    address: config.recipient as `0x${string}`,
    secret: deps.secret,
    hasher,
    reader: deps.reader,
    winners: deps.store.winners,
    replay: deps.store.replay,
    policy: {
      redeemGas: BigInt(config.redeemGas),
      txCostMultiplier: BigInt(config.txCostMultiplier),
      targetEV: BigInt(config.targetEVWei),
      paramsLifetime: BigInt(config.paramsLifetimeSeconds),
    },
  });
  const price = {
    unit: config.priceUnit,
    weiPerUnit: parseWei(config.pricePerUnitWei, "pricePerUnitWei"),
  };
  const tolerance = Rational.of(BigInt(config.toleranceWei));
  // The per-ticket series, looked up once.
  const ticketsAccepted = metrics.tickets.labels({ outcome: "accepted" });
  const ticketsWon = metrics.tickets.labels({ outcome: "won" });
  const ticketsRefused = metrics.tickets.labels({ outcome: "refused" });
  const perSession = new KeyedMutex();

  const gasPrice = async (): Promise<bigint> => {
    if (config.gasPriceWei !== undefined) return BigInt(config.gasPriceWei);
    if (deps.gasPrice === undefined) {
      throw new TicketBrokerError("No gas price: set gasPriceWei or give the service a provider", {
        hint: "Set gasPriceWei in the configuration, or start the service with an rpcUrl.",
      });
    }
    return deps.gasPrice();
  };

  const sessionOrThrow = async (id: string) => {
    const s = await deps.store.sessions.get(payeeSessionKey(id));
    if (s === undefined) {
      throw new SessionNotFoundError(`No session ${id}`, {
        details: { sessionId: id },
        hint: "A session exists from its first payment: pay with this sessionId first.",
      });
    }
    return s;
  };

  // Routes register once the OpenAPI plugin is loaded, so it sees each of them.
  void app.register(async (instance) => {
    const routes = instance as ServiceApp;
    routes.post(
      "/v1/params",
      {
        config: { scope: "pay" },
        schema: {
          summary: "Issue ticket params to a sender, with the price per unit",
          security: [{ apiKey: [] }],
          body: ParamsRequestSchema,
          response: { 200: ParamsResponseSchema, ...problemResponses(400, 401, 403, 422) },
        },
      },
      async (request) => {
        const params = await recipient.issueParams({
          sender: request.body.sender as `0x${string}`,
          gasPrice: await gasPrice(),
        });
        return {
          version: 1 as const,
          params: encodeTicketParams(params),
          price: { unit: price.unit, weiPerUnit: weiText(price.weiPerUnit) },
          ev: weiText(ticketParamsEV(params)),
        };
      },
    );

    routes.post(
      "/v1/payments",
      {
        config: { scope: "pay" },
        schema: {
          summary: "Pay with signed tickets: credits the session with the EV of accepted tickets",
          description:
            "Each ticket is checked (signature, params, nonce never seen, sender funds); the EV of those accepted is credited once. The answer lists each ticket's outcome. When no ticket is accepted the answer is the first refusal as a problem document (nothing credited). A closed session refuses payments with SessionClosedError.",
          security: [{ apiKey: [] }],
          body: PayeePaymentRequestSchema,
          response: {
            200: PayeePaymentResponseSchema,
            ...problemResponses(400, 401, 403, 409, 413, 415, 422),
          },
        },
      },
      async (request) => {
        const { sessionId } = request.body;
        const payment = decodePayment(request.body.payment);
        if (payment.tickets.length > config.maxTicketsPerPayment) {
          throw new TooManyTicketsError(
            "The payment carries more tickets than this payee takes at once",
            {
              details: {
                ticketCount: payment.tickets.length,
                maxTicketsPerPayment: config.maxTicketsPerPayment,
              },
              hint: `Send at most ${config.maxTicketsPerPayment} tickets per payment.`,
            },
          );
        }
        const existing = await deps.store.sessions.get(payeeSessionKey(sessionId));
        if (existing?.closedReason !== undefined) {
          throw new SessionClosedError(`Session ${sessionId} is closed: ${existing.closedReason}`, {
            details: { sessionId, reason: existing.closedReason },
            hint: "Start a new session (a new sessionId) with fresh params.",
          });
        }
        const results = await Promise.allSettled(
          payment.tickets.map((signed) =>
            recipient.receiveTicket({ signed, params: payment.params }),
          ),
        );
        let credited = Rational.ZERO;
        const accepted: string[] = [];
        let firstRefusal: TicketBrokerError | undefined;
        const outcomes = results.map((r, i) => {
          const nonce = payment.tickets[i]!.ticket.senderNonce;
          if (r.status === "fulfilled") {
            credited = credited.add(r.value.ev);
            accepted.push(nonce.toString());
            ticketsAccepted.inc();
            if (r.value.won) {
              metrics.winners.inc();
              ticketsWon.inc();
            }
            return {
              senderNonce: nonce.toString(),
              accepted: true,
              won: r.value.won,
              ev: weiText(r.value.ev),
            };
          }
          const err = r.reason as unknown;
          const known =
            err instanceof TicketBrokerError
              ? err
              : new TicketBrokerError("The ticket could not be processed", {
                  hint: "Resend the same ticket later; it was not credited.",
                  cause: err,
                });
          if (!(err instanceof TicketBrokerError)) request.log.error({ err }, "ticket failed");
          ticketsRefused.inc();
          // The first refusal of a payment nothing was accepted from is the answer: the error
          // handler counts it then, so it is counted here only if the payment goes through.
          if (firstRefusal === undefined) firstRefusal = known;
          else metrics.refusals.inc({ code: known.code });
          const floor = known.details["floor"];
          return {
            senderNonce: nonce.toString(),
            accepted: false,
            won: false,
            ev: "0",
            code: err instanceof TicketBrokerError ? known.code : "InternalError",
            detail: known.message,
            hint: known.hint,
            ...(typeof floor === "bigint" ? { floor: floor.toString() } : {}),
          };
        });
        if (accepted.length === 0 && firstRefusal !== undefined) throw firstRefusal;
        if (firstRefusal !== undefined) metrics.refusals.inc({ code: firstRefusal.code });
        const creditId = `pay:${createHash("sha256")
          .update(
            `${payment.sender.toLowerCase()}:${payment.params.recipient.toLowerCase()}:${accepted.join(",")}`,
          )
          .digest("hex")}`;
        let after: CreditResult;
        try {
          after = await deps.store.sessions.credit({
            sessionId: payeeSessionKey(sessionId),
            amount: credited,
            creditId,
          });
        } catch (err) {
          // Not credited, so not accepted: forget the nonces so that the same payment can be
          // sent again (a stored winner stays stored; adding it again changes nothing).
          const paramsKey = ticketParamsKey(payment.params);
          await Promise.allSettled(
            results.map((r, i) =>
              r.status === "fulfilled"
                ? deps.store.replay.forget({
                    recipient: recipient.address,
                    sender: payment.tickets[i]!.ticket.sender,
                    paramsKey,
                    nonce: payment.tickets[i]!.ticket.senderNonce,
                  })
                : Promise.resolve(),
            ),
          );
          throw err;
        }
        metrics.payments.inc();
        metrics.evWei.inc(Number(credited.floor()));
        const response: PayeePaymentResponse = {
          version: 1,
          sessionId,
          accepted: accepted.length,
          refused: outcomes.length - accepted.length,
          credited: weiText(credited),
          tickets: outcomes,
          session: balanceJson(after),
        };
        return response;
      },
    );

    routes.get(
      "/v1/sessions/:id",
      {
        config: { scope: ["pay", "charge"] },
        schema: {
          summary: "A session's balance, and why it was closed if it was",
          security: [{ apiKey: [] }],
          params: SessionParamsSchema,
          response: { 200: SessionResponseSchema, ...problemResponses(401, 403, 404) },
        },
      },
      async (request) => {
        const s = await sessionOrThrow(request.params.id);
        return {
          sessionId: request.params.id,
          ...balanceJson(s),
          closed: s.closedReason !== undefined,
          ...(s.closedReason === undefined ? {} : { closedReason: s.closedReason }),
        };
      },
    );

    routes.post(
      "/v1/sessions/:id/check",
      {
        config: { scope: "charge" },
        schema: {
          summary: "Whether the session can pay a fee now (nothing is debited)",
          security: [{ apiKey: [] }],
          params: SessionParamsSchema,
          body: FeeRequestSchema,
          response: { 200: CheckResponseSchema, ...problemResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const fee = parseWei(request.body.fee, "/body/fee");
        const s = await sessionOrThrow(request.params.id);
        const shortfall = fee.sub(s.balance).sub(tolerance);
        const canPay = s.closedReason === undefined && shortfall.cmp(0n) <= 0;
        return {
          sessionId: request.params.id,
          canPay,
          fee: weiText(fee),
          balance: weiText(s.balance),
          shortfall: weiText(shortfall.cmp(0n) > 0 ? shortfall : Rational.ZERO),
          ...(s.closedReason === undefined ? {} : { closedReason: s.closedReason }),
        };
      },
    );

    routes.post(
      "/v1/sessions/:id/debit",
      {
        config: { scope: "charge" },
        schema: {
          summary: "Debit the actual fee of finished work (work server only: charge scope)",
          description:
            "Requires an Idempotency-Key header. Refused with InsufficientSessionBalanceError (402) when the credit does not cover the fee; with live true the session is then closed with reason credit-exhausted, and later payments and debits get SessionClosedError (409).",
          security: [{ apiKey: [] }],
          params: SessionParamsSchema,
          body: DebitRequestSchema,
          response: { 200: DebitResponseSchema, ...problemResponses(400, 401, 402, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const key = requireIdempotencyKey(request);
        const id = request.params.id;
        const clientId = `charge:${request.client.id}`;
        const hash = requestHash(`POST /v1/sessions/${id}/debit`, request.body);
        return perSession.run(id, async () => {
          const stored = await deps.store.ledger.get(key, clientId);
          if (stored !== undefined) {
            if (stored.requestHash !== hash) {
              throw new IdempotencyKeyReusedError(
                "This Idempotency-Key was used with another request",
                {
                  details: { idempotencyKey: key, client: request.client.id },
                  hint: "Use a fresh Idempotency-Key for each debit; reuse one only to retry the same debit.",
                },
              );
            }
            reply.header("idempotent-replayed", "true");
            return stored.response as DebitResponse;
          }
          const fee = parseWei(request.body.fee, "/body/fee");
          const s = await sessionOrThrow(id);
          if (s.closedReason !== undefined) {
            throw new SessionClosedError(`Session ${id} is closed: ${s.closedReason}`, {
              details: { sessionId: id, reason: s.closedReason },
              hint: "Stop the work; the payer must start a new session.",
            });
          }
          let balance: Rational;
          try {
            ({ balance } = await deps.store.sessions.debit({
              sessionId: payeeSessionKey(id),
              amount: fee,
              tolerance,
              debitId: key,
            }));
          } catch (err) {
            if (!(err instanceof SessionOverdrawnError)) throw err;
            if (request.body.live === true) {
              await deps.store.sessions.close({
                sessionId: payeeSessionKey(id),
                reason: CREDIT_EXHAUSTED,
              });
              metrics.sessionsClosed.inc({ reason: CREDIT_EXHAUSTED });
            }
            throw new InsufficientSessionBalanceError(
              `Session ${id} cannot pay a fee of ${fee.toString()} wei`,
              {
                details: {
                  sessionId: id,
                  balance: s.balance.toString(),
                  fee: fee.toString(),
                  tolerance: tolerance.toString(),
                  ...(request.body.live === true ? { closedReason: CREDIT_EXHAUSTED } : {}),
                },
                hint:
                  request.body.live === true
                    ? "The live session is closed (credit-exhausted): stop the stream; the payer must start a new session."
                    : "Do not do the work until the payer sends more tickets.",
                cause: err,
              },
            );
          }
          const after = await sessionOrThrow(id);
          const response: DebitResponse = {
            sessionId: id,
            fee: weiText(fee),
            session: balanceJson({ ...after, balance }),
          };
          await deps.store.ledger.record({
            idempotencyKey: key,
            clientId,
            requestHash: hash,
            sender: ZERO_ADDRESS,
            recipient: config.recipient as `0x${string}`,
            sessionId: id,
            evWei: 0n,
            response,
            createdAt: BigInt(Date.now()),
          });
          return response;
        });
      },
    );
  });

  registerReadiness(app, metrics, [
    { name: "store", check: () => deps.store.ping() },
    {
      name: "chain",
      check: async () => {
        await deps.reader.now();
      },
    },
  ]);

  if (config.redeemer === "in-process" && deps.redeemer !== undefined) {
    const redeemer =
      typeof deps.redeemer === "function"
        ? deps.redeemer({
            registry: metrics.registry,
            logger: app.log.child({ component: "redeemer" }),
          })
        : deps.redeemer;
    app.addHook("onReady", async () => {
      await redeemer.start();
    });
    // Runs after in-flight requests finished: every winner they accepted is in the store.
    app.addHook("onClose", async () => {
      await redeemer.stop();
    });
  }
  return app;
}
