import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import type { ServeOptions } from "./context.js";
import { ServiceUnavailableError } from "./errors.js";
import { messages } from "./messages.js";

/**
 * Where each long-running service's entry function lives, relative to this file, and its name.
 * The services are built in their own modules; the command line only starts them.
 */
export const SERVICE_ENTRIES = {
  signer: {
    modules: ["../services/signer/main.js", "../services/index.js"],
    name: "startSignerService",
  },
  payee: {
    modules: ["../services/payee/main.js", "../services/index.js"],
    name: "startPayeeService",
  },
  redeemer: {
    modules: ["../redeem/daemon.js", "../redeem/main.js", "../redeem/index.js"],
    name: "startRedeemer",
  },
} as const;

type Entry = (options: ServeOptions) => Promise<unknown> | unknown;

/** The module file for a specifier, as .js (built) or .ts (run from source). */
function present(specifier: string): string | undefined {
  const url = new URL(specifier, import.meta.url);
  for (const candidate of [url, new URL(specifier.replace(/\.js$/, ".ts"), import.meta.url)]) {
    if (existsSync(fileURLToPath(candidate))) return candidate.href;
  }
  return undefined;
}

/**
 * Starts `service` through its entry function, found by dynamic import so that a build
 * without the service still runs every other command. Resolves when the service has stopped
 * (the entry may return a handle with `closed` or `close`); fails with
 * {@link ServiceUnavailableError} when this build has no such service.
 */
export async function startService(
  service: keyof typeof SERVICE_ENTRIES,
  options: ServeOptions,
): Promise<void> {
  const { modules, name } = SERVICE_ENTRIES[service];
  for (const specifier of modules) {
    const href = present(specifier);
    if (href === undefined) continue;
    let loaded: Record<string, unknown>;
    try {
      loaded = (await import(href)) as Record<string, unknown>;
    } catch (err) {
      const missing = /Cannot find (?:package|module) '([^']+)'/.exec((err as Error).message)?.[1];
      if ((err as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND" || missing === undefined) {
        throw err;
      }
      throw new ServiceUnavailableError(messages.serve.missingPackage(service, missing), {
        details: { service, package: missing },
        hint: messages.serve.missingPackageHint,
        cause: err,
      });
    }
    const entry = loaded[name];
    if (typeof entry !== "function") continue;
    const handle = (await (entry as Entry)(options)) as { closed?: Promise<unknown> } | undefined;
    if (handle !== undefined && handle !== null && handle.closed instanceof Promise) {
      await handle.closed;
    }
    return;
  }
  throw new ServiceUnavailableError(messages.serve.unavailable(service), {
    details: { service, entry: name, looked: [...modules] },
    hint: messages.serve.unavailableHint(service),
  });
}
