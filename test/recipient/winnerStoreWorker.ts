/**
 * Child process for recipientStore.test.ts: adds winners to a FileWinnerStore until a write
 * fails (the test runs it under a small file-size limit), then checks that reads still work.
 * Prints one JSON line: the nonces whose add() resolved, and whether reads worked afterwards.
 * Usage: winnerStoreWorker.ts <file> <count>
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { FileWinnerStore } from "../../src/recipient/fileWinnerStore.js";
import { storeTestWinner } from "../support/flowFixtures.js";

// The test runner loads every file under test/; only run when started as the worker itself.
if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  await main();
}

async function main(): Promise<void> {
  const [file, count] = process.argv.slice(2);
  const store = await FileWinnerStore.open({ file: String(file) });
  const added: string[] = [];
  let failed = false;
  for (let n = 1n; n <= BigInt(String(count)); n++) {
    try {
      await store.add(storeTestWinner(n));
      added.push(n.toString());
    } catch {
      failed = true;
    }
  }
  let readsWork = true;
  try {
    await store.list();
    await store.pendingFaceValue({
      sender: storeTestWinner(1n).ticket.sender,
      recipient: storeTestWinner(1n).ticket.recipient,
    });
  } catch {
    readsWork = false;
  }
  process.stdout.write(`${JSON.stringify({ added, failed, readsWork })}\n`);
  await store.close().catch(() => undefined);
}
