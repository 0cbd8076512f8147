/**
 * A `hardhat node` for the tests that need a real chain over JSON-RPC: started in its own
 * process group on a free port (killed if the test process exits first), a JSON-RPC call, and
 * the broker deployed on it with the Ignition module and parameter file a person uses.
 *
 * These tests take tens of seconds, so they run only with TICKETBROKER_E2E=1 (see {@link E2E}).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";

import { freePort } from "./freePort.js";
import { BIN, ROOT, killOnExit, run, withBinPath } from "./processes.js";

/** True when the tests that start a node should run (TICKETBROKER_E2E=1). */
export const E2E = process.env["TICKETBROKER_E2E"] === "1";

/** Calls `method` on the node at `url`; a JSON-RPC error is thrown with its message. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(body.error.message);
  return body.result;
}

/** A running node; stop it with `stopChild(node)` from ./processes.js. */
export interface LocalNode {
  url: string;
  node: ChildProcess;
}

/**
 * Starts `hardhat node` on a free loopback port; resolves once it answers `eth_chainId`.
 * @param options.chainId The node's chain id (hardhat's default, 31337, when not given).
 * @param options.timeoutMs How long it may take to answer (90 s by default).
 */
export async function startNode(
  options: { chainId?: number; timeoutMs?: number } = {},
): Promise<LocalNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ["node", "--port", String(port)];
  if (options.chainId !== undefined) args.push("--chain-id", String(options.chainId));
  const node = spawn(path.join(BIN, "hardhat"), args, {
    cwd: ROOT,
    env: withBinPath(),
    stdio: "ignore",
    detached: true,
  });
  killOnExit(node);
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    if (node.exitCode !== null) throw new Error(`hardhat node exited with ${node.exitCode}`);
    try {
      await rpc(url, "eth_chainId");
      return { url, node };
    } catch {
      if (Date.now() > deadline) throw new Error(`hardhat node did not answer at ${url}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Deploys the broker with `hardhat ignition deploy ignition/modules/TicketBroker.ts` on `network`
 * with `ignition/parameters/<network>.json`, into `deploymentId`; returns the deployed addresses
 * (`"TicketBroker#TicketBroker"`, ...). Throws with Ignition's output if the deploy fails.
 *
 * Ignition builds the production profile; it builds into `.build-e2e` so that it never replaces
 * the test profile's artifacts under other tests (and is built once and reused).
 * @param env The deploy's environment: the network's configuration variables, and PATH.
 */
export async function deployBroker(options: {
  network: string;
  deploymentId: string;
  env: NodeJS.ProcessEnv;
}): Promise<Record<string, string>> {
  const deploy = await run(
    path.join(BIN, "hardhat"),
    [
      "ignition",
      "deploy",
      "ignition/modules/TicketBroker.ts",
      "--network",
      options.network,
      "--parameters",
      `ignition/parameters/${options.network}.json`,
      "--deployment-id",
      options.deploymentId,
    ],
    { env: { ...options.env, HARDHAT_BUILD_DIR: ".build-e2e" } },
  );
  if (deploy.code !== 0) {
    throw new Error(
      `ignition deploy exited with ${deploy.code}:\n${deploy.stdout}\n${deploy.stderr}`,
    );
  }
  return JSON.parse(
    await readFile(deploymentPath(options.deploymentId, "deployed_addresses.json"), "utf8"),
  ) as Record<string, string>;
}

/** Deletes Ignition's records of `deploymentId` (nothing when it has none). */
export async function removeDeployment(deploymentId: string): Promise<void> {
  await rm(deploymentPath(deploymentId), { recursive: true, force: true });
}

function deploymentPath(deploymentId: string, ...rest: string[]): string {
  return path.join(ROOT, "ignition", "deployments", deploymentId, ...rest);
}
