import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type { Signer } from "ethers";
import type { HardhatUserConfig } from "hardhat/config";
// Types only (the `ethers` member of a network connection); nothing is loaded at run time.
import type {} from "@nomicfoundation/hardhat-ethers";

import type { CliContext, ConnectOptions } from "./context.js";
import { resolveBrokerAddress } from "./deployment.js";
import {
  ConfigurationVariableMissingError,
  NetworkUnreachableError,
  UnknownNetworkError,
} from "./errors.js";
import { pickAccount, walletFromEnvironment } from "./keys.js";
import { messages } from "./messages.js";

/**
 * The package root: the folder with package.json, hardhat.config.ts and ignition/ (this file
 * runs from src/cli/ under tsx, or from dist/src/cli/ once built).
 */
export const PACKAGE_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = path.dirname(dir);
    if (existsSync(path.join(dir, "package.json")) && !dir.endsWith(`${path.sep}dist`)) return dir;
  }
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
})();

export { PRIVATE_KEY_VARIABLE } from "./keys.js";

async function networkUrl(config: unknown): Promise<string> {
  const url = (config as { url?: { get?: () => Promise<string> } }).url;
  try {
    return (await url?.get?.()) ?? "(in-process)";
  } catch {
    return "(its configured RPC URL)";
  }
}

/**
 * The configuration variable Hardhat could not resolve (its "Configuration Variable "X" not
 * found" error, possibly as the cause of another), if that is what `err` is.
 */
function missingVariable(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    // Hardhat's own wording, or the keystore plugin's (its development keystore under tests).
    const name =
      /Configuration Variable "([^"]+)" not found/.exec(e.message)?.[1] ??
      /Key "([^"]+)" not found in the (?:development )?keystore/.exec(e.message)?.[1];
    if (name !== undefined) return name;
  }
  return undefined;
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
  // Loaded on demand: Hardhat is a development dependency, absent where the package is installed.
  const configUrl = pathToFileURL(path.join(PACKAGE_ROOT, "hardhat.config.ts")).href;
  const { default: userConfig } = (await import(configUrl)) as { default: HardhatUserConfig };
  const { createHardhatRuntimeEnvironment } = await import("hardhat/hre");
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
    const variable = missingVariable(err);
    if (variable !== undefined) {
      throw new ConfigurationVariableMissingError(
        messages.network.variableMissing(options.network, variable),
        {
          details: { network: options.network, variable },
          hint: messages.network.variableMissingHint(variable),
          cause: err,
        },
      );
    }
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
      const wallet = await walletFromEnvironment(options, env, provider);
      if (wallet !== undefined) return wallet;
      const signers = await connection.ethers.getSigners();
      return pickAccount(signers, options.account, {
        message: messages.signer.none(options.network),
        details: { network: options.network },
        hint: messages.signer.noneHint,
      });
    })();
    return signer;
  };
  return { networkName: options.network, chainId, provider, brokerAddress, getSigner };
}
