/**
 * The package as a consumer installs it: `npm pack`, then `npm install --engine-strict` of the
 * tarball into an empty project with the system's Node 20 (no tsx, no Hardhat), then the
 * `ticketbroker` bin and the library from there.
 *
 * With TICKETBROKER_E2E=1 it also rehearses the Arbitrum Sepolia deployment unattended: a
 * `hardhat node --chain-id 421614`, `hardhat ignition deploy --network arbitrumSepolia` fed only by
 * environment variables with no terminal, into its own deployment id; then the installed command
 * runs against that node with a keystore file and a password file.
 *
 *   TICKETBROKER_E2E=1 npx hardhat test mocha test/cli/package.test.ts
 */
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Wallet, encryptKeystoreJson } from "ethers";

import { E2E, deployBroker, removeDeployment, startNode } from "../support/hardhatNode.js";
import { BIN, ROOT, run, stopChild, withBinPath } from "../support/processes.js";

/** The consumer's Node: the system's (Node 20 on the project's machines), never the repo's 22. */
const SYSTEM_PATH = ["/usr/local/bin", "/usr/bin", "/bin"].join(path.delimiter);
/** Hardhat node's first two test accounts (public, well-known keys). */
const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const PAYER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

describe("package: installed with Node 20, bin without tsx or Hardhat", function () {
  this.timeout(600_000);
  let work = "";
  let consumer = "";
  let consumerEnv: NodeJS.ProcessEnv = {};
  const npx = (...args: string[]) =>
    run("npx", ["--no-install", "ticketbroker", ...args], { cwd: consumer, env: consumerEnv });

  before(async function () {
    work = await mkdtemp(path.join(tmpdir(), "tb-package-"));
    consumer = path.join(work, "consumer");
    const repoEnv = withBinPath();
    // The build into dist/ that prepack runs (`hardhat build && tsc -p tsconfig.build.json`),
    // without `hardhat build`: the test run has built the artifacts, and rebuilding them here
    // could disturb a test run that instruments them for coverage.
    const build = await run(path.join(BIN, "tsc"), ["-p", "tsconfig.build.json"], {
      cwd: ROOT,
      env: repoEnv,
    });
    expect(build.code, `${build.stdout}\n${build.stderr}`).to.equal(0);
    const pack = await run(
      "npm",
      ["pack", "--ignore-scripts", "--pack-destination", work, "--json"],
      { cwd: ROOT, env: repoEnv },
    );
    expect(pack.code, pack.stderr).to.equal(0);
    const tarball = (await readdir(work)).find((f) => f.endsWith(".tgz"));
    expect(tarball, "npm pack wrote a tarball").to.not.equal(undefined);
    await run("mkdir", ["-p", consumer], { cwd: work, env: repoEnv });
    await writeFile(
      path.join(consumer, "package.json"),
      JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }),
    );
    consumerEnv = {
      HOME: process.env.HOME ?? work,
      PATH: SYSTEM_PATH,
      npm_config_cache: process.env.npm_config_cache ?? path.join(process.env.HOME ?? work, ".npm"),
    };
    const install = await run(
      "npm",
      [
        "install",
        "--engine-strict",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        path.join(work, tarball ?? ""),
      ],
      { cwd: consumer, env: consumerEnv },
    );
    expect(install.code, `${install.stdout}\n${install.stderr}`).to.equal(0);
  });

  after(async function () {
    if (work !== "") await rm(work, { recursive: true, force: true });
  });

  it("installs with --engine-strict on the system's Node 20, without tsx or Hardhat", async function () {
    const version = await run("node", ["--version"], { cwd: consumer, env: consumerEnv });
    expect(version.stdout.trim()).to.match(/^v20\./);
    const manifest = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as {
      engines: { node: string };
    };
    expect(manifest.engines.node).to.equal(">=20.19.0");
    expect(existsSync(path.join(consumer, "node_modules", "tsx"))).to.equal(false);
    expect(existsSync(path.join(consumer, "node_modules", "hardhat"))).to.equal(false);
    for (const file of ["LICENSE", "CHANGELOG.md", "dist/src/cli/main.js"]) {
      expect(existsSync(path.join(consumer, "node_modules", "ticketbroker", file)), file).to.equal(
        true,
      );
    }
  });

  it("`npx ticketbroker --help` and `sender --help` run there", async function () {
    const help = await npx("--help");
    expect(help.code, help.stderr).to.equal(0);
    expect(help.stdout).to.contain("sender deposit");
    expect(help.stdout).to.contain("--rpc-url");
    const group = await npx("sender", "--help");
    expect(group.code, group.stderr).to.equal(0);
    expect(group.stdout).to.contain("signer");
  });

  it("without --rpc-url it says to give one (Hardhat's networks exist only in the repository)", async function () {
    const info = await npx("info", "--json");
    expect(info.code).to.equal(2);
    const error = (JSON.parse(info.stdout) as { error: { hint: string } }).error;
    expect(error.hint).to.contain("--rpc-url");
  });

  it("the library loads on Node 20", async function () {
    const load = await run(
      "node",
      [
        "--input-type=module",
        "-e",
        'const m = await import("ticketbroker"); console.log(typeof m.FileWinnerStore, typeof m.TicketBrokerError);',
      ],
      { cwd: consumer, env: consumerEnv },
    );
    expect(load.code, load.stderr).to.equal(0);
    expect(load.stdout.trim()).to.equal("function function");
  });

  it("a gateway imports the typed service clients from ticketbroker/client on Node 20", async function () {
    const load = await run(
      "node",
      [
        "--input-type=module",
        "-e",
        'const m = await import("ticketbroker/client"); console.log(typeof m.SignerClient, typeof m.PayeeClient, typeof m.LivePaymentLoop);',
      ],
      { cwd: consumer, env: consumerEnv },
    );
    expect(load.code, load.stderr).to.equal(0);
    expect(load.stdout.trim()).to.equal("function function function");
  });

  it("the tooling refuses Node 20 with a message that says what to do", async function () {
    const config = await run(
      "node",
      ["--import", "tsx", "--input-type=module", "-e", 'await import("./hardhat.config.ts")'],
      { cwd: ROOT, env: { ...consumerEnv, PATH: SYSTEM_PATH } },
    );
    expect(config.code).to.not.equal(0);
    expect(config.stderr).to.contain("needs Node >= 22.13");
  });

  describe("Arbitrum Sepolia rehearsal, unattended (TICKETBROKER_E2E=1)", function () {
    let node: ChildProcess | undefined;
    let url = "";
    let deploymentId = "";
    let repoEnv: NodeJS.ProcessEnv = {};
    let broker = "";

    before(async function () {
      if (!E2E) this.skip();
      ({ url, node } = await startNode({ chainId: 421614 }));
      deploymentId = `rehearsal-421614-${new URL(url).port}`;
      repoEnv = withBinPath({
        ...process.env,
        // The whole non-interactive route: no keystore, no prompt.
        ARBITRUM_SEPOLIA_RPC_URL: url,
        ARBITRUM_SEPOLIA_PRIVATE_KEY: DEPLOYER_KEY,
        HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "true",
        TICKETBROKER_PRIVATE_KEY: "",
      });
    });

    after(async function () {
      if (node !== undefined) await stopChild(node);
      if (deploymentId !== "") await removeDeployment(deploymentId);
    });

    it("deploys with environment variables only, into its own deployment id, never chain-421614", async function () {
      const existed = existsSync(path.join(ROOT, "ignition", "deployments", "chain-421614"));
      const record = await deployBroker({
        network: "arbitrumSepolia",
        deploymentId,
        env: repoEnv,
      });
      broker = record["TicketBroker#TicketBroker"] ?? "";
      expect(broker).to.match(/^0x[0-9a-fA-F]{40}$/);
      expect(existsSync(path.join(ROOT, "ignition", "deployments", "chain-421614"))).to.equal(
        existed,
      );
    });

    it("the repository CLI does not take the rehearsal for the deployment unless asked to", async function () {
      const cli = (...args: string[]) =>
        run(path.join(BIN, "node"), [path.join(ROOT, "bin", "ticketbroker.cjs"), ...args], {
          cwd: ROOT,
          env: repoEnv,
        });
      const plain = await cli("info", "--network", "arbitrumSepolia", "--json");
      expect(plain.code).to.equal(1);
      expect((JSON.parse(plain.stdout) as { error: { code: string } }).error.code).to.equal(
        "NoDeploymentError",
      );
      const rehearsal = await cli(
        "info",
        "--network",
        "arbitrumSepolia",
        "--deployment-id",
        deploymentId,
        "--json",
      );
      expect(rehearsal.code, rehearsal.stderr).to.equal(0);
      expect(JSON.parse(rehearsal.stdout)).to.include({ chainId: "421614", broker });
    });

    it("the installed command runs against the node with --rpc-url and a keystore, no terminal", async function () {
      const info = await npx("info", "--rpc-url", url, "--broker", broker, "--json");
      expect(info.code, info.stderr).to.equal(0);
      expect(JSON.parse(info.stdout)).to.include({ chainId: "421614", broker });

      const payer = new Wallet(PAYER_KEY);
      const keystore = path.join(work, "payer.json");
      const passwordFile = path.join(work, "password.txt");
      await writeFile(
        keystore,
        await encryptKeystoreJson(
          { address: payer.address, privateKey: payer.privateKey },
          "correct horse",
          { scrypt: { N: 1 << 10 } },
        ),
      );
      await writeFile(passwordFile, "correct horse\n");
      const deposit = await npx(
        "sender",
        "deposit",
        "1eth",
        "--rpc-url",
        url,
        "--broker",
        broker,
        "--keystore",
        keystore,
        "--password-file",
        passwordFile,
      );
      expect(deposit.code, `${deposit.stdout}\n${deposit.stderr}`).to.equal(0);
      const status = await npx(
        "sender",
        "status",
        payer.address,
        "--rpc-url",
        url,
        "--broker",
        broker,
        "--json",
      );
      expect(JSON.parse(status.stdout)).to.include({ deposit: (10n ** 18n).toString() });

      const noPassword = await npx(
        "sender",
        "deposit",
        "1eth",
        "--rpc-url",
        url,
        "--broker",
        broker,
        "--keystore",
        keystore,
        "--json",
      );
      expect(noPassword.code).to.equal(1);
      expect(noPassword.stdout).to.contain("--password-file");
    });
  });
});
