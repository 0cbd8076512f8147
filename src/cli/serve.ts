import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import type { ServeOptions } from "./context.js";
import { CliUsageError, ServiceUnavailableError } from "./errors.js";
import { messages } from "./messages.js";

/** A started service, as the services' entry functions return it. */
interface RunningService {
  readonly url: string;
  close(): Promise<void>;
}

type ServiceName = "signer" | "payee" | "redeemer";

/**
 * Where each service's entry function lives (relative to this file), its name, and how it is
 * called:
 * - `config`: the module also exports `loadServiceConfig({ service, file, env, flags })`, which
 *   validates the configuration; the entry is called as `entry(config, { env })`, returns a
 *   running service (`url`, `close()`), and this command stops it on SIGINT/SIGTERM;
 * - `options`: the entry takes `{ configFile, args, env }` itself, handles the signals, and
 *   returns a handle whose `closed` settles when it has stopped.
 */
export const SERVICE_ENTRIES: Readonly<
  Record<
    ServiceName,
    { readonly module: string; readonly name: string; readonly style: "config" | "options" }
  >
> = {
  signer: { module: "../services/index.js", name: "startSignerService", style: "config" },
  payee: { module: "../services/index.js", name: "startPayeeService", style: "config" },
  redeemer: { module: "../redeem/main.js", name: "startRedeemer", style: "options" },
};

/** The module's URL, as .js (built) or .ts (run from source), if it exists. */
function present(specifier: string): string | undefined {
  for (const candidate of [specifier, specifier.replace(/\.js$/, ".ts")]) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url.href;
  }
  return undefined;
}

/**
 * Settings given on the command line after the service name: `--port 8935` or `--store-url=…`
 * become `{ port: "8935", storeUrl: "…" }` (the service validates and converts them).
 */
export function serviceFlags(args: readonly string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const match = /^--([A-Za-z][\w-]*)(?:=(.*))?$/.exec(arg);
    if (match === null) {
      throw new CliUsageError(`"${arg}" is not a --setting of the service.`, {
        details: { argument: arg },
        hint: "Give settings as --name value (e.g. --port 8935), in the --config file, or in environment variables.",
      });
    }
    const key = (match[1] ?? "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = match[2] ?? args[i + 1];
    if (match[2] === undefined) i++;
    if (value === undefined) {
      throw new CliUsageError(`The setting --${match[1]} has no value.`, {
        details: { setting: match[1] },
        hint: "Give settings as --name value, e.g. --port 8935.",
      });
    }
    flags[key] = value;
  }
  return flags;
}

async function loadEntry(
  service: ServiceName,
): Promise<{ entry: (...a: unknown[]) => Promise<unknown>; load: unknown }> {
  const { module, name } = SERVICE_ENTRIES[service];
  const href = present(module);
  if (href !== undefined) {
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
    if (typeof entry === "function") {
      return {
        entry: entry as (...a: unknown[]) => Promise<unknown>,
        load: loaded["loadServiceConfig"],
      };
    }
  }
  throw new ServiceUnavailableError(messages.serve.unavailable(service), {
    details: { service, entry: name, module },
    hint: messages.serve.unavailableHint(service),
  });
}

/**
 * Starts `service` and runs until it stops (SIGINT or SIGTERM; in-flight work finishes first).
 * Its configuration comes from the `--config` file, environment variables and the
 * `--setting value` arguments. The entry modules are loaded on demand, so every other command
 * runs without the services' packages; a build without the service fails with
 * {@link ServiceUnavailableError}.
 */
export async function startService(service: ServiceName, options: ServeOptions): Promise<void> {
  const { entry, load } = await loadEntry(service);
  if (SERVICE_ENTRIES[service].style === "options") {
    const handle = (await entry(options)) as { closed?: Promise<unknown> } | undefined;
    await handle?.closed;
    return;
  }
  if (typeof load !== "function") {
    throw new ServiceUnavailableError(messages.serve.unavailable(service), {
      details: { service, missing: "loadServiceConfig" },
      hint: messages.serve.unavailableHint(service),
    });
  }
  const config = (load as (...a: unknown[]) => unknown)({
    service,
    ...(options.configFile === undefined ? {} : { file: options.configFile }),
    env: options.env,
    flags: serviceFlags(options.args),
  });
  const running = (await entry(config, { env: options.env })) as RunningService;
  process.stderr.write(`${service} service listening on ${running.url}\n`);
  await new Promise<void>((resolve, reject) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      process.stderr.write(`${service} service stopping…\n`);
      running.close().then(resolve, reject);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
