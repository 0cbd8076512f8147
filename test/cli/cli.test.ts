import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";
import { network } from "hardhat";

import type { RecipientPool, TicketBroker } from "../../typechain-types/index.js";
import TicketBrokerModule from "../../ignition/modules/TicketBroker.js";
import { connectWithHardhat } from "../../src/cli/hardhatContext.js";
import { TicketBrokerNotUnlocking } from "../../src/contract/contractErrors.js";
import { messages } from "../../src/cli/messages.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../../src/cli/run.js";
import { FileWinnerStore } from "../../src/recipient/fileWinnerStore.js";
import { cliHarness } from "./harness.js";
import { writeWinners } from "./winnerFile.js";

const { ethers, ignition, networkHelpers } = await network.create();

const UNLOCK_PERIOD = 1_000n;
const ROUND_LENGTH = 100n;
const ETH = 10n ** 18n;

async function deployFixture() {
  const [owner, orchestrator, other] = await ethers.getSigners();
  // A wallet with a known key, so tests can sign tickets for it.
  const gateway = Wallet.createRandom().connect(ethers.provider);
  await networkHelpers.setBalance(gateway.address, 100n * ETH);
  const deployed = await ignition.deploy(TicketBrokerModule, {
    parameters: { TicketBroker: { unlockPeriod: UNLOCK_PERIOD, roundLength: ROUND_LENGTH } },
  });
  // Ignition returns untyped contracts; the TypeChain types describe exactly these artifacts.
  const ticketBroker = deployed.ticketBroker as unknown as TicketBroker;
  const recipientPool = deployed.recipientPool as unknown as RecipientPool;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const brokerAddress = await ticketBroker.getAddress();
  const accounts = [owner!, gateway, orchestrator!, other!];
  const cli = cliHarness({ provider: ethers.provider, accounts, brokerAddress, chainId });
  return {
    ticketBroker,
    recipientPool,
    owner: owner!,
    gateway,
    orchestrator: orchestrator!,
    other: other!,
    cli,
  };
}

// Account indexes in the harness.
const OWNER = "0";
const GATEWAY = "1";
const ORCHESTRATOR = "2";

