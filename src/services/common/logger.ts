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
