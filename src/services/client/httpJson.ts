import { ServiceClientError } from "./serviceClientError.js";

/** Options every client takes. */
export interface ClientOptions {
  /** Base URL of the service, e.g. http://127.0.0.1:8935. */
  readonly baseUrl: string;
  /** API key sent as `Authorization: Bearer <key>`. */
  readonly apiKey?: string;
  /** A fetch implementation (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Milliseconds before a request is abandoned (default 10,000). */
  readonly timeoutMs?: number;
  /** Retries on network errors and 5xx/429 answers, with the same Idempotency-Key (default 2). */
  readonly retries?: number;
}

/** Sends a JSON request and returns the parsed body, or throws {@link ServiceClientError}. */
export async function requestJson<T>(
  options: ClientOptions,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const doFetch = options.fetch ?? fetch;
  const retries = options.retries ?? 2;
  const url = `${options.baseUrl.replace(/\/+$/, "")}${path}`;
  const h: Record<string, string> = { accept: "application/json", ...headers };
  if (options.apiKey !== undefined) h["authorization"] = `Bearer ${options.apiKey}`;
  if (body !== undefined) h["content-type"] = "application/json";
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers: h,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (cause) {
      if (attempt < retries) {
        await delay(100 * 2 ** attempt);
        continue;
      }
      throw new ServiceClientError(`Cannot reach ${url}`, {
        problemCode: "ServiceUnreachable",
        status: 0,
        details: { url, reason: (cause as Error).message },
        hint: "Check the service URL and that it is running; retry with the same Idempotency-Key.",
        cause,
      });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.ok) return parsed as T;
    if ((res.status >= 500 || res.status === 429) && attempt < retries) {
      const after = Number(res.headers.get("retry-after") ?? "0");
      await delay(Math.max(100 * 2 ** attempt, after * 1000));
      continue;
    }
    const p = (parsed ?? {}) as {
      code?: string;
      detail?: string;
      hint?: string;
      details?: Record<string, unknown>;
    };
    throw new ServiceClientError(p.detail ?? `${method} ${path} answered ${res.status}`, {
      problemCode: p.code ?? `Http${res.status}`,
      status: res.status,
      ...(p.details === undefined ? {} : { details: p.details }),
      hint: p.hint ?? "Read the service log for this request.",
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A fresh idempotency key (a random UUID). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
