import { randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";

import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { Logger } from "pino";

import { cryptoBackend } from "../../internal/cryptoBackend.js";

import { ApiKeyRing, type Client, type Scope } from "./apiKeys.js";
import type { CommonServiceConfig } from "./config.js";
import { RequestTimeoutError } from "./errors.js";
import { ServiceMetrics } from "./metrics.js";
import { installProblemHandlers } from "./problem.js";
import { RateLimiter } from "./rateLimiter.js";
import { serviceLogger } from "./logger.js";

/** What a route declares in its `config`: the scope it needs. */
export interface RouteAuthConfig {
  /** Scope (or any of several) the caller's key must hold; routes without one are open. */
  readonly scope?: Scope | readonly Scope[];
}

declare module "fastify" {
  interface FastifyRequest {
    /** The caller, set by the authentication hook before the body is read. */
    client: Client;
  }
}

/** A service app with its typed routes. */
export type ServiceApp = FastifyInstance<
  import("node:http").Server,
  import("node:http").IncomingMessage,
  import("node:http").ServerResponse,
  import("fastify").FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * Fastify's request log lines, one per request instead of two: nothing when a request arrives,
 * one line when it is answered (`"msg":"request"` with method, url, status and response time;
 * at error level when the answer failed). Fastify's other log lines are unchanged.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) request.log.error({ ...line, err: error }, "request");
    else request.log.info(line, "request");
  }
}

/** A pattern for request ids taken from `X-Request-Id` (else a UUID is drawn). */
const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/**
 * Builds the Fastify instance every service starts from, one plugin per concern:
 * problem+json errors, pino logs with a request id and secrets redacted, API-key
 * authentication and scopes, per-key rate limits, a read deadline for slow clients, metrics
 * (`/metrics`), `/healthz`, and the OpenAPI document (`/openapi.json`). The caller adds its
 * routes, `/readyz`, then calls `ready()`.
 *
 * @example
 * ```ts
 * const { app, metrics } = createServiceApp({ service: "payee", config, title: "Payee" });
 * app.post("/v1/x", { config: { scope: "pay" }, schema: { body } }, handler);
 * ```
 */
export function createServiceApp(options: {
  service: "signer" | "payee";
  config: CommonServiceConfig;
  title: string;
  description: string;
  logger?: Logger | false;
}): { app: ServiceApp; metrics: ServiceMetrics; keys: ApiKeyRing } {
  const { config } = options;
  const app = Fastify({
    ...(options.logger === undefined
      ? { loggerInstance: serviceLogger({ level: config.logLevel, service: options.service }) }
      : options.logger === false
        ? { logger: false }
        : { loggerInstance: options.logger }),
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs * 2,
    logController: new OneLinePerRequest(),
    connectionTimeout: config.requestTimeoutMs * 2,
    return503OnClosing: true,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
    forceCloseConnections: "idle",
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as ServiceApp;

  const metrics = new ServiceMetrics({ service: options.service });
  const keys = new ApiKeyRing({
    keys: config.apiKeys,
    anonymousScopes: config.anonymousScopes,
  });
  const limiter = new RateLimiter();

  // JSON only: a body of any other type is refused with 415 (Fastify also parses text/plain).
  app.removeContentTypeParser("text/plain");
  installProblemHandlers(app, (code) => metrics.refusals.inc({ code }));

  app.decorateRequest("client", undefined as unknown as Client);
  // The per-request hooks take Fastify's callback form: no promise per hook and request.
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    const needed = (request.routeOptions.config as RouteAuthConfig | undefined)?.scope;
    if (needed === undefined) {
      done();
      return;
    }
    try {
      request.client = keys.authenticate(request.headers.authorization);
      ApiKeyRing.requireScope(request.client, needed);
      const key = request.client.key;
      if (key?.ratePerSecond !== undefined) {
        try {
          limiter.take(key.id, {
            ratePerSecond: key.ratePerSecond,
            ...(key.burst === undefined ? {} : { burst: key.burst }),
          });
        } catch (err) {
          const retry = (err as { details?: { retryAfterSeconds?: number } }).details
            ?.retryAfterSeconds;
          if (retry !== undefined) reply.header("retry-after", String(retry));
          throw err;
        }
      }
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });

  // A body must arrive within requestTimeoutMs of the headers: a slow client is answered 408
  // (the body is read through a pass-through stream, so the socket stays open for the answer).
  app.addHook("preParsing", (request: FastifyRequest, _reply, payload, done) => {
    // Already received whole (the usual case for a small body): nothing left to wait for.
    if (request.raw.complete) {
      done(null, payload);
      return;
    }
    const body = new PassThrough() as PassThrough & { receivedEncodedLength: number };
    body.receivedEncodedLength = 0;
    payload.on("data", (chunk: Buffer) => {
      body.receivedEncodedLength += chunk.length;
    });
    payload.pipe(body);
    const timer = setTimeout(() => {
      payload.unpipe(body);
      payload.resume();
      body.destroy(
        Object.assign(
          new RequestTimeoutError("The request body took too long to arrive", {
            details: { timeoutMs: config.requestTimeoutMs },
            hint: "Send the whole request at once; bodies slower than the deadline are refused.",
          }),
          { statusCode: 408 },
        ),
      );
    }, config.requestTimeoutMs);
    timer.unref();
    const clear = (): void => clearTimeout(timer);
    payload.once("end", clear);
    payload.once("error", clear);
    request.raw.once("close", clear);
    done(null, body);
  });

  // While closing, answers end their connection, so a kept-alive client cannot hold close() open.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
    app.server.closeIdleConnections();
  });
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (closing) reply.header("connection", "close");
    done(null, payload);
  });

  // One histogram child per method, route and status, looked up once (not hashed per request).
  const requestSeries = new Map<string, { observe(seconds: number): void }>();
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unknown";
    const status = String(reply.statusCode);
    const id = `${request.method} ${route} ${status}`;
    let series = requestSeries.get(id);
    if (series === undefined) {
      series = metrics.requests.labels({ method: request.method, route, status });
      requestSeries.set(id, series);
    }
    series.observe(reply.elapsedTime / 1000);
    done();
  });

  void app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: options.title, description: options.description, version: "1" },
      components: {
        securitySchemes: {
          apiKey: {
            type: "http",
            scheme: "bearer",
            description: "An API key (the service stores only its SHA-256).",
          },
        },
      },
    },
  });

  // The process answers; `crypto` says whether tickets are validated on the native add-ons.
  app.get("/healthz", { schema: { hide: true } }, async () => ({
    status: "ok",
    crypto: cryptoBackend(),
  }));
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  return { app, metrics, keys };
}

/** One readiness probe: a name and a check that throws what is wrong. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/**
 * Registers `/readyz`: every check runs (with a deadline); 200 when all pass, 503 with each
 * failure otherwise.
 */
export function registerReadiness(
  app: ServiceApp,
  metrics: ServiceMetrics,
  checks: readonly ReadinessCheck[],
  timeoutMs = 2_000,
): void {
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const results = await Promise.all(
      checks.map(async (c) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            c.check(),
            new Promise((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`timed out after ${timeoutMs} ms`)),
                timeoutMs,
              );
            }),
          ]);
          return { name: c.name, ok: true as const };
        } catch (err) {
          return { name: c.name, ok: false as const, error: (err as Error).message };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const ok = results.every((r) => r.ok);
    metrics.up.set(ok ? 1 : 0);
    reply.code(ok ? 200 : 503);
    return { status: ok ? "ready" : "not ready", checks: results };
  });
}
