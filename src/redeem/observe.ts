/**
 * What an operator sees of a running redeemer: its Prometheus series, a log line per round
 * (a failed round at `warn`) and per decision, and a status (last round, leader or standby) for
 * `/healthz`. The payee's in-process redeemer and `ticketbroker serve redeemer` both use it.
 */
import type { Registry } from "prom-client";

import { assertFunction, assertHasMethods, assertObject } from "../ticket/inputs.js";
import type { RedeemerOptions } from "./daemon.js";
import { prometheusRedeemerMetrics, type RedeemerMetrics } from "./metrics.js";

/** The part of a pino logger the redeemer writes to. */
export interface RedeemerLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** The redeemer's state as `/healthz` reports it. */
export interface RedeemerStatus {
  /** Rounds finished (failed ones included). */
  readonly rounds: number;
  /** When the last round finished (ms since the epoch); undefined before the first. */
  readonly lastRoundAt: number | undefined;
  /** Whether the last round held the leader lock (false: standby behind another redeemer). */
  readonly leader: boolean;
  /** The last round's error, if it failed. */
  readonly lastError: string | undefined;
}

/** What {@link observeRedeemer} returns: hand `log` and `metrics` to the daemon. */
export interface RedeemerObserver {
  readonly log: NonNullable<RedeemerOptions["log"]>;
  readonly metrics: RedeemerMetrics;
  status(): RedeemerStatus;
}

/**
 * Wires a redeemer to a registry (the `ticketbroker_redeemer_*` series) and a logger.
 *
 * @example
 * ```ts
 * const observer = observeRedeemer({ registry, logger: app.log.child({ component: "redeemer" }) });
 * const daemon = runRedeemer({ ...options, log: observer.log, metrics: observer.metrics });
 * observer.status().leader; // true once this process holds the lock
 * ```
 */
export function observeRedeemer(options: {
  registry?: Registry;
  logger?: RedeemerLogger;
  /** Milliseconds since the epoch. Default Date.now. */
  clock?: () => number;
}): RedeemerObserver {
  assertObject(options, "observeRedeemer options");
  if (options.logger !== undefined) assertHasMethods(options.logger, "logger", ["info", "warn"]);
  if (options.clock !== undefined) assertFunction(options.clock, "clock");
  const prometheus =
    options.registry === undefined ? undefined : prometheusRedeemerMetrics(options.registry);
  const logger = options.logger;
  const clock = options.clock ?? Date.now;
  let status: RedeemerStatus = {
    rounds: 0,
    lastRoundAt: undefined,
    leader: false,
    lastError: undefined,
  };
  return {
    log: (fields, message) => logger?.info(fields, message),
    metrics: {
      onRound(s) {
        status = {
          rounds: status.rounds + 1,
          lastRoundAt: clock(),
          leader: s.leader,
          lastError: s.error,
        };
        prometheus?.onRound?.(s);
        if (logger === undefined) return;
        const fields = {
          leader: s.leader,
          pending: s.pendingCount,
          pendingFaceValue: s.pendingFaceValue.toString(),
          submitted: s.submittedCount,
          redeemed: s.redeemedCount,
          redeemedFaceValue: s.redeemedFaceValue.toString(),
          unredeemable: s.unredeemableByReason,
          sendersCannotPay: s.sendersCannotPay,
          nearExpiry: s.nearExpiry,
          costRatio: s.costRatio,
          ...(s.error === undefined ? {} : { error: s.error }),
        };
        if (s.error === undefined) logger.info(fields, "redeemer round");
        else logger.warn(fields, "redeemer round");
      },
    },
    status: () => status,
  };
}
