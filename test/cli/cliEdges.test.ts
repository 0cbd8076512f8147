/**
 * The command line as an operator meets it: grouped help, signing keys, one JSON shape per kind of
 * value, hints that fit the situation, a redeem that never destroys a file and a dry run that
 * shows only what would be sent now.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";
import { network } from "hardhat";

import type { TicketBroker } from "../../typechain-types/index.js";
import TicketBrokerModule from "../../ignition/modules/TicketBroker.js";
import type { ServeOptions } from "../../src/cli/context.js";
import { resolveBrokerAddress } from "../../src/cli/deployment.js";
import { NoDeploymentError } from "../../src/cli/errors.js";
import { serviceFlags, startService } from "../../src/cli/serve.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../../src/cli/run.js";
import { TicketBrokerError } from "../../src/errors.js";
import { FileWinnerStore } from "../../src/recipient/fileWinnerStore.js";
import { decodeWinner } from "../../src/wire/index.js";
import { cliHarness } from "./harness.js";
import { writeWinners } from "./winnerFile.js";

const { ethers, ignition, networkHelpers } = await network.create();

const UNLOCK_PERIOD = 1_000n;
const ETH = 10n ** 18n;
const GATEWAY = "1";
const ORCHESTRATOR = "2";
const HOT_KEY = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

interface JsonTime {
  unix: string;
  iso: string;
}
interface ErrorJson {
  error: { code: string; message: string; hint: string; details: Record<string, unknown> };
}

const served: { service: string; options: ServeOptions }[] = [];

async function fixture() {
  const [owner, orchestrator] = await ethers.getSigners();
  const gateway = Wallet.createRandom().connect(ethers.provider);
  await networkHelpers.setBalance(gateway.address, 100n * ETH);
  const deployed = await ignition.deploy(TicketBrokerModule, {
    parameters: { TicketBroker: { unlockPeriod: UNLOCK_PERIOD, roundLength: 100n } },
  });
  const ticketBroker = deployed.ticketBroker as unknown as TicketBroker;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const cli = cliHarness({
    provider: ethers.provider,
    accounts: [owner!, gateway, orchestrator!],
    brokerAddress: await ticketBroker.getAddress(),
    chainId,
    serve: async (service, options) => void served.push({ service, options }),
  });
  return { ticketBroker, gateway, orchestrator: orchestrator!, cli };
}

/** Writes winners for the orchestrator; `deadlines` maps a nonce to its params deadline. */
async function storeWinners(
  f: Awaited<ReturnType<typeof fixture>>,
  file: string,
  deadlines: ReadonlyMap<bigint, bigint>,
): Promise<void> {
  const now = BigInt(await networkHelpers.time.latest());
  await writeWinners({
    file,
    broker: f.ticketBroker,
    sender: f.gateway,
    recipient: f.orchestrator.address,
    deadlines,
    expiry: now + 100_000n,
  });
}

