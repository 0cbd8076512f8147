/**
 * Turns what a provider throws (a refused connection, a timeout, an ethers or Hardhat error, a
 * plain Error from a custom provider) into a {@link ChainUnavailableError}, so callers see one
 * typed error with a hint instead of a transport error. Errors that are already the library's
 * own (decoded contract reverts, input errors) pass through unchanged.
 */
import { TicketBrokerError } from "../errors.js";

/**
 * The chain could not be read: the node did not answer, refused the connection, timed out or
 * returned something that is not an answer. `details.what` names the read, `details.reason`
 * carries the underlying message and `cause` the original error.
 *
 * @example
 * ```ts
 * try {
 *   await reader.senderFunds(gateway);
 * } catch (err) {
 *   if (err instanceof ChainUnavailableError) retryLater(err.hint);
 * }
 * ```
 */
export class ChainUnavailableError extends TicketBrokerError {}

/** Node error codes of a connection that never reached a node. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/** Reads own properties of an unknown thrown value without ever throwing. */
function prop(value: unknown, key: string): unknown {
  try {
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)[key]
      : undefined;
  } catch {
    return undefined;
  }
}

/** The first connection-level error code found on `err` or its causes (a few levels deep). */
function connectionCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    const code = prop(current, "code");
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return code;
    const message = prop(current, "message");
    if (typeof message === "string") {
      for (const c of CONNECTION_CODES) if (message.includes(c)) return c;
    }
    current = prop(current, "cause") ?? prop(current, "error");
  }
  return undefined;
}

function messageOf(err: unknown): string {
  const message = prop(err, "shortMessage") ?? prop(err, "message");
  if (typeof message === "string")
    return message.length > 300 ? `${message.slice(0, 297)}...` : message;
  try {
    return String(err);
  } catch {
    return "unprintable error";
  }
}

/**
 * The error to throw for `err`, raised while reading `what` from the chain: `err` itself when
 * it is already a {@link TicketBrokerError}, else a {@link ChainUnavailableError} that keeps
 * `err` as its cause.
 *
 * @example
 * ```ts
 * try {
 *   return await broker.getSenderInfo(sender);
 * } catch (err) {
 *   throw wrapRpcError(err, "getSenderInfo");
 * }
 * ```
 */
export function wrapRpcError(err: unknown, what: string): TicketBrokerError {
  if (err instanceof TicketBrokerError) return err;
  const code = connectionCode(err);
  const ethersCode = prop(err, "code");
  const reason = messageOf(err);
  if (ethersCode === "BAD_DATA" || ethersCode === "CALL_EXCEPTION") {
    return new ChainUnavailableError(`The chain gave no usable answer to ${what}`, {
      details: { what, code: ethersCode, reason },
      hint: "Check that the broker address is deployed on the chain the RPC URL points to (a call to an address without code returns no data).",
      cause: err,
    });
  }
  return new ChainUnavailableError(`Cannot read ${what} from the chain`, {
    details: {
      what,
      ...(code === undefined ? {} : { code }),
      ...(typeof ethersCode === "string" && ethersCode !== code
        ? { providerCode: ethersCode }
        : {}),
      reason,
    },
    hint:
      code === undefined
        ? "Check the RPC URL and that the node is running and synced; retry once it answers."
        : `The connection failed (${code}): check the RPC URL and that the node is running and reachable from this host.`,
    cause: err,
  });
}

/**
 * Runs `read` and rethrows any failure through {@link wrapRpcError}.
 *
 * @example
 * ```ts
 * const block = await readChain("the latest block", () => provider.getBlock("latest"));
 * ```
 */
export async function readChain<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw wrapRpcError(err, what);
  }
}
