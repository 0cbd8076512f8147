import { promises as fs } from "node:fs";
import path from "node:path";

import { assertHasMethods, assertObject, assertString } from "../ticket/inputs.js";
import { FileWinnerStore } from "../recipient/fileWinnerStore.js";
import { StoreError } from "./errors.js";
import type { Store } from "./types.js";

/** What {@link importFileStores} carried over. */
export interface FileImportReport {
  /** Per (sender, recipient): the file store's high-water mark and the first nonce now free. */
  readonly nonces: readonly {
    sender: `0x${string}`;
    recipient: `0x${string}`;
    highWater: bigint;
    nextFirst: bigint;
  }[];
  /** Winners found in the file and how many were new to the store. */
  readonly winners: { readonly found: number; readonly added: number };
}

const PAIR_DIR = /^(0x[0-9a-f]{40})-(0x[0-9a-f]{40})$/;
const BLOCK_FILE = /^block-(\d+)$/;

/**
 * Moves a deployment off the file stores: the nonce high-water marks of a `FileNonceStore`
 * directory and the winners of a `FileWinnerStore` log go into `into`. Stop every process that
 * uses the files first.
 *
 * Nonces: for each pair directory, the highest block file k with block size B means nonces up to
 * (k + 1)·B may have been signed; the import reserves one block above that in the new store, so
 * every later reservation lies above it (the reserved block itself is skipped, never used).
 * Winners: each is added (a digest already there is left alone) with its state: redeemed,
 * unredeemable, or pending with its last error. Running the import twice changes nothing more.
 *
 * @example
 * ```ts
 * const store = await openStore({ url: "sqlite:/var/lib/tb/state.db" });
 * await importFileStores({ nonceDir: "/var/lib/gateway/nonces", winnersFile: "/var/lib/orch/winners.jsonl", into: store });
 * ```
 */
export async function importFileStores(args: {
  nonceDir?: string;
  winnersFile?: string;
  into: Store;
}): Promise<FileImportReport> {
  assertObject(args, "importFileStores arguments");
  if (args.nonceDir !== undefined) assertString(args.nonceDir, "nonceDir", { nonEmpty: true });
  if (args.winnersFile !== undefined) {
    assertString(args.winnersFile, "winnersFile", { nonEmpty: true });
  }
  assertObject(args.into, "into");
  assertHasMethods(args.into.nonces, "into.nonces", ["reserve"]);
  assertHasMethods(args.into.winners, "into.winners", ["add", "get"]);
  const nonces: {
    sender: `0x${string}`;
    recipient: `0x${string}`;
    highWater: bigint;
    nextFirst: bigint;
  }[] = [];
  if (args.nonceDir !== undefined) {
    for (const pair of await readPairs(args.nonceDir)) {
      const range = await args.into.nonces.reserve({
        sender: pair.sender,
        recipient: pair.recipient,
        above: pair.highWater,
      });
      nonces.push({ ...pair, nextFirst: range.last + 1n });
    }
  }
  let found = 0;
  let added = 0;
  if (args.winnersFile !== undefined) {
    const file = await FileWinnerStore.open({ file: args.winnersFile });
    try {
      const winners = await file.list();
      found = winners.length;
      for (const w of winners) {
        const before = await args.into.winners.get(w.digest);
        if (before === undefined) added++;
        const { status, lastError, txHash, state: _state, submission: _submission, ...ticket } = w;
        await args.into.winners.add(ticket);
        if (before !== undefined && before.state !== "pending") continue;
        if (status === "redeemed") {
          await args.into.winners.markRedeemed({ digest: w.digest, txHash: txHash ?? "" });
        } else if (status === "unredeemable") {
          await args.into.winners.markUnredeemable({
            digest: w.digest,
            code: lastError?.code ?? "Unredeemable",
            message: lastError?.message ?? "",
          });
        } else if (lastError !== undefined && before === undefined) {
          await args.into.winners.recordFailure({ digest: w.digest, ...lastError });
        }
      }
    } finally {
      await file.close();
    }
  }
  return { nonces, winners: { found, added } };
}

/** The pair directories of a FileNonceStore and their high-water marks. */
async function readPairs(
  dir: string,
): Promise<{ sender: `0x${string}`; recipient: `0x${string}`; highWater: bigint }[]> {
  const pairs: { sender: `0x${string}`; recipient: `0x${string}`; highWater: bigint }[] = [];
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    throw new StoreError("Cannot read the nonce directory to import", {
      details: { dir, reason: (err as Error).message },
      hint: "Pass the directory a FileNonceStore was created with (it holds one folder per sender-recipient pair).",
      cause: err,
    });
  }
  for (const name of entries.sort()) {
    const match = PAIR_DIR.exec(name);
    if (match === null) continue;
    const pairDir = path.join(dir, name);
    const files = await fs.readdir(pairDir);
    let highest: bigint | undefined;
    for (const f of files) {
      const m = BLOCK_FILE.exec(f);
      if (m === null) continue;
      const k = BigInt(m[1] as string);
      if (highest === undefined || k > highest) highest = k;
    }
    if (highest === undefined) continue;
    const sizeText = (await fs.readFile(path.join(pairDir, "block-size"), "utf8")).trim();
    if (!/^[1-9]\d*$/.test(sizeText)) {
      throw new StoreError("A nonce pair directory has no readable block-size file", {
        details: { dir: pairDir, content: sizeText },
        hint: "Restore the block-size file from a backup before importing; without it the high-water mark is unknown.",
      });
    }
    pairs.push({
      sender: match[1] as `0x${string}`,
      recipient: match[2] as `0x${string}`,
      highWater: (highest + 1n) * BigInt(sizeText),
    });
  }
  return pairs;
}
