import path from "node:path";

import type { JsonRpcProvider } from "ethers";

import { ContractBrokerReader, type BrokerReader } from "../../chain/brokerReader.js";
import { CachedBrokerReader, createProvider } from "../../chain/cachedBrokerReader.js";
import { withWallClock } from "../../chain/clock.js";
import { readTicketDomain, type TicketDomain } from "../../ticket/ticketTypes.js";
import { TicketBroker__factory, type TicketBroker } from "../../../typechain-types/index.js";
import { findRecordedBroker, ignitionRecordFile } from "../../contract/ignitionRecord.js";
import type { CommonServiceConfig } from "./config.js";
import { ServiceConfigError } from "./errors.js";

/** The chain connection a service runs on: provider, broker, reader and EIP-712 domain. */
export interface ServiceChain {
  readonly provider: JsonRpcProvider;
  readonly broker: TicketBroker;
  /**
   * What the service reads the broker through: {@link cache} under the clock rule of
   * docs/clock.md (`now()` is max(chain time, wall clock); every other read passes through).
   */
  readonly reader: BrokerReader;
  /**
   * The chain-state cache under {@link reader}: reads shared per block and kept current from the
   * broker's events (one `eth_getLogs` per new head, whatever the number of senders;
   * docs/receiving.md).
   */
  readonly cache: CachedBrokerReader;
  readonly domain: TicketDomain;
}

/**
 * Connects to `config.rpcUrl` and reads the broker's domain (which also checks it is a broker).
 * Without `config.broker` the broker is found for the chain's id (see
 * {@link resolveServiceBroker}): Ignition's record under `options.root` (default: the working
 * directory), then the package's committed deployments.
 */
export async function connectChain(
  config: CommonServiceConfig,
  options: { root?: string } = {},
): Promise<ServiceChain> {
  if (config.rpcUrl === undefined) {
    throw new ServiceConfigError("The service needs a chain: rpcUrl is not set", {
      details: { rpcUrl: null, broker: config.broker ?? null },
      hint: "Set rpcUrl (TICKETBROKER_RPC_URL), and broker (TICKETBROKER_BROKER, the TicketBroker address) unless this directory holds its Ignition deployment.",
    });
  }
  const provider = createProvider(config.rpcUrl);
  let address: string;
  let domain: TicketDomain;
  let broker: TicketBroker;
  try {
    address =
      config.broker ??
      (await resolveServiceBroker({ provider, root: options.root ?? process.cwd() }));
    broker = TicketBroker__factory.connect(address, provider);
  } catch (err) {
    provider.destroy();
    throw err;
  }
  try {
    domain = await readTicketDomain(broker);
  } catch (cause) {
    provider.destroy();
    throw new ServiceConfigError(`Cannot read the TicketBroker at ${address}`, {
      details: { broker: address, reason: (cause as Error).message },
      hint:
        config.broker === undefined
          ? "The broker came from this directory's Ignition record: check rpcUrl is reachable and the record is current (a restarted local node forgets its contracts: deploy again), or set broker."
          : "Check rpcUrl is reachable and broker is the TicketBroker address on that chain.",
      cause,
    });
  }
  const cache = new CachedBrokerReader({
    reader: new ContractBrokerReader({ broker }),
    provider,
    // Freshness from the broker's events: the setting that keeps a live stream at ≤ 0.1 RPC
    // requests per ticket (reports/receive.md).
    events: { broker: domain.verifyingContract },
  });
  return { provider, broker, reader: withWallClock(cache), cache, domain };
}

/**
 * The broker of the chain `provider` is on, when no `broker` setting names it: Ignition's record
 * under `root` (ignition/deployments/chain-<chainId>/deployed_addresses.json, written by
 * `npx hardhat ignition deploy`), then the package's committed deployments. Throws
 * {@link ServiceConfigError} naming the record it looked for when there is none, or when the
 * chain cannot be reached.
 */
export async function resolveServiceBroker(options: {
  provider: { getNetwork(): Promise<{ chainId: bigint }> };
  root: string;
}): Promise<`0x${string}`> {
  let chainId: bigint;
  try {
    chainId = (await options.provider.getNetwork()).chainId;
  } catch (cause) {
    throw new ServiceConfigError("Cannot read the chain id from rpcUrl", {
      details: { reason: (cause as Error).message },
      hint: "Check rpcUrl is reachable (the broker is looked up by the chain's id), or set broker.",
      cause,
    });
  }
  const found = await findRecordedBroker({ chainId, root: options.root });
  if (found === undefined) {
    const record = ignitionRecordFile(options.root, `chain-${chainId}`);
    throw new ServiceConfigError(`No TicketBroker is known on chain ${chainId}`, {
      details: { chainId, record },
      hint: `Set broker (TICKETBROKER_BROKER) to the TicketBroker address, or start the service in the directory holding ${path.relative(options.root, record)} (written by npx hardhat ignition deploy).`,
    });
  }
  return found.address;
}
