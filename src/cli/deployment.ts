import path from "node:path";

import { getAddress, isAddress, type Provider } from "ethers";

import { getDeployment } from "../contract/deployments.js";
import { ignitionRecordFile, readIgnitionBroker } from "../contract/ignitionRecord.js";
import { CliUsageError, NoDeploymentError } from "./errors.js";
import { messages } from "./messages.js";

/** Chain id of Hardhat's local networks, whose deployments vanish when the node restarts. */
const LOCAL_CHAIN_ID = 31337n;

/**
 * Finds the broker for a network, in this order: the `--broker` flag; Ignition's record of a
 * deployment from one of `searchRoots` (ignition/deployments/<deploymentId or chain-<chainId>>/,
 * as written by `hardhat ignition deploy`); unless a deployment id was given, the package's committed deployments (src/contract/deployments.ts). Then
 * checks that the address holds code, so a restarted node is reported instead of silently
 * calling an empty address.
 */
export async function resolveBrokerAddress(options: {
  provider: Provider;
  networkName: string;
  chainId: bigint;
  brokerFlag: string | undefined;
  /** Ignition deployment id (folder under ignition/deployments/); default `chain-<chainId>`. */
  deploymentId?: string | undefined;
  searchRoots: readonly string[];
}): Promise<string> {
  const { provider, networkName, chainId, brokerFlag } = options;
  let address: string | undefined;
  if (brokerFlag !== undefined) {
    if (!isAddress(brokerFlag)) {
      throw new CliUsageError(messages.usage.invalidAddress("--broker address", brokerFlag), {
        details: { broker: brokerFlag },
        hint: messages.usage.addressHint,
      });
    }
    address = getAddress(brokerFlag);
  }
  let record: string | undefined;
  for (const root of options.searchRoots) {
    if (address !== undefined) break;
    const file = ignitionRecordFile(root, options.deploymentId ?? `chain-${chainId}`);
    address = await readIgnitionBroker(file);
    if (address !== undefined) record = path.dirname(file);
  }
  if (options.deploymentId === undefined) address ??= getDeployment(chainId)?.ticketBroker;
  if (address === undefined) {
    throw new NoDeploymentError(messages.deployment.none(networkName, chainId), {
      details: { network: networkName, chainId },
      hint: messages.deployment.noneHint(networkName),
    });
  }
  const code = await provider.getCode(address);
  if (code === "0x" && record !== undefined && chainId !== LOCAL_CHAIN_ID) {
    // A record of a public chain id whose contracts are not on that chain: a rehearsal against a
    // local node started with the same chain id wrote it. Never take it for the deployment.
    throw new NoDeploymentError(messages.deployment.noCodePublic(address, networkName, record), {
      details: { network: networkName, chainId, address, record },
      hint: messages.deployment.noCodePublicHint(record),
    });
  }
  if (code === "0x") {
    throw new NoDeploymentError(messages.deployment.noCode(address, networkName), {
      details: { network: networkName, chainId, address },
      hint: messages.deployment.noCodeHint(networkName),
    });
  }
  return address;
}
