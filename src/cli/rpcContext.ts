import { JsonRpcProvider, type Signer } from "ethers";

import type { CliContext, ConnectOptions } from "./context.js";
import { resolveBrokerAddress } from "./deployment.js";
import { NetworkUnreachableError } from "./errors.js";
import { pickAccount, walletFromEnvironment } from "./keys.js";
import { messages } from "./messages.js";

/**
 * Connects straight to a JSON-RPC node (`--rpc-url`), with nothing but ethers: this is how the
 * command runs where the package is installed, without Hardhat. The key comes from the
 * environment or a keystore file (see {@link walletFromEnvironment}); without one, the node's own
 * unlocked accounts (a `hardhat node`'s test accounts) sign, chosen by `--account`.
 */
export async function connectWithRpc(
  options: ConnectOptions & { rpcUrl: string },
  env: NodeJS.ProcessEnv,
  searchRoots: readonly string[],
): Promise<CliContext> {
  const provider = new JsonRpcProvider(options.rpcUrl, undefined, { staticNetwork: false });
  let chainId: bigint;
  try {
    chainId = BigInt((await provider.send("eth_chainId", [])) as string);
  } catch (err) {
    provider.destroy();
    throw new NetworkUnreachableError(messages.network.unreachable("RPC", options.rpcUrl), {
      details: { url: options.rpcUrl },
      hint: "Check the URL given with --rpc-url (or TICKETBROKER_RPC_URL) and that the node is running.",
      cause: err,
    });
  }
  const networkName = `chain ${chainId}`;
  const brokerAddress = await resolveBrokerAddress({
    provider,
    networkName,
    chainId,
    brokerFlag: options.broker,
    deploymentId: options.deploymentId,
    searchRoots,
  });
  let signer: Promise<Signer> | undefined;
  const getSigner = (): Promise<Signer> => {
    signer ??= (async () => {
      const wallet = await walletFromEnvironment(options, env, provider);
      if (wallet !== undefined) return wallet;
      const accounts = (await provider.send("eth_accounts", []).catch(() => [])) as string[];
      const chosen = pickAccount(accounts, options.account, {
        message: messages.signer.none(networkName),
        details: { url: options.rpcUrl },
        hint: messages.signer.noneRpcHint,
      });
      return provider.getSigner(chosen);
    })();
    return signer;
  };
  return {
    networkName,
    chainId,
    provider,
    brokerAddress,
    getSigner,
    close: () => provider.destroy(),
  };
}
