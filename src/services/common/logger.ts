import { pino, type DestinationStream, type Logger } from "pino";

/**
 * Paths pino replaces with "[redacted]" in every log line: credentials in headers and any
 * field that could hold a key, a password or the payee's secret.
 */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "authorization",
  "password",
  "privateKey",
  "secret",
  "signerKey",
  "apiKey",
  "*.password",
  "*.privateKey",
  "*.secret",
  "*.signerKey",
  "*.apiKey",
] as const;

/**
 * The services' logger: JSON lines at `level`, secrets redacted, to `destination` (default
 * stdout). Fastify adds the request id (`reqId`) to every line of a request.
 *
 * @example
 * ```ts
 * const app = buildPayeeApp(config, { ...deps, logger: serviceLogger({ level: "info" }) });
 * ```
 */
export function serviceLogger(options: {
  level: string;
  service: string;
  destination?: DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
    },
    options.destination,
  );
}
