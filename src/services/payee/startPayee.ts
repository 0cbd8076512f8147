import { Wallet } from "ethers";

import { RedeemerDaemon } from "../../redeem/daemon.js";
import { observeRedeemer } from "../../redeem/observe.js";
import { openStore } from "../../store/openStore.js";
import { connectChain } from "../common/chain.js";
import { assertSafeListen, type PayeeServiceConfig } from "../common/config.js";
import { ServiceConfigError } from "../common/errors.js";
import { listenService, type RunningService } from "../common/lifecycle.js";
import { buildPayeeApp, type InProcessRedeemerContext } from "./payeeApp.js";
import { loadPayeeSecret } from "./payeeSecret.js";

/** Environment variable with the recipient's transaction key, for the in-process redeemer. */
export const REDEEMER_KEY_ENV = "TICKETBROKER_REDEEMER_KEY";

/**
 * Starts the payee service from a validated configuration: reads the secret, opens the store,
 * connects to the chain, starts the redeemer in-process (unless `redeemer` is "external": then
 * a `ticketbroker serve redeemer` process on the same database redeems), and listens.
 * `close()` drains in-flight requests (every winner they accepted is stored), stops the
 * redeemer, then closes the store.
 *
 * @example
 * ```ts
 * const config = loadServiceConfig({ service: "payee", env: process.env, flags: {} });
 * const { url, close } = await startPayeeService(config);
 * ```
 */
export async function startPayeeService(
  config: PayeeServiceConfig,
  options: { env?: Record<string, string | undefined> } = {},
): Promise<RunningService> {
  assertSafeListen(config);
  const env = options.env ?? process.env;
  const secret = loadPayeeSecret({ secretFile: config.secretFile, env });
  const redeemerKey = env[REDEEMER_KEY_ENV];
  if (config.redeemer === "in-process" && (redeemerKey === undefined || redeemerKey === "")) {
    throw new ServiceConfigError("The in-process redeemer has no key", {
      hint: `Set ${REDEEMER_KEY_ENV} to the recipient's private key, or set redeemer to "external" and run \`ticketbroker serve redeemer\` on the same database.`,
    });
  }
  const chain = await connectChain(config);
  const store = await openStore({ url: config.storeUrl });
  try {
    let redeemer: ((context: InProcessRedeemerContext) => RedeemerDaemon) | undefined;
    if (config.redeemer === "in-process" && redeemerKey !== undefined) {
      const wallet = new Wallet(redeemerKey);
      if (wallet.address.toLowerCase() !== config.recipient.toLowerCase()) {
        throw new ServiceConfigError(`${REDEEMER_KEY_ENV} is not the recipient's key`, {
          details: { recipient: config.recipient, keyAddress: wallet.address },
          hint: "The redeemer sends transactions as the recipient: give the recipient's key.",
        });
      }
      // Built on the payee's registry and logger: its series on the payee's /metrics, its
      // lines in the payee's log with component "redeemer".
      redeemer = ({ registry, logger }) => {
        const observer = observeRedeemer({ registry, logger });
        return new RedeemerDaemon({
          recipient: config.recipient as `0x${string}`,
          store: store.winners,
          locks: store.locks,
          reader: chain.reader,
          rpc: chain.provider,
          signer: wallet,
          broker: chain.domain.verifyingContract,
          chainId: chain.domain.chainId,
          log: observer.log,
          metrics: observer.metrics,
        });
      };
    }
    const app = buildPayeeApp(config, {
      store,
      reader: chain.reader,
      domain: chain.domain,
      secret,
      gasPrice: async () => {
        const fees = await chain.provider.getFeeData();
        return fees.maxFeePerGas ?? fees.gasPrice ?? 0n;
      },
      ...(redeemer === undefined ? {} : { redeemer }),
    });
    app.log.info(
      { recipient: config.recipient, store: store.kind, redeemer: config.redeemer },
      "payee service starting",
    );
    return await listenService(app, {
      host: config.host,
      port: config.port,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      release: async () => {
        await store.close();
        chain.provider.destroy();
      },
    });
  } catch (err) {
    await store.close();
    chain.provider.destroy();
    throw err;
  }
}
