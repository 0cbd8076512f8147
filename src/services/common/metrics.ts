import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

import { cryptoBackend } from "../../internal/cryptoBackend.js";

/**
 * The Prometheus metrics of one service, in its own registry (two apps in one process, as in
 * tests, do not share counters). Names carry their unit: `_total`, `_wei_total`, `_seconds`.
 *
 * @example
 * ```ts
 * const m = new ServiceMetrics({ service: "payee" });
 * m.refusals.inc({ code: "TicketNonceReusedError" });
 * await m.registry.metrics(); // text exposition for /metrics
 * ```
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly service: string;
  readonly requests: Histogram<"method" | "route" | "status">;
  readonly refusals: Counter<"code">;
  readonly payments: Counter;
  readonly tickets: Counter<"outcome">;
  /** Wei of EV: signed (signer) or credited (payee). Floats: precise to 2^53 wei per sample. */
  readonly evWei: Counter;
  readonly winners: Counter;
  readonly sessionsClosed: Counter<"reason">;
  readonly up: Gauge;
  /** 1, labelled with the crypto implementation in use (`native` or `js`) per primitive. */
  readonly cryptoBackend: Gauge<"keccak" | "secp256k1">;

  constructor(options: { service: "signer" | "payee"; defaultMetrics?: boolean }) {
    const s = options.service;
    this.service = s;
    const registers = [this.registry];
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: `ticketbroker_${s}_` });
    }
    this.requests = new Histogram({
      name: `ticketbroker_${s}_request_duration_seconds`,
      help: "Time from request to response, by route and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.refusals = new Counter({
      name: `ticketbroker_${s}_refusals_total`,
      help: "Requests refused, by error code",
      labelNames: ["code"],
      registers,
    });
    this.payments = new Counter({
      name: `ticketbroker_${s}_payments_total`,
      help: s === "signer" ? "Payments signed (replays not counted)" : "Payments received",
      registers,
    });
    this.tickets = new Counter({
      name: `ticketbroker_${s}_tickets_total`,
      help: s === "signer" ? "Tickets signed" : "Tickets received, by outcome",
      labelNames: ["outcome"],
      registers,
    });
    this.evWei = new Counter({
      name:
        s === "signer"
          ? "ticketbroker_signer_ev_signed_wei_total"
          : "ticketbroker_payee_ev_credited_wei_total",
      help: s === "signer" ? "EV of the tickets signed, in wei" : "EV credited to sessions, in wei",
      registers,
    });
    this.winners = new Counter({
      name: `ticketbroker_${s}_winners_total`,
      help: "Winning tickets stored",
      registers,
    });
    this.sessionsClosed = new Counter({
      name: `ticketbroker_${s}_sessions_closed_total`,
      help: "Sessions closed, by reason",
      labelNames: ["reason"],
      registers,
    });
    this.up = new Gauge({
      name: `ticketbroker_${s}_ready`,
      help: "1 when the last readiness check passed",
      registers,
    });
    this.cryptoBackend = new Gauge({
      name: "ticketbroker_crypto_backend_info",
      help: "Always 1; the labels name the ticket crypto in use (native add-on or the ~20x slower js fallback)",
      labelNames: ["keccak", "secp256k1"],
      registers,
    });
    this.cryptoBackend.set({ ...cryptoBackend() }, 1);
  }
}