describe("ticketbroker CLI", function () {
  describe("Ignition module", function () {
    it("deploys the broker with the pool and the given parameters, owned by the deployer", async function () {
      const { ticketBroker, recipientPool, owner } =
        await networkHelpers.loadFixture(deployFixture);
      expect(await ticketBroker.unlockPeriod()).to.equal(UNLOCK_PERIOD);
      expect(await ticketBroker.roundLength()).to.equal(ROUND_LENGTH);
      expect(await ticketBroker.recipientPool()).to.equal(await recipientPool.getAddress());
      expect(await recipientPool.owner()).to.equal(owner.address);
    });
  });

  describe("sender commands", function () {
    it("deposit sends the amount and prints the new balance", async function () {
      const { ticketBroker, gateway, cli } = await networkHelpers.loadFixture(deployFixture);
      const run = await cli("sender", "deposit", "1.5eth", "--account", GATEWAY);
      expect(run.code, run.err).to.equal(EXIT_OK);
      expect((await ticketBroker.getSenderInfo(gateway.address)).deposit).to.equal(
        15n * 10n ** 17n,
      );
      expect(run.out).to.contain("deposit 1.5 ETH");
      expect(run.err).to.match(/Sent transaction 0x[0-9a-f]{64}/);
    });

    it("reserve, status and --json report exact wei", async function () {
      const { gateway, cli } = await networkHelpers.loadFixture(deployFixture);
      expect((await cli("sender", "reserve", "1000wei", "--account", GATEWAY)).code).to.equal(
        EXIT_OK,
      );
      expect((await cli("sender", "deposit", "20gwei", "--account", GATEWAY)).code).to.equal(
        EXIT_OK,
      );
      const status = await cli("sender", "status", gateway.address, "--json");
      expect(status.code, status.err).to.equal(EXIT_OK);
      const json = status.json<{
        deposit: string;
        reserve: string;
        state: string;
        sender: string;
      }>();
      expect(json).to.include({
        deposit: "20000000000",
        reserve: "1000",
        state: "locked",
        sender: gateway.address,
      });
    });

    it("--dry-run shows the call and a gas estimate and sends nothing", async function () {
      const { ticketBroker, gateway, cli } = await networkHelpers.loadFixture(deployFixture);
      const nonceBefore = await ethers.provider.getTransactionCount(gateway.address);
      const run = await cli(
        "sender",
        "deposit",
        "2eth",
        "--account",
        GATEWAY,
        "--dry-run",
        "--json",
      );
      expect(run.code, run.err).to.equal(EXIT_OK);
      const json = run.json<{
        dryRun: boolean;
        gasEstimate: string;
        transaction: { value: string; call: string; to: string };
      }>();
      expect(json.dryRun).to.equal(true);
      expect(json.transaction).to.include({
        value: (2n * ETH).toString(),
        call: "fundDeposit()",
        to: await ticketBroker.getAddress(),
      });
      expect(BigInt(json.gasEstimate)).to.be.greaterThan(21_000n);
      expect(await ethers.provider.getTransactionCount(gateway.address)).to.equal(nonceBefore);
      expect((await ticketBroker.getSenderInfo(gateway.address)).deposit).to.equal(0n);
    });

    it("fund pays into another sender's deposit and reserve without touching its unlock", async function () {
      const { ticketBroker, gateway, cli } = await networkHelpers.loadFixture(deployFixture);
      expect((await cli("sender", "deposit", "1eth", "--account", GATEWAY)).code).to.equal(EXIT_OK);
      expect((await cli("sender", "unlock", "--account", GATEWAY)).code).to.equal(EXIT_OK);
      const unlockEnd = (await ticketBroker.getSenderInfo(gateway.address)).unlockEnd;
      const run = await cli(
        "sender",
        "fund",
        gateway.address,
        "--deposit",
        "1eth",
        "--reserve",
        "0.25eth",
        "--account",
        OWNER,
      );
      expect(run.code, run.err).to.equal(EXIT_OK);
      const info = await ticketBroker.getSenderInfo(gateway.address);
      expect(info.deposit).to.equal(2n * ETH);
      expect(info.reserve).to.equal(ETH / 4n);
      expect(info.unlockEnd).to.equal(unlockEnd);
    });

    it("unlock, withdraw too early (decoded revert), then withdraw after the period", async function () {
      const { ticketBroker, gateway, cli } = await networkHelpers.loadFixture(deployFixture);
      expect((await cli("sender", "deposit", "3eth", "--account", GATEWAY)).code).to.equal(EXIT_OK);
      expect((await cli("sender", "unlock", "--account", GATEWAY)).code).to.equal(EXIT_OK);
      const unlockEnd = (await ticketBroker.getSenderInfo(gateway.address)).unlockEnd;

      const early = await cli("sender", "withdraw", "--account", GATEWAY, "--json");
      expect(early.code).to.equal(EXIT_FAILURE);
      const error = early.json<{ error: { code: string; details: Record<string, string> } }>()
        .error;
      expect(error.code).to.equal("ContractRevertError");
      expect(error.details["errorName"]).to.equal("TicketBrokerUnlockPending");
      expect(error.details["sender"]).to.equal(gateway.address);
      expect(error.details["unlockEnd"]).to.equal(unlockEnd.toString());

      await networkHelpers.time.increaseTo(unlockEnd);
      const before = await ethers.provider.getBalance(gateway.address);
      const done = await cli("sender", "withdraw", "--account", GATEWAY);
      expect(done.code, done.err).to.equal(EXIT_OK);
      expect((await ticketBroker.getSenderInfo(gateway.address)).deposit).to.equal(0n);
      expect(await ethers.provider.getBalance(gateway.address)).to.be.greaterThan(
        before + 3n * ETH - ETH / 100n,
      );
    });

    it("cancel-unlock without an unlock names the contract error in plain text", async function () {
      const { cli, gateway } = await networkHelpers.loadFixture(deployFixture);
      const run = await cli("sender", "cancel-unlock", "--account", GATEWAY);
      expect(run.code).to.equal(EXIT_FAILURE);
      expect(run.err).to.contain("TicketBrokerNotUnlocking(sender=");
      // The library's hint, the one source of what to do about a broker error.
      expect(run.err).to.contain(new TicketBrokerNotUnlocking({ sender: gateway.address }).hint);
    });

    it("refuses an amount above the account's balance before sending", async function () {
      const { ticketBroker, gateway, cli } = await networkHelpers.loadFixture(deployFixture);
      const run = await cli("sender", "deposit", "1000eth", "--account", GATEWAY, "--json");
      expect(run.code).to.equal(EXIT_FAILURE);
      const error = run.json<{ error: { code: string; details: { balance: string } } }>().error;
      expect(error.code).to.equal("InsufficientBalanceError");
      expect(error.details.balance).to.equal((100n * ETH).toString());
      expect((await ticketBroker.getSenderInfo(gateway.address)).deposit).to.equal(0n);
    });
  });

  describe("pool owner and recipient commands", function () {
    it("the owner adds and removes recipients; list shows them", async function () {
      const { recipientPool, orchestrator, cli } = await networkHelpers.loadFixture(deployFixture);
      expect((await cli("pool", "add", orchestrator.address, "--account", OWNER)).code).to.equal(
        EXIT_OK,
      );
      expect(await recipientPool.isEligible(orchestrator.address)).to.equal(true);
      const list = await cli("pool", "list", "--json");
      expect(list.json<{ recipients: string[] }>().recipients).to.deep.equal([
        orchestrator.address,
      ]);
      expect((await cli("pool", "remove", orchestrator.address, "--account", OWNER)).code).to.equal(
        EXIT_OK,
      );
      expect(await recipientPool.isEligible(orchestrator.address)).to.equal(false);
    });

    it("a non-owner is refused with OwnableUnauthorizedAccount and its address", async function () {
      const { orchestrator, gateway, cli } = await networkHelpers.loadFixture(deployFixture);
      const run = await cli("pool", "add", orchestrator.address, "--account", GATEWAY, "--json");
      expect(run.code).to.equal(EXIT_FAILURE);
      const error = run.json<{ error: { details: Record<string, string> } }>().error;
      expect(error.details["errorName"]).to.equal("OwnableUnauthorizedAccount");
      expect(error.details["account"]).to.equal(gateway.address);
    });

    it("recipient status and claimable read the pool and the reserve share", async function () {
      const { orchestrator, gateway, cli } = await networkHelpers.loadFixture(deployFixture);
      expect((await cli("pool", "add", orchestrator.address, "--account", OWNER)).code).to.equal(
        EXIT_OK,
      );
      expect((await cli("sender", "reserve", "0.6eth", "--account", GATEWAY)).code).to.equal(
        EXIT_OK,
      );
      const status = await cli("recipient", "status", "--account", ORCHESTRATOR, "--json");
      expect(status.json()).to.include({
        inPool: true,
        eligibleCount: "1",
        recipient: orchestrator.address,
      });
      const claimable = await cli(
        "recipient",
        "claimable",
        gateway.address,
        "--account",
        ORCHESTRATOR,
        "--json",
      );
      expect(claimable.json()).to.include({ claimableReserve: ((6n * ETH) / 10n).toString() });
    });

    it("redeem pays the pending winners of a winner store file and records them", async function () {
      const { ticketBroker, gateway, orchestrator, cli } =
        await networkHelpers.loadFixture(deployFixture);
      expect((await cli("sender", "deposit", "1eth", "--account", GATEWAY)).code).to.equal(EXIT_OK);
      const now = BigInt(await networkHelpers.time.latest());
      const dir = await mkdtemp(path.join(tmpdir(), "cli-redeem-"));
      const file = path.join(dir, "winners.jsonl");
      try {
        // Written out of nonce order; all on params closed 1,000 s ago.
        await writeWinners({
          file,
          broker: ticketBroker,
          sender: gateway,
          recipient: orchestrator.address,
          deadlines: new Map([2n, 1n, 3n].map((nonce) => [nonce, now - 1_000n])),
          expiry: now + 10_000n,
        });

        const dry = await cli(
          "recipient",
          "redeem",
          file,
          "--account",
          ORCHESTRATOR,
          "--dry-run",
          "--json",
        );
        expect(dry.code, dry.err).to.equal(EXIT_OK);
        const plan = dry.json<{ dueNow: { senderNonce: string }[]; later: unknown[] }>();
        expect(plan.dueNow.map((w) => w.senderNonce)).to.deep.equal(["1", "2", "3"]);
        expect(plan.later).to.deep.equal([]);
        expect(
          await ticketBroker.highestRedeemedNonce(gateway.address, orchestrator.address),
        ).to.equal(0n);

        const run = await cli(
          "recipient",
          "redeem",
          file,
          "--account",
          ORCHESTRATOR,
          "--batch-size",
          "2",
          "--json",
        );
        expect(run.code, run.err).to.equal(EXIT_OK);
        const json = run.json<{ paid: string; redeemed: { senderNonce: string }[] }>();
        expect(json.paid).to.equal(((3n * ETH) / 10n).toString());
        expect(json.redeemed.map((r) => r.senderNonce)).to.deep.equal(["1", "2", "3"]);
        expect(
          await ticketBroker.highestRedeemedNonce(gateway.address, orchestrator.address),
        ).to.equal(3n);
        expect((await ticketBroker.getSenderInfo(gateway.address)).deposit).to.equal(
          (7n * ETH) / 10n,
        );

        const reopened = await FileWinnerStore.open({ file });
        expect((await reopened.list({ status: "redeemed" })).length).to.equal(3);
        await reopened.close();
        const again = await cli("recipient", "redeem", file, "--account", ORCHESTRATOR);
        expect(again.code).to.equal(EXIT_OK);
        expect(again.out).to.contain(messages.winners.empty);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe("errors before any transaction", function () {
    it("a bare number is refused and the accepted forms are shown", async function () {
      const { cli } = await networkHelpers.loadFixture(deployFixture);
      const run = await cli("sender", "deposit", "1", "--account", GATEWAY);
      expect(run.code).to.equal(EXIT_USAGE);
      expect(run.err).to.contain("1.5eth");
      expect(run.err).to.contain("1000wei");
    });

    it("rejects more decimals than the unit carries, unknown options, missing values and wrong counts", async function () {
      const { cli } = await networkHelpers.loadFixture(deployFixture);
      expect((await cli("sender", "deposit", "1.5wei")).code).to.equal(EXIT_USAGE);
      expect((await cli("sender", "deposit", "1eth", "--amount", "2")).code).to.equal(EXIT_USAGE);
      expect((await cli("sender", "deposit", "1eth", "--network")).code).to.equal(EXIT_USAGE);
      expect((await cli("sender", "deposit")).code).to.equal(EXIT_USAGE);
      expect((await cli("sender", "deposit", "1eth", "2eth")).code).to.equal(EXIT_USAGE);
      expect((await cli("sender", "deposit", "0eth")).code).to.equal(EXIT_USAGE);
      expect((await cli("sender", "fund", "0x1234", "--deposit", "1eth")).code).to.equal(
        EXIT_USAGE,
      );
      expect(
        (await cli("sender", "fund", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).code,
      ).to.equal(EXIT_USAGE);
      expect((await cli("recipient", "redeem", "x.jsonl", "--batch-size", "0")).code).to.equal(
        EXIT_USAGE,
      );
      const unknown = await cli("sender", "depsoit", "1eth");
      expect(unknown.code).to.equal(EXIT_USAGE);
      expect(unknown.err).to.contain('Unknown command "sender depsoit"');
    });

    it("--help prints the command's usage and example and exits 0", async function () {
      const { cli } = await networkHelpers.loadFixture(deployFixture);
      const main = await cli("--help");
      expect(main.code).to.equal(EXIT_OK);
      for (const command of [
        "sender deposit",
        "recipient redeem",
        "pool add",
        "--network",
        "TICKETBROKER_PRIVATE_KEY",
      ]) {
        expect(main.out).to.contain(command);
      }
      const one = await cli("sender", "withdraw", "--help");
      expect(one.code).to.equal(EXIT_OK);
      expect(one.out).to.contain("Usage: ticketbroker sender withdraw");
      expect(one.out).to.contain("Examples:");
      expect((await cli()).code).to.equal(EXIT_USAGE);
    });

    it("a --broker address without code is reported as no deployment", async function () {
      const { cli } = await networkHelpers.loadFixture(deployFixture);
      const run = await cli(
        "info",
        "--broker",
        "0x000000000000000000000000000000000000dEaD",
        "--json",
      );
      expect(run.code).to.equal(EXIT_FAILURE);
      expect(run.json<{ error: { code: string } }>().error.code).to.equal("NoDeploymentError");
    });

    it("an unknown --network lists the configured networks (real Hardhat config)", async function () {
      const error = await connectWithHardhat(
        { network: "mainnetx", account: 0, broker: undefined, deploymentId: undefined },
        {},
      ).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).to.have.property("code", "UnknownNetworkError");
      expect((error as { hint: string }).hint).to.contain("localhost");
      expect((error as { hint: string }).hint).to.contain("arbitrumSepolia");
    });

    it("a network whose key variable is unset names the variable, not an unreachable node", async function () {
      const saved = {
        url: process.env["ARBITRUM_SEPOLIA_RPC_URL"],
        key: process.env["ARBITRUM_SEPOLIA_PRIVATE_KEY"],
      };
      process.env["ARBITRUM_SEPOLIA_RPC_URL"] = "http://127.0.0.1:9";
      delete process.env["ARBITRUM_SEPOLIA_PRIVATE_KEY"];
      try {
        const error = await connectWithHardhat(
          { network: "arbitrumSepolia", account: 0, broker: undefined, deploymentId: undefined },
          {},
        ).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(error).to.have.property("code", "ConfigurationVariableMissingError");
        expect((error as Error).message).to.contain("ARBITRUM_SEPOLIA_PRIVATE_KEY");
        expect((error as { hint: string }).hint).to.contain("--rpc-url");
        expect((error as { details: unknown }).details).to.deep.equal({
          network: "arbitrumSepolia",
          variable: "ARBITRUM_SEPOLIA_PRIVATE_KEY",
        });
      } finally {
        for (const [name, value] of [
          ["ARBITRUM_SEPOLIA_RPC_URL", saved.url],
          ["ARBITRUM_SEPOLIA_PRIVATE_KEY", saved.key],
        ] as const) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    });
  });
});
