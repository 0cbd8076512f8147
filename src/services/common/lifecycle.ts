import type { ServiceApp } from "./baseApp.js";

/** A running service, as the entry points return it. */
export interface RunningService {
  /** Base URL, e.g. http://127.0.0.1:8935. */
  readonly url: string;
  readonly app: ServiceApp;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to shutdownTimeoutMs, then
   * cuts them), then releases the store and the chain connection.
   */
  close(): Promise<void>;
}

/**
 * Listens, and returns a close function that drains in-flight requests before `release`.
 */
export async function listenService(
  app: ServiceApp,
  options: { host: string; port: number; shutdownTimeoutMs: number; release: () => Promise<void> },
): Promise<RunningService> {
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = address !== null && typeof address === "object" ? address.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    app,
    close() {
      closing ??= (async () => {
        const timer = setTimeout(() => app.server.closeAllConnections(), options.shutdownTimeoutMs);
        timer.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(timer);
          await options.release();
        }
      })();
      return closing;
    },
  };
}
