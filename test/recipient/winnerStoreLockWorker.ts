/**
 * Child process for recipientStore.test.ts: waits until a common start time, tries to open a
 * FileWinnerStore for writing, holds it for a while, and prints "won" or the error code.
 * Usage: winnerStoreLockWorker.ts <file> <startAtMs> <holdMs>
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { FileWinnerStore } from "../../src/recipient/fileWinnerStore.js";

// The test runner loads every file under test/; only run when started as the worker itself.
if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  await main();
}

async function main(): Promise<void> {
  const [file, startAt, hold] = process.argv.slice(2);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  try {
    const store = await FileWinnerStore.open({ file: String(file) });
    process.stdout.write("won\n");
    await new Promise((resolve) => setTimeout(resolve, Number(hold)));
    await store.close();
  } catch (err) {
    process.stdout.write(`${(err as { code?: string }).code ?? "error"}\n`);
  }
}
