import { readFile } from "node:fs/promises";

import type { CliContext, CliDeps, CliIo, ConnectOptions, ServeOptions } from "./context.js";
import { CliUsageError } from "./errors.js";
import { connectWithRpc } from "./rpcContext.js";
import { startService } from "./serve.js";

/** The environment fallback of `--rpc-url`. */
export const RPC_URL_VARIABLE = "TICKETBROKER_RPC_URL";

/** Output to the process's stdout/stderr; progress overwrites one line on a terminal. */
export function processIo(): CliIo {
  let progressShown = false;
  const tty = process.stderr.isTTY;
  return {
    out: (text) => void process.stdout.write(`${text}\n`),
    err: (text) => void process.stderr.write(`${text}\n`),
    progress(text) {
      if (tty) {
        process.stderr.write(`\r\x1b[2K${text}`);
        progressShown = true;
      } else {
        process.stderr.write(`${text}\n`);
      }
    },
    endProgress() {
      if (progressShown) process.stderr.write("\r\x1b[2K");
      progressShown = false;
    },
  };
}

/**
 * Connects as the options say: with `--rpc-url` (or TICKETBROKER_RPC_URL) straight over JSON-RPC
 * with plain Node.js; otherwise through Hardhat's network manager and hardhat.config.ts, which
 * exists only inside the repository (Hardhat is a development dependency).
 */
export async function connect(
  options: ConnectOptions,
  env: NodeJS.ProcessEnv,
): Promise<CliContext> {
  const rpcUrl =
    options.rpcUrl ?? (env[RPC_URL_VARIABLE] === "" ? undefined : env[RPC_URL_VARIABLE]);
  if (rpcUrl !== undefined) return connectWithRpc({ ...options, rpcUrl }, env, [process.cwd()]);
  let hardhat: typeof import("./hardhatContext.js");
  try {
    hardhat = await import("./hardhatContext.js");
    await import("hardhat/hre");
  } catch (err) {
    throw new CliUsageError("No --rpc-url given, and Hardhat's networks are not available here.", {
      details: { network: options.network, reason: (err as Error).message },
      hint:
        "Give the node's URL: --rpc-url <url> (or TICKETBROKER_RPC_URL). --network <name> works " +
        "only inside the ticketbroker repository, where hardhat.config.ts defines the networks.",
      cause: err,
    });
  }
  return hardhat.connectWithHardhat(options, env);
}

/** The real dependencies of the command line. */
export function processDeps(): CliDeps {
  return {
    connect: (options) => connect(options, process.env),
    io: processIo(),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    readFile: (file) => readFile(file, "utf8"),
    pollIntervalMs: 1000,
    serve: (service, options: ServeOptions) => startService(service, options),
  };
}
