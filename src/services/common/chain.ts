import type { JsonRpcProvider } from "ethers";

import { ContractBrokerReader, type BrokerReader } from "../../chain/brokerReader.js";
import { CachedBrokerReader, createProvider } from "../../chain/cachedBrokerReader.js";
import { withWallClock } from "../../chain/clock.js";
import { readTicketDomain, type TicketDomain } from "../../ticket/ticketTypes.js";
import { TicketBroker__factory, type TicketBroker } from "../../../typechain-types/index.js";
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

/** Connects to `config.rpcUrl` and reads the broker's domain (which also checks it is a broker). */
export async function connectChain(config: CommonServiceConfig): Promise<ServiceChain> {
  if (config.rpcUrl === undefined || config.broker === undefined) {
    throw new ServiceConfigError("The service needs a chain: rpcUrl and broker are not both set", {
      details: { rpcUrl: config.rpcUrl ?? null, broker: config.broker ?? null },
      hint: "Set rpcUrl (TICKETBROKER_RPC_URL) and broker (TICKETBROKER_BROKER, the TicketBroker address).",
    });
  }
  const provider = createProvider(config.rpcUrl);
  const broker = TicketBroker__factory.connect(config.broker, provider);
  let domain: TicketDomain;
  try {
    domain = await readTicketDomain(broker);
  } catch (cause) {
    provider.destroy();
    throw new ServiceConfigError(`Cannot read the TicketBroker at ${config.broker}`, {
      details: { broker: config.broker, reason: (cause as Error).message },
      hint: "Check rpcUrl is reachable and broker is the TicketBroker address on that chain.",
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
