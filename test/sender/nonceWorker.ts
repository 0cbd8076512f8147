/**
 * Child process for nonces.test.ts: takes nonces one at a time from a FileNonceStore shared with
 * other processes and prints them as a JSON array of decimal strings.
 * It prints "ready", waits for the file <directory>/go so that all workers start together, then
 * prints the nonces on a second line.
 * Usage: nonceWorker.ts <directory> <count> <blockSize>
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

import { FileNonceStore } from "../../src/sender/fileNonceStore.js";
import { NonceAllocator } from "../../src/sender/nonceAllocator.js";

// The test runner loads every file under test/; only run when started as the worker itself.
if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  await main();
}

async function main(): Promise<void> {
  const [directory, count, blockSize] = process.argv.slice(2);
  const sender = "0x1111111111111111111111111111111111111111";
  const recipient = "0x2222222222222222222222222222222222222222";
  const allocator = new NonceAllocator({
    store: new FileNonceStore({
      directory: String(directory),
      blockSize: BigInt(String(blockSize)),
    }),
  });
  process.stdout.write("ready\n");
  while (!existsSync(path.join(String(directory), "go"))) await sleep(2);
  const taken: string[] = [];
  for (let i = 0; i < Number(count); i++) {
    const [nonce] = await allocator.take({ sender, recipient, count: 1n });
    taken.push(String(nonce));
  }
  process.stdout.write(JSON.stringify(taken));
}
