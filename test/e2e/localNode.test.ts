/**
 * End to end over JSON-RPC: starts `hardhat node` as a separate process on a free port, deploys
 * with the same Ignition module and parameter file a person uses, drives the `ticketbroker`
 * binary as a child process against it, and always stops the node.
 *
 * It takes about half a minute, so it runs only with TICKETBROKER_E2E=1:
 *   TICKETBROKER_E2E=1 npx hardhat test mocha test/e2e/localNode.test.ts
 */
import type { ChildProcess } from "node:child_process";
import path from "node:path";

import { expect } from "chai";

import { E2E, deployBroker, removeDeployment, rpc, startNode } from "../support/hardhatNode.js";
import { BIN, ROOT, run, stopChild, withBinPath } from "../support/processes.js";

const ETH = 10n ** 18n;

describe("end to end: hardhat node + Ignition + ticketbroker binary", function () {
  this.timeout(120_000);
  let node: ChildProcess | undefined;
  let url = "";
  let env: NodeJS.ProcessEnv = {};
  let deploymentId = "";

  before(async function () {
    if (!E2E) this.skip();
    ({ url, node } = await startNode());
    deploymentId = `e2e-${new URL(url).port}`;
    env = withBinPath({
      ...process.env,
      TICKETBROKER_LOCALHOST_URL: url,
      TICKETBROKER_PRIVATE_KEY: "",
    });
  });

  after(async function () {
    if (node !== undefined) await stopChild(node);
    if (deploymentId !== "") await removeDeployment(deploymentId);
  });

  const cli = (...args: string[]) =>
    run(
      path.join(BIN, "node"),
      [path.join(ROOT, "bin", "ticketbroker.cjs"), ...args, "--deployment-id", deploymentId],
      { env },
    );

  it("deploys with the Ignition module, then funds, reads, unlocks and withdraws through the CLI", async function () {
    const addresses = await deployBroker({ network: "localhost", deploymentId, env });
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
      { env },
    );
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('There is no network named "nowhere"');
    const missing = await run(
      path.join(BIN, "node"),
      [path.join(ROOT, "bin", "ticketbroker.cjs"), "info", "--deployment-id", "e2e-never-deployed"],
      { env },
    );
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain("No TicketBroker is deployed on localhost");
  });
});
