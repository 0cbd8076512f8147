/**
 * End to end over JSON-RPC: starts `hardhat node` as a separate process on a free port, deploys
 * with the same Ignition module and parameter file a person uses, drives the `ticketbroker`
 * binary as a child process against it, and always stops the node.
 *
 * It takes about half a minute, so it runs only with TICKETBROKER_E2E=1:
 *   TICKETBROKER_E2E=1 HARDHAT_BUILD_DIR=.build-e2e npx hardhat test mocha test/e2e/localNode.test.ts
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";

import { expect } from "chai";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const BIN = path.join(ROOT, "node_modules", ".bin");
const ETH = 10n ** 18n;
const ENABLED = process.env.TICKETBROKER_E2E === "1";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(body.error.message);
  return body.result;
}

async function waitForNode(url: string, node: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (node.exitCode !== null) throw new Error(`hardhat node exited with ${node.exitCode}`);
    try {
      await rpc(url, "eth_chainId");
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`hardhat node did not answer at ${url}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Signals the node's process group; a group that is already gone is not an error. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

function stopNode(node: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const pid = node.pid;
    if (node.exitCode !== null || node.signalCode !== null || pid === undefined) return resolve();
    // The node runs in its own process group: stop it and anything it started.
    const escalate = setTimeout(() => signalGroup(pid, "SIGKILL"), 5_000);
    escalate.unref();
    node.once("exit", () => {
      clearTimeout(escalate);
      resolve();
    });
    signalGroup(pid, "SIGTERM");
  });
}

describe("end to end: hardhat node + Ignition + ticketbroker binary", function () {
  this.timeout(120_000);
  let node: ChildProcess | undefined;
  let url = "";
  let env: NodeJS.ProcessEnv = {};
  let deploymentId = "";

  before(async function () {
    if (!ENABLED) this.skip();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    deploymentId = `e2e-${port}`;
    env = {
      ...process.env,
      PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ""}`,
      TICKETBROKER_LOCALHOST_URL: url,
      TICKETBROKER_PRIVATE_KEY: "",
    };
    node = spawn(path.join(BIN, "hardhat"), ["node", "--port", String(port)], {
      cwd: ROOT,
      env,
      stdio: "ignore",
      detached: true,
    });
    await waitForNode(url, node, 60_000);
  });

  after(async function () {
    if (node !== undefined) await stopNode(node);
    if (deploymentId !== "") {
      await rm(path.join(ROOT, "ignition", "deployments", deploymentId), {
        recursive: true,
        force: true,
      });
    }
  });

  const cli = (...args: string[]) =>
    run(
      path.join(BIN, "node"),
      [path.join(ROOT, "bin", "ticketbroker.cjs"), ...args, "--deployment-id", deploymentId],
      env,
    );

  it("deploys with the Ignition module, then funds, reads, unlocks and withdraws through the CLI", async function () {
    const deploy = await run(
      path.join(BIN, "hardhat"),
      [
        "ignition",
        "deploy",
        "ignition/modules/TicketBroker.ts",
        "--network",
        "localhost",
        "--parameters",
        "ignition/parameters/localhost.json",
        "--deployment-id",
        deploymentId,
      ],
      env,
    );
    expect(deploy.code, deploy.stderr + deploy.stdout).to.equal(0);
    const addresses = JSON.parse(
      await readFile(
        path.join(ROOT, "ignition", "deployments", deploymentId, "deployed_addresses.json"),
        "utf8",
      ),
    ) as Record<string, string>;
    const broker = addresses["TicketBroker#TicketBroker"];
    expect(broker).to.match(/^0x[0-9a-fA-F]{40}$/);

    const info = await cli("info", "--json");
    expect(info.code, info.stderr).to.equal(0);
    const infoJson = JSON.parse(info.stdout) as Record<string, string>;
    expect(infoJson).to.include({
      broker,
      unlockPeriod: "3600",
      roundLength: "600",
      chainId: "31337",
    });

    const deposit = await cli("sender", "deposit", "1.5eth", "--json");
    expect(deposit.code, deposit.stderr).to.equal(0);
    expect(deposit.stderr).to.match(/Confirmed in block \d+/);

    const status = await cli("sender", "status", "--json");
    expect(JSON.parse(status.stdout)).to.include({
      deposit: ((15n * ETH) / 10n).toString(),
      state: "locked",
    });

    expect((await cli("sender", "unlock")).code).to.equal(0);
    const early = await cli("sender", "withdraw");
    expect(early.code).to.equal(1);
    expect(early.stderr).to.contain("TicketBrokerUnlockPending");

    await rpc(url, "evm_increaseTime", [3600]);
    await rpc(url, "evm_mine");
    const withdraw = await cli("sender", "withdraw", "--json");
    expect(withdraw.code, withdraw.stderr).to.equal(0);
    const after = await cli("sender", "status", "--json");
    expect(JSON.parse(after.stdout)).to.include({ deposit: "0", reserve: "0", state: "locked" });

    const add = await cli("pool", "add", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
    expect(add.code, add.stderr).to.equal(0);
    const notOwner = await cli(
      "pool",
      "remove",
      "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
      "--account",
      "1",
    );
    expect(notOwner.code).to.equal(1);
    expect(notOwner.stderr).to.contain("OwnableUnauthorizedAccount");
  });

  it("fails clearly for an unknown network and a missing deployment", async function () {
    const unknown = await run(
      path.join(BIN, "node"),
      [path.join(ROOT, "bin", "ticketbroker.cjs"), "info", "--network", "nowhere"],
      env,
    );
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('There is no network named "nowhere"');
    const missing = await run(
      path.join(BIN, "node"),
      [path.join(ROOT, "bin", "ticketbroker.cjs"), "info", "--deployment-id", "e2e-never-deployed"],
      env,
    );
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain("No TicketBroker is deployed on localhost");
  });
});
