/**
 * Child process for the multi-process store tests. It opens the store at <url>, prints "ready",
 * waits for the file <goFile> so that all workers start together, then runs one job and prints
 * one line per acknowledged result, so that a parent that kills it knows what it was told.
 *
 * Usage:
 *   storeWorker.ts nonces  <url> <goFile> <count> <blockSize>   → "n <nonce>" per nonce taken
 *   storeWorker.ts replay  <url> <goFile> <count> <offset>      → "a <nonce>" per accepted nonce
 *   storeWorker.ts winners <url> <goFile> <count> <prefix>      → "w <i>" per stored winner
 * and "done" at the end.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

import { Rational } from "../../src/math/rational.js";
import { NonceAllocator } from "../../src/sender/nonceAllocator.js";
import { openStore } from "../../src/store/openStore.js";
import { RECIPIENT, SENDER, winner } from "./fixtures.js";

/** The expected value credited per accepted ticket in the replay job (exact, not an integer). */
export const REPLAY_EV = Rational.of(1_000_000_000_001n, 3n);

// The test runner loads every file under test/; only run when started as the worker itself.
if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  await main();
}

async function main(): Promise<void> {
  const [job, url, goFile, countText, extra] = process.argv.slice(2) as string[];
  const count = Number(countText);
  const blockSize = job === "nonces" ? BigInt(String(extra)) : undefined;
  const store = await openStore({
    url: String(url),
    poolSize: 2,
    ...(blockSize === undefined ? {} : { blockSize }),
  });
  process.stdout.write("ready\n");
  while (!existsSync(String(goFile))) await sleep(2);
  if (job === "nonces") {
    const allocator = new NonceAllocator({ store: store.nonces });
    for (let i = 0; i < count; i++) {
      const [nonce] = await allocator.take({ sender: SENDER, recipient: RECIPIENT, count: 1n });
      process.stdout.write(`n ${String(nonce)}\n`);
    }
  } else if (job === "replay") {
    // Every worker records every nonce, each starting at its own offset, so they contend.
    const offset = Number(extra ?? "0");
    for (let k = 0; k < count; k++) {
      const nonce = ((k + offset) % count) + 1;
      const r = await store.replay.record({
        recipient: RECIPIENT,
        sender: SENDER,
        paramsKey: "shared-params",
        nonce: BigInt(nonce),
        closesAt: 4_000_000_000n,
        maxPerParams: 1_000_000,
        now: 1_000n,
      });
      if (r.outcome !== "accepted") continue;
      await store.sessions.credit({
        sessionId: "shared-session",
        amount: REPLAY_EV,
        creditId: `ticket-${nonce}`,
      });
      if (nonce % 10 === 0)
        await store.winners.add(winner(`replay-${nonce}`, { nonce: BigInt(nonce) }));
      process.stdout.write(`a ${nonce}\n`);
      // Each worker's first nonce is its own (the other starts elsewhere); once both have one,
      // the parent lets them contend for the rest, so neither can be starved out of the test.
      if (k === 0) while (!existsSync(`${String(goFile)}-contend`)) await sleep(2);
    }
  } else if (job === "winners") {
    for (let i = 0; i < count; i++) {
      await store.winners.add(
        winner(`${String(extra)}-${i}`, {
          nonce: BigInt(i + 1),
          faceValue: BigInt(i) * 10n ** 20n + 1n,
        }),
      );
      process.stdout.write(`w ${i}\n`);
    }
  } else {
    throw new Error(`unknown job ${String(job)}`);
  }
  await store.close();
  process.stdout.write("done\n");
}
