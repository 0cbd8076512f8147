import { createProvider } from "../../chain/cachedBrokerReader.js";
import { PriceFeed } from "../../pricing/priceFeed.js";
import { openStore } from "../../store/openStore.js";
import { connectChain } from "../common/chain.js";
import { assertSafeListen, type SignerServiceConfig } from "../common/config.js";
import { listenService, type RunningService } from "../common/lifecycle.js";
import { buildSignerApp } from "./signerApp.js";
import { loadSignerKey } from "./signerKey.js";

/**
 * Starts the signer service from a validated configuration (see `loadServiceConfig`): loads
 * the key, opens the store, connects to the chain, listens. `ticketbroker serve signer` calls
 * it; `close()` drains in-flight requests, then closes the store and the provider.
 *
 * @example
 * ```ts
 * const config = loadServiceConfig({ service: "signer", file: "signer.json", env: process.env, flags: {} });
 * const { url, close } = await startSignerService(config);
 * process.once("SIGTERM", () => void close());
 * ```
 */
export async function startSignerService(
  config: SignerServiceConfig,
  options: { env?: Record<string, string | undefined> } = {},
): Promise<RunningService> {
  assertSafeListen(config);
  const signer = await loadSignerKey({
    keystoreFile: config.keystoreFile,
    passwordFile: config.passwordFile,
    env: options.env ?? process.env,
  });
  const chain = await connectChain(config);
  const feedProvider =
    config.priceFeedAddress === undefined ||
    config.priceFeedRpcUrl === undefined ||
    config.priceFeedRpcUrl === config.rpcUrl
      ? chain.provider
      : createProvider(config.priceFeedRpcUrl);
  let feed: PriceFeed | undefined;
  try {
    feed =
      config.priceFeedAddress === undefined
        ? undefined
        : await PriceFeed.open({
            address: config.priceFeedAddress,
            runner: feedProvider,
            currency: config.priceFeedCurrency.toUpperCase(),
            expectedDecimals: config.priceFeedDecimals,
          });
  } catch (err) {
    if (feedProvider !== chain.provider) feedProvider.destroy();
    chain.provider.destroy();
    throw err;
  }
  feed?.start({ intervalMs: 60_000 });
  const store = await openStore({ url: config.storeUrl });
  const release = async (): Promise<void> => {
    feed?.stop();
    await store.close();
    if (feedProvider !== chain.provider) feedProvider.destroy();
    chain.provider.destroy();
  };
  try {
    const app = buildSignerApp(config, {
      store,
      reader: chain.reader,
      signer,
      domain: chain.domain,
      ...(feed === undefined ? {} : { priceFeed: feed }),
    });
    app.log.info(
      {
        sender: config.sender,
        signer: signer.address,
        store: store.kind,
        broker: chain.domain.verifyingContract,
      },
      "signer service starting",
    );
    return await listenService(app, {
      host: config.host,
      port: config.port,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      release,
    });
  } catch (err) {
    await release();
    throw err;
  }
}
