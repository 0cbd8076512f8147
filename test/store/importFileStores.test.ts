import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { FileWinnerStore } from "../../src/recipient/fileWinnerStore.js";
import { FileNonceStore } from "../../src/sender/fileNonceStore.js";
import { importFileStores } from "../../src/store/importFileStores.js";
import { SqliteStore } from "../../src/store/sqlite/sqliteStore.js";
import { RECIPIENT, RECIPIENT_B, SENDER, winner } from "./fixtures.js";

describe("importFileStores", function () {
  let dir: string;

  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), "tb-import-"));
  });

  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("carries nonce high-water marks and winners with their states into a store, once", async function () {
    const nonceDir = path.join(dir, "nonces");
    const files = new FileNonceStore({ directory: nonceDir, blockSize: 100n });
    await files.reserve({ sender: SENDER, recipient: RECIPIENT }); // 1..100
    await files.reserve({ sender: SENDER, recipient: RECIPIENT, above: 450n }); // 501..600
    await files.reserve({ sender: SENDER, recipient: RECIPIENT_B }); // 1..100

    const winnersFile = path.join(dir, "winners.jsonl");
    const log = await FileWinnerStore.open({ file: winnersFile });
    const [paid, lost, retry, fresh] = ["paid", "lost", "retry", "fresh"].map((l) => winner(l));
    for (const w of [paid, lost, retry, fresh]) await log.add(w!);
    await log.markRedeemed({ digest: paid!.digest, txHash: "0x1234" });
    await log.markUnredeemable({ digest: lost!.digest, code: "Expired", message: "too late" });
    await log.recordFailure({ digest: retry!.digest, code: "Timeout", message: "rpc" });
    await log.close();

    const store = SqliteStore.open({ file: path.join(dir, "state.db"), blockSize: 10n });
    try {
      const report = await importFileStores({ nonceDir, winnersFile, into: store });
      expect(report.winners).to.deep.equal({ found: 4, added: 4 });
      expect(report.nonces).to.deep.equal([
        { sender: SENDER, recipient: RECIPIENT, highWater: 600n, nextFirst: 611n },
        { sender: SENDER, recipient: RECIPIENT_B, highWater: 100n, nextFirst: 111n },
      ]);
      expect(await store.nonces.reserve({ sender: SENDER, recipient: RECIPIENT })).to.deep.equal({
        first: 611n,
        last: 620n,
      });
      expect((await store.winners.get(paid!.digest))?.state).to.equal("redeemed");
      expect((await store.winners.get(paid!.digest))?.txHash).to.equal("0x1234");
      expect((await store.winners.get(lost!.digest))?.lastError).to.deep.equal({
        code: "Expired",
        message: "too late",
      });
      expect(await store.winners.get(retry!.digest)).to.deep.equal({
        ...retry,
        status: "pending",
        state: "pending",
        lastError: { code: "Timeout", message: "rpc" },
      });
      expect(await store.winners.get(fresh!.digest)).to.deep.equal({
        ...fresh,
        status: "pending",
        state: "pending",
      });

      // The store moves on; a second import neither re-adds nor moves anything back.
      await store.winners.markSubmitted({
        digests: [fresh!.digest],
        txHash: `0x${"77".repeat(32)}`,
        accountNonce: 1,
        maxFeePerGas: 1n,
        maxPriorityFeePerGas: 1n,
        block: 1n,
      });
      const again = await importFileStores({ winnersFile, into: store });
      expect(again.winners).to.deep.equal({ found: 4, added: 0 });
      expect((await store.winners.list()).length).to.equal(4);
      expect((await store.winners.get(fresh!.digest))?.state).to.equal("submitted");
    } finally {
      await store.close();
    }
  });
});
