import { readFile } from "node:fs/promises";
import path from "node:path";

import { getAddress, isAddress } from "ethers";

import { getDeployment } from "./deployments.js";

/** Ignition's future id of the broker in ignition/modules/TicketBroker.ts. */
export const BROKER_FUTURE_ID = "TicketBroker#TicketBroker";

/** The file Ignition records a deployment's addresses in, under `root`. */
export function ignitionRecordFile(root: string, deploymentId: string): string {
  return path.join(root, "ignition", "deployments", deploymentId, "deployed_addresses.json");
}

/**
 * The broker's address in an Ignition record (`deployed_addresses.json`), checksummed; undefined
 * when the file is missing, unreadable or holds no broker address.
 */
export async function readIgnitionBroker(file: string): Promise<`0x${string}` | undefined> {
  let record: unknown;
  try {
    record = JSON.parse(await readFile(file, "utf8"));
  } catch {
    return undefined;
  }
  const address = (record as Record<string, unknown> | null)?.[BROKER_FUTURE_ID];
  return typeof address === "string" && isAddress(address)
    ? (getAddress(address) as `0x${string}`)
    : undefined;
}

/**
 * Where a service finds the broker of chain `chainId` when none is configured: Ignition's record
 * of `hardhat ignition deploy` under `root` (ignition/deployments/chain-<chainId>/), then the
 * package's committed deployments. Returns the address and where it came from, or undefined.
 *
 * @example
 * ```ts
 * const found = await findRecordedBroker({ chainId: 31337n, root: process.cwd() });
 * ```
 */
export async function findRecordedBroker(options: {
  chainId: bigint;
  root: string;
}): Promise<{ address: `0x${string}`; source: string } | undefined> {
  const file = ignitionRecordFile(options.root, `chain-${options.chainId}`);
  const recorded = await readIgnitionBroker(file);
  if (recorded !== undefined) return { address: recorded, source: file };
  const committed = getDeployment(options.chainId);
  return committed === undefined
    ? undefined
    : { address: committed.ticketBroker, source: "src/contract/deployments.ts" };
}