describe("ticketbroker CLI: groups, keys, shapes, hints, winner files", function () {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "cli-edges-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("`sender --help` and `sender signer --help` list their commands and exit 0", async function () {
    const { cli } = await networkHelpers.loadFixture(fixture);
    const sender = await cli("sender", "--help");
    expect(sender.code, sender.err).to.equal(EXIT_OK);
    for (const word of ["deposit", "withdraw", "signer"]) expect(sender.out).to.contain(word);
    const signer = await cli("sender", "signer", "--help");
    expect(signer.code).to.equal(EXIT_OK);
    for (const word of ["authorize", "revoke", "status"]) expect(signer.out).to.contain(word);
    const bare = await cli("sender");
    expect(bare.code).to.equal(EXIT_USAGE);
    expect(bare.err).to.contain("ticketbroker sender --help");
  });

  it("authorises, inspects and revokes a signing key; times come as Unix seconds and UTC", async function () {
    const { ticketBroker, gateway, cli } = await networkHelpers.loadFixture(fixture);
    const never = await cli("sender", "signer", "status", HOT_KEY, gateway.address, "--json");
    expect(never.code, never.err).to.equal(EXIT_OK);
    expect(never.json()).to.include({ state: "never", validUntil: null });

    const authorize = await cli("sender", "signer", "authorize", HOT_KEY, "--account", GATEWAY);
    expect(authorize.code, authorize.err).to.equal(EXIT_OK);
    expect(await ticketBroker.signerValidUntil(gateway.address, HOT_KEY)).to.equal(2n ** 256n - 1n);
    const active = await cli("sender", "signer", "status", HOT_KEY, "--account", GATEWAY, "--json");
    expect(active.json()).to.include({ state: "active", sender: gateway.address });

    const revoke = await cli("sender", "signer", "revoke", HOT_KEY, "--account", GATEWAY);
    expect(revoke.code, revoke.err).to.equal(EXIT_OK);
    const revokedAt = BigInt(await networkHelpers.time.latest());
    const status = await cli("sender", "signer", "status", HOT_KEY, gateway.address, "--json");
    const json = status.json<{ state: string; validUntil: JsonTime }>();
    expect(json.state).to.equal("revoked");
    const until = revokedAt + UNLOCK_PERIOD;
    expect(json.validUntil).to.deep.equal({
      unix: until.toString(),
      iso: new Date(Number(until) * 1000).toISOString().replace(".000Z", "Z"),
    });
    const text = await cli("sender", "signer", "status", HOT_KEY, gateway.address);
    expect(text.out).to.contain(`honoured until ${json.validUntil.iso} (${until})`);

    await networkHelpers.time.increaseTo(until + 1n);
    const expired = await cli("sender", "signer", "status", HOT_KEY, gateway.address, "--json");
    expect(expired.json()).to.include({ state: "expired" });
  });

  it("--json: integers are decimal strings, times {unix, iso}; text shows durations readably", async function () {
    const { gateway, cli } = await networkHelpers.loadFixture(fixture);
    const deposit = await cli("sender", "deposit", "1eth", "--account", GATEWAY, "--json");
    expect(deposit.json<{ blockNumber: unknown }>().blockNumber).to.be.a("string");
    await cli("sender", "unlock", "--account", GATEWAY);
    const status = await cli("sender", "status", gateway.address, "--json");
    const json = status.json<{ unlockEnd: JsonTime; blockTime: JsonTime; state: string }>();
    expect(json.state).to.equal("unlocking");
    expect(json.unlockEnd.unix).to.match(/^\d+$/);
    expect(json.unlockEnd.iso).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(BigInt(json.unlockEnd.unix) - BigInt(json.blockTime.unix)).to.equal(UNLOCK_PERIOD);
    const text = await cli("sender", "status", gateway.address);
    expect(text.out).to.contain(`can withdraw from ${json.unlockEnd.iso} (${json.unlockEnd.unix})`);
    const info = await cli("info");
    expect(info.out).to.contain("1000 s (16 min 40 s)");
  });

  it("hints fit the case: nothing to withdraw, a bad checksum, an account index below 0", async function () {
    const { cli } = await networkHelpers.loadFixture(fixture);
    const withdraw = await cli(
      "recipient",
      "withdraw-earnings",
      "--account",
      ORCHESTRATOR,
      "--json",
    );
    expect(withdraw.code).to.equal(EXIT_FAILURE);
    const error = withdraw.json<ErrorJson>().error;
    expect(error.code).to.equal("NothingToWithdrawError");
    expect(error.hint).to.not.contain("sender deposit");
    expect(error.hint).to.not.match(/fund/i);

    const badChecksum = "0x70997970C51812dc3A010C7d01b50e0d17dc79c8";
    const status = await cli("sender", "status", badChecksum, "--json");
    expect(status.code).to.equal(EXIT_USAGE);
    const checksum = status.json<ErrorJson>().error;
    expect(checksum.message).to.contain("bad checksum");
    expect(checksum.message).to.not.contain("not an Ethereum address");
    const lower = await cli("sender", "status", badChecksum.toLowerCase());
    expect(lower.code, lower.err).to.equal(EXIT_OK);

    const negative = await cli("sender", "status", "--account", "-1", "--json");
    expect(negative.code).to.equal(EXIT_USAGE);
    const account = negative.json<ErrorJson>().error;
    expect(account.hint).to.contain("--account 0");
    expect(account.hint).to.not.match(/--account (-|[1-9]\d)/);
    const tooHigh = await cli("sender", "deposit", "1eth", "--account", "7", "--json");
    expect(tooHigh.code).to.equal(EXIT_FAILURE);
    expect(tooHigh.json<ErrorJson>().error.hint).to.contain("--account 0 to 2");
  });

  it("redeem --dry-run shows only what is due now and when the rest falls due, writing nothing", async function () {
    const f = await networkHelpers.loadFixture(fixture);
    expect((await f.cli("sender", "deposit", "1eth", "--account", GATEWAY)).code).to.equal(EXIT_OK);
    const now = BigInt(await networkHelpers.time.latest());
    const file = path.join(dir, "winners.log");
    // Nonces 1 and 2 are on closed params; 3 and 4 on params that close in 500 s.
    await storeWinners(
      f,
      file,
      new Map([
        [1n, now - 1_000n],
        [2n, now - 1_000n],
        [3n, now + 500n],
        [4n, now + 500n],
      ]),
    );
    const before = await readFile(file);
    const dry = await f.cli(
      "recipient",
      "redeem",
      file,
      "--account",
      ORCHESTRATOR,
      "--dry-run",
      "--json",
    );
    expect(dry.code, dry.err).to.equal(EXIT_OK);
    const plan = dry.json<{
      dueNow: { senderNonce: string }[];
      later: { sender: string; dueAt: JsonTime; winners: { senderNonce: string }[] }[];
      transactions: string;
    }>();
    expect(plan.dueNow.map((w) => w.senderNonce)).to.deep.equal(["1", "2"]);
    expect(plan.transactions).to.equal("1");
    expect(plan.later).to.have.length(1);
    expect(plan.later[0]?.winners.map((w) => w.senderNonce)).to.deep.equal(["3", "4"]);
    expect(plan.later[0]?.dueAt.unix).to.equal((now + 500n + 60n + 1n).toString());
    expect(await readFile(file)).to.deep.equal(before);
    expect(existsSync(FileWinnerStore.lockFile(file))).to.equal(false);
    const text = await f.cli("recipient", "redeem", file, "--account", ORCHESTRATOR, "--dry-run");
    expect(text.out).to.contain("redeem 2 winner(s) due now in 1 transaction(s)");
    expect(text.out).to.contain(`2 winner(s) from ${f.gateway.address} not due yet: due from`);

    // The real run sends exactly those, and says when the rest falls due.
    const real = await f.cli("recipient", "redeem", file, "--account", ORCHESTRATOR, "--json");
    expect(real.code, real.err).to.equal(EXIT_OK);
    const done = real.json<{
      redeemed: { senderNonce: string }[];
      later: { dueAt: JsonTime }[];
    }>();
    expect(done.redeemed.map((w) => w.senderNonce)).to.deep.equal(["1", "2"]);
    expect(done.later[0]?.dueAt.unix).to.equal((now + 500n + 60n + 1n).toString());
  });

  it("redeem refuses a JSON list of tickets and leaves it byte for byte (dry run too)", async function () {
    const { cli } = await networkHelpers.loadFixture(fixture);
    const file = path.join(dir, "winners.json");
    const text = JSON.stringify([{ ticket: {}, signature: "0x", recipientRand: "1" }]);
    await writeFile(file, text);
    for (const extra of [[], ["--dry-run"]]) {
      const run = await cli(
        "recipient",
        "redeem",
        file,
        "--account",
        ORCHESTRATOR,
        "--json",
        ...extra,
      );
      expect(run.code).to.equal(EXIT_FAILURE);
      const error = run.json<ErrorJson>().error;
      expect(error.code).to.equal("WinnerStoreFormatError");
      expect(error.details["found"]).to.equal("a JSON array");
      expect(await readFile(file, "utf8")).to.equal(text);
    }
  });

  it("redeem of a path that does not exist fails and creates nothing", async function () {
    const { cli } = await networkHelpers.loadFixture(fixture);
    const file = path.join(dir, "winnres.log");
    const run = await cli("recipient", "redeem", file, "--account", ORCHESTRATOR, "--json");
    expect(run.code).to.equal(EXIT_FAILURE);
    expect(run.json<ErrorJson>().error.message).to.contain("does not exist");
    expect(existsSync(file)).to.equal(false);
    expect(existsSync(FileWinnerStore.lockFile(file))).to.equal(false);
  });

  it("redeem refuses to write beside a running recipient; list, export and --dry-run still read", async function () {
    const f = await networkHelpers.loadFixture(fixture);
    const now = BigInt(await networkHelpers.time.latest());
    const file = path.join(dir, "winners.log");
    await storeWinners(f, file, new Map([[1n, now - 1_000n]]));
    const running = await FileWinnerStore.open({ file });
    try {
      const run = await f.cli("recipient", "redeem", file, "--account", ORCHESTRATOR, "--json");
      expect(run.code).to.equal(EXIT_FAILURE);
      expect(run.json<ErrorJson>().error.code).to.equal("WinnerStoreLockedError");
      const dry = await f.cli("recipient", "redeem", file, "--account", ORCHESTRATOR, "--dry-run");
      expect(dry.code, dry.err).to.equal(EXIT_OK);
      const list = await f.cli("recipient", "winners", "list", file, "--status", "pending");
      expect(list.code, list.err).to.equal(EXIT_OK);
      expect(list.out).to.contain("pending      nonce 1 from");
      const exported = await f.cli("recipient", "winners", "export", file);
      expect(exported.code, exported.err).to.equal(EXIT_OK);
      const doc = exported.json<{ winners: { status: string; winner: unknown }[] }>();
      expect(doc.winners).to.have.length(1);
      expect(doc.winners[0]?.status).to.equal("pending");
      // The wire format's Winner message: it decodes back to exactly the stored winner.
      const [stored] = await running.list();
      const { status: _status, ...winner } = stored!;
      expect(decodeWinner(doc.winners[0]?.winner)).to.deep.equal(winner);
      const bad = await f.cli("recipient", "winners", "list", file, "--status", "paid");
      expect(bad.code).to.equal(EXIT_USAGE);
    } finally {
      await running.close();
    }
  });

  it("a record of a public chain id whose address has no code is called a rehearsal, not a restart", async function () {
    const root = await mkdtemp(path.join(tmpdir(), "cli-rehearsal-"));
    try {
      const record = path.join(root, "ignition", "deployments", "chain-421614");
      await mkdir(record, { recursive: true });
      await writeFile(
        path.join(record, "deployed_addresses.json"),
        JSON.stringify({
          "TicketBroker#TicketBroker": "0x1111111111111111111111111111111111111111",
        }),
      );
      const error = await resolveBrokerAddress({
        provider: ethers.provider,
        networkName: "arbitrumSepolia",
        chainId: 421614n,
        brokerFlag: undefined,
        searchRoots: [root],
      }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(NoDeploymentError);
      expect((error as NoDeploymentError).message).to.contain("not a deployment on this chain");
      expect((error as NoDeploymentError).hint).to.contain("rehearsal");
      expect((error as NoDeploymentError).hint).to.contain("--deployment-id rehearsal-");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("no deployment found over --rpc-url: the hint names no Hardhat network (there is none)", async function () {
    const root = await mkdtemp(path.join(tmpdir(), "cli-none-"));
    try {
      const error = await resolveBrokerAddress({
        provider: ethers.provider,
        networkName: "chain 421614",
        chainId: 421614n,
        brokerFlag: undefined,
        deploymentId: "rehearsal-421614",
        searchRoots: [root],
      }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(NoDeploymentError);
      const hint = (error as NoDeploymentError).hint;
      expect(hint).to.contain("--broker <address>");
      expect(hint).to.contain("--deployment-id <id>");
      expect(hint).not.to.contain("--network chain");
      expect(hint).not.to.contain("parameters/chain");
      const named = await resolveBrokerAddress({
        provider: ethers.provider,
        networkName: "arbitrumSepolia",
        chainId: 421614n,
        brokerFlag: undefined,
        deploymentId: "rehearsal-421614",
        searchRoots: [root],
      }).catch((e: unknown) => e);
      expect((named as NoDeploymentError).hint).to.contain(
        "--network arbitrumSepolia --parameters ignition/parameters/arbitrumSepolia.json",
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("serve <service> starts the named service with its configuration file", async function () {
    const { cli } = await networkHelpers.loadFixture(fixture);
    served.length = 0;
    const run = await cli("serve", "payee", "--config", "payee.json");
    expect(run.code, run.err).to.equal(EXIT_OK);
    expect(served.map((s) => [s.service, s.options.configFile])).to.deep.equal([
      ["payee", "payee.json"],
    ]);
    expect((await cli("serve", "--help")).out).to.contain("redeemer");
    const settings = await cli("serve", "signer", "--port", "8935", "--store-url=memory:");
    expect(settings.code, settings.err).to.equal(EXIT_OK);
    expect(served[1]?.options.args).to.deep.equal(["--port", "8935", "--store-url=memory:"]);
    expect(serviceFlags(served[1]?.options.args ?? [])).to.deep.equal({
      port: "8935",
      storeUrl: "memory:",
    });
  });

  it("serve reaches each service's own configuration check (signer, payee, redeemer are wired)", async function () {
    for (const service of ["signer", "payee", "redeemer"] as const) {
      const error = await startService(service, {
        configFile: path.join(dir, "missing.json"),
        args: [],
        env: {},
      }).catch((e: unknown) => e);
      expect(error, service).to.be.instanceOf(TicketBrokerError);
      expect((error as TicketBrokerError).code, service).to.match(/ConfigError$/);
    }
  });
});
