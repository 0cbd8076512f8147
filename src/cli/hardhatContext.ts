import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { Wallet, type Signer } from "ethers";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";

import type { CliContext, CliDeps, CliIo, ConnectOptions } from "./context.js";
import { resolveBrokerAddress } from "./deployment.js";
import { NetworkUnreachableError, NoSignerError, UnknownNetworkError } from "./errors.js";
import { messages } from "./messages.js";

/** The package root: the folder with hardhat.config.ts and ignition/. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The environment variable whose private key signs, when set. */
export const PRIVATE_KEY_VARIABLE = "TICKETBROKER_PRIVATE_KEY";

async function networkUrl(config: unknown): Promise<string> {
  const url = (config as { url?: { get?: () => Promise<string> } }).url;
  try {
    return (await url?.get?.()) ?? "(in-process)";
  } catch {
    return "(its configured RPC URL)";
  }
}

/**
 * Connects to a network from hardhat.config.ts through Hardhat's network manager, so the
 * keystore, configuration variables and the node's accounts work exactly as in
 * `hardhat ignition deploy`.
 */
export async function connectWithHardhat(
  options: ConnectOptions,
  env: NodeJS.ProcessEnv,
): Promise<CliContext> {
  const { default: userConfig } = await import("../../hardhat.config.js");
  const hre = await createHardhatRuntimeEnvironment(userConfig, {}, PACKAGE_ROOT);
  const known = Object.keys(hre.config.networks);
  const networkConfig = hre.config.networks[options.network];
  if (networkConfig === undefined) {
    throw new UnknownNetworkError(messages.network.unknown(options.network), {
      details: { network: options.network, known },
      hint: messages.network.unknownHint(known),
    });
  }
  const connection = await hre.network.create({ network: options.network });
  const provider = connection.ethers.provider;
  let chainId: bigint;
  try {
    chainId = (await provider.getNetwork()).chainId;
  } catch (err) {
    const url = await networkUrl(networkConfig);
    throw new NetworkUnreachableError(messages.network.unreachable(options.network, url), {
      details: { network: options.network, url },
      hint: messages.network.unreachableHint(options.network),
      cause: err,
    });
  }
  const brokerAddress = await resolveBrokerAddress({
    provider,
    networkName: options.network,
    chainId,
    brokerFlag: options.broker,
    deploymentId: options.deploymentId,
    searchRoots: [...new Set([process.cwd(), PACKAGE_ROOT])],
  });
  let signer: Promise<Signer> | undefined;
  const getSigner = (): Promise<Signer> => {
    signer ??= (async () => {
      const key = env[PRIVATE_KEY_VARIABLE];
      if (key !== undefined && key !== "") {
        try {
          return new Wallet(key, provider);
        } catch (err) {
          throw new NoSignerError(messages.signer.badKey, {
            hint: messages.signer.badKeyHint,
            cause: err,
          });
        }
      }
      const signers = await connection.ethers.getSigners();
      if (signers.length === 0) {
        throw new NoSignerError(messages.signer.none(options.network), {
          details: { network: options.network },
          hint: messages.signer.noneHint,
        });
      }
      const chosen = signers[options.account];
      if (chosen === undefined) {
        throw new NoSignerError(messages.signer.badIndex(options.account, signers.length), {
          details: { account: options.account, available: signers.length },
          hint: messages.signer.badIndexHint,
        });
      }
      return chosen;
    })();
    return signer;
  };
  return { networkName: options.network, chainId, provider, brokerAddress, getSigner };
}

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

/** The real dependencies of the command line. */
export function processDeps(): CliDeps {
  return {
    connect: (options) => connectWithHardhat(options, process.env),
    io: processIo(),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    readFile: (file) => readFile(file, "utf8"),
    pollIntervalMs: 1000,
  };
}
