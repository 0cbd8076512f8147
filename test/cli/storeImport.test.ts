import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import type { Provider } from "ethers";

import { FileWinnerStore } from "../../src/recipient/fileWinnerStore.js";
import { FileNonceStore } from "../../src/sender/fileNonceStore.js";
import { openStore } from "../../src/store/openStore.js";
import { RECIPIENT, SENDER, winner } from "../store/fixtures.js";
import { cliHarness } from "./harness.js";

describe("cli: store import", function () {
  let dir: string;
  // The command runs without a network: the harness's provider is never used.
  const cli = cliHarness({
    provider: {} as Provider,
    accounts: [],
    brokerAddress: undefined,
    chainId: 31337n,
  });

  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), "tb-cli-import-"));
  });

  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("moves nonce high-water marks and winners into a SQLite store, and a second run adds nothing", async function () {
    const nonceDir = path.join(dir, "nonces");
    const files = new FileNonceStore({ directory: nonceDir, blockSize: 100n });
    await files.reserve({ sender: SENDER, recipient: RECIPIENT, above: 250n }); // 301..400
    const winnersFile = path.join(dir, "winners.log");
    const log = await FileWinnerStore.open({ file: winnersFile });
    const [a, b] = [winner("a"), winner("b")];
    await log.add(a);
    await log.add(b);
    await log.markRedeemed({ digest: a.digest, txHash: "0xabcd" });
    await log.close();
    const url = `sqlite:${path.join(dir, "state.db")}`;

    const first = await cli(
      "store",
      "import",
      "--into",
      url,
      "--nonce-dir",
      nonceDir,
      "--winners-file",
      winnersFile,
      "--json",
    );
    expect(first.code, first.err).to.equal(0);
    const report = first.json<{
      nonces: { highWater: string; nextFirst: string }[];
      winners: { found: string; added: string };
    }>();
    expect(report.winners).to.deep.equal({ found: "2", added: "2" });
    expect(report.nonces.map((n) => n.highWater)).to.deep.equal(["400"]);

    const again = await cli(
      "store",
      "import",
      "--into",
      url,
      "--winners-file",
      winnersFile,
      "--json",
    );
    expect(again.code, again.err).to.equal(0);
    expect(again.json<{ winners: { added: string } }>().winners.added).to.equal("0");

    const store = await openStore({ url });
    try {
      const next = await store.nonces.reserve({ sender: SENDER, recipient: RECIPIENT });
      expect(next.first > 400n, "no nonce the files may have signed is issued again").to.equal(
        true,
      );
      expect((await store.winners.get(a.digest))?.state).to.equal("redeemed");
      expect((await store.winners.get(b.digest))?.state).to.equal("pending");
    } finally {
      await store.close();
    }
  });

  it("refuses without --into, or without anything to import, before touching a file", async function () {
    const noInto = await cli("store", "import", "--nonce-dir", dir);
    expect(noInto.code).to.equal(2);
    expect(noInto.err).to.contain("--into");
    const noSource = await cli("store", "import", "--into", `sqlite:${path.join(dir, "x.db")}`);
    expect(noSource.code).to.equal(2);
    expect(noSource.err).to.contain("--nonce-dir");
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(dir)).to.deep.equal([]);
  });
});
