/**
 * Argument checks of the typed clients. Self-contained (the clients import nothing but each
 * other and the error base class): a malformed argument is refused at once as a
 * {@link ServiceClientError} with problem code `InvalidArgument` and status 0, naming the field.
 */
import { ServiceClientError } from "./serviceClientError.js";

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

function refuse(field: string, expected: string, value: unknown, hint?: string): never {
  throw new ServiceClientError(`${field} must be ${expected}`, {
    problemCode: "InvalidArgument",
    status: 0,
    details: { field, expected, received: kind(value) },
    hint: hint ?? `Pass ${field} as ${expected}.`,
  });
}

/** Throws unless `value` is a non-null, non-array object. */
export function checkObject(
  value: unknown,
  field: string,
): asserts value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    refuse(field, "an object", value);
  }
}

/** Throws unless `value` is a string (non-empty with `nonEmpty`). */
export function checkString(value: unknown, field: string, nonEmpty = false): void {
  if (typeof value !== "string" || (nonEmpty && value === "")) {
    refuse(field, nonEmpty ? "a non-empty string" : "a string", value);
  }
}

/** Throws unless `value` is a safe integer ≥ `min`. */
export function checkInteger(value: unknown, field: string, min = 0): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    refuse(field, `an integer ≥ ${min}`, value);
  }
}

/** Throws unless `value` is a function. */
export function checkFunction(value: unknown, field: string): void {
  if (typeof value !== "function") refuse(field, "a function", value);
}

/** Throws unless `value` is an object with the named methods. */
export function checkMethods(value: unknown, field: string, methods: readonly string[]): void {
  checkObject(value, field);
  for (const m of methods) checkFunction(value[m], `${field}.${m}`);
}

/** Throws unless `value` is a 0x-prefixed 20-byte hex address (the service checks its checksum). */
export function checkAddress(value: unknown, field: string): void {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    refuse(field, "a 0x-prefixed 20-byte hex address", value);
  }
}

/** Checks a client's options when it is built, so a bad URL or key fails at once. */
export function checkClientOptions(options: unknown): void {
  checkObject(options, "client options");
  const baseUrl = options["baseUrl"];
  if (typeof baseUrl !== "string" || !/^https?:\/\/./i.test(baseUrl)) {
    refuse(
      "baseUrl",
      "an http(s) URL",
      baseUrl,
      "Pass the service's base URL, e.g. http://127.0.0.1:8935.",
    );
  }
  if (options["apiKey"] !== undefined) checkString(options["apiKey"], "apiKey", true);
  if (options["fetch"] !== undefined) checkFunction(options["fetch"], "fetch");
  if (options["timeoutMs"] !== undefined) checkInteger(options["timeoutMs"], "timeoutMs", 1);
  if (options["retries"] !== undefined) checkInteger(options["retries"], "retries");
}
