import { readFile } from "node:fs/promises";

import type { Provider, Signer } from "ethers";

import type { CliContext, CliDeps, ConnectOptions } from "../../src/cli/context.js";
import { resolveBrokerAddress } from "../../src/cli/deployment.js";
import { NoSignerError, UnknownNetworkError } from "../../src/cli/errors.js";
import { messages } from "../../src/cli/messages.js";
import { runCli } from "../../src/cli/run.js";

/** What one CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly progress: string[];
  /** stdout parsed as JSON (only for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

/**
 * Runs the CLI in-process against an in-process chain: `localhost` maps to the given provider,
 * accounts are indexed by --account, and the broker is resolved like the real command does
 * (from --broker, else `brokerAddress`), including the no-code check.
 */
export function cliHarness(options: {
  provider: Provider;
  accounts: readonly Signer[];
  brokerAddress: string | undefined;
  chainId: bigint;
  /** Replaces the start of `serve` services. */
  serve?: CliDeps["serve"];
}) {
  let clock = 1_700_000_000_000;
  return async function cli(...argv: string[]): Promise<CliRun> {
    const out: string[] = [];
    const err: string[] = [];
    const progress: string[] = [];
    const deps: CliDeps = {
      async connect(connect: ConnectOptions): Promise<CliContext> {
        if (connect.network !== "localhost") {
          throw new UnknownNetworkError(`There is no network named "${connect.network}".`, {
            hint: "test",
          });
        }
        const brokerAddress = await resolveBrokerAddress({
          provider: options.provider,
          networkName: "localhost",
          chainId: options.chainId,
          brokerFlag: connect.broker ?? options.brokerAddress,
          deploymentId: connect.deploymentId,
          searchRoots: [],
        });
        return {
          networkName: "localhost",
          chainId: options.chainId,
          provider: options.provider,
          brokerAddress,
          getSigner: async () => {
            const signer = options.accounts[connect.account];
            if (signer === undefined) {
              throw new NoSignerError(
                messages.signer.badIndex(connect.account, options.accounts.length),
                { hint: messages.signer.badIndexHint(options.accounts.length) },
              );
            }
            return signer;
          },
        };
      },
      io: {
        out: (text) => void out.push(text),
        err: (text) => void err.push(text),
        progress: (text) => void progress.push(text),
        endProgress: () => undefined,
      },
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      readFile: (file) => readFile(file, "utf8"),
      pollIntervalMs: 1000,
      ...(options.serve === undefined ? {} : { serve: options.serve }),
    };
    const code = await runCli(argv, deps);
    const stdout = out.join("\n");
    return {
      code,
      out: stdout,
      err: err.join("\n"),
      progress,
      json: <T>() => JSON.parse(stdout) as T,
    };
  };
}
