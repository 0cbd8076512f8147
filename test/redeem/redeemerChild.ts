/**
 * A redeemer process for the crash tests: runs one round on a SQLite store and kills itself
 * with SIGKILL around the broadcast of its first transaction, as a crash would.
 *   CHILD_MODE=beforeBroadcast: after the transaction was recorded, before it is sent.
 *   CHILD_MODE=afterBroadcast: right after the node accepted it, before anything else is recorded.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { Contract, Wallet } from "ethers";

import { ticketBrokerAbi } from "../../src/contract/abi.js";
import { ContractBrokerReader } from "../../src/chain/brokerReader.js";
import { createProvider } from "../../src/chain/cachedBrokerReader.js";
import type { Hex } from "../../src/internal/bytes.js";
import { redeemOnce } from "../../src/redeem/daemon.js";
import { openStore } from "../../src/store/openStore.js";
import type { TicketBroker } from "../../typechain-types/index.js";

// The test runner loads every file under test/; only run when started as the child itself.
if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  await main();
}

async function main(): Promise<void> {
  const env = process.env;
  const mode = env.CHILD_MODE;
  const provider = createProvider(env.CHILD_RPC ?? "", { chainId: 31337 });
  const rpc = {
    async send(method: string, params: unknown[]): Promise<unknown> {
      if (method === "eth_sendRawTransaction" && mode === "beforeBroadcast") {
        process.kill(process.pid, "SIGKILL");
      }
      const result = await provider.send(method, params);
      if (method === "eth_sendRawTransaction" && mode === "afterBroadcast") {
        process.kill(process.pid, "SIGKILL");
      }
      return result;
    },
  };
  const store = await openStore({ url: env.CHILD_STORE ?? "" });
  const wallet = new Wallet(env.CHILD_KEY ?? "");
  const broker = new Contract(
    env.CHILD_BROKER ?? "",
    ticketBrokerAbi,
    provider,
  ) as unknown as TicketBroker;
  await redeemOnce({
    recipient: wallet.address as Hex,
    store: store.winners,
    reader: new ContractBrokerReader({ broker }),
    rpc,
    signer: wallet,
    broker: env.CHILD_BROKER as Hex,
    chainId: 31337n,
    economics: { marginBps: 0n },
    transactions: { pollIntervalMs: 50 },
  });
  // Not reached in either mode.
  await store.close();
  process.exit(3);
}
