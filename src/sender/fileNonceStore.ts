import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";

import { assertBigint, assertObject, normalizeAddress } from "../ticket/inputs.js";
import { NonceStoreError } from "./errors.js";
import {
  checkBlockSize,
  checkNonceLimit,
  noncePairKey,
  type NonceRange,
  type NonceStore,
} from "./nonceStore.js";

const BLOCK_PREFIX = "block-";
const BLOCK_SIZE_FILE = "block-size";

/**
 * A {@link NonceStore} on the local file system that any number of processes signing for the same
 * sender key can share, and that survives crashes and restarts. No lock is involved, so there is
 * no stale lock to recover after a crash.
 *
 * **Mechanism.** Each (sender, recipient) pair has a directory `<directory>/<sender>-<recipient>/`.
 * Its nonces are cut into fixed blocks: block k holds nonces k·B + 1 … (k + 1)·B, where B is the
 * block size recorded once in the directory's `block-size` file (written to a temporary file and
 * hard-linked into place, so every process sees the same B or none). A process owns block k
 * exactly when it created the file `block-k` with `O_CREAT | O_EXCL` (`fs.open(…, "wx")`): the
 * file system lets one creator win and fails the others with `EEXIST`, which then try k + 1. To
 * reserve, a process lists the directory and tries k = max(highest existing block + 1, its own
 * last block + 1, the block above the `above` floor). The new file and the directory are fsync'd
 * before the range is returned, so no ticket is signed with a nonce whose reservation a crash
 * could undo; after a restart the highest block file is the high-water mark. Block files are
 * never deleted, so a slow process can never re-create a block another process already used.
 * Blocks are reserved whole, so processes take the store once per B tickets, not per ticket.
 *
 * Guarantees: nonces are never handed out twice for a pair, across processes and restarts; each
 * process's nonces increase. Nonces of different processes interleave (process A may sign 5
 * after process B signed 1001), which the recipient tolerates: it redeems in nonce order only
 * once the params a lower nonce could use have expired. The directory must be on a local file
 * system (or one with atomic exclusive create); one directory per sender key, shared by all its
 * signing processes on the host.
 *
 * @example
 * ```ts
 * const store = new FileNonceStore({ directory: "/var/lib/gateway/nonces" });
 * const allocator = new NonceAllocator({ store });
 * const [nonce] = await allocator.take({ sender, recipient, count: 1n });
 * ```
 */
export class FileNonceStore implements NonceStore {
  readonly directory: string;
  readonly #blockSize: bigint;
  readonly #ownLastBlock = new Map<string, bigint>();
  readonly #pairBlockSize = new Map<string, bigint>();

  /**
   * @param options.directory Root directory of the store (created if missing).
   * @param options.blockSize Nonces per block for pairs this store creates (default 1000). A pair
   * that already exists keeps the block size it was created with.
   */
  constructor(options: { directory: string; blockSize?: bigint }) {
    const opts: { directory?: unknown; blockSize?: unknown } =
      typeof options === "object" && options !== null ? options : {};
    const directory = opts.directory;
    if (typeof directory !== "string" || directory === "" || directory.includes("\0")) {
      throw new NonceStoreError("The nonce store needs a directory", {
        details: { directory: typeof directory === "string" ? directory : typeof directory },
        hint: "Pass options.directory: the path of a directory on a local file system, one per sender key.",
      });
    }
    this.directory = directory;
    const blockSize = opts.blockSize ?? 1000n;
    if (typeof blockSize !== "bigint") assertBigint(blockSize, "blockSize", { min: 1n });
    this.#blockSize = checkBlockSize(blockSize);
  }

  async reserve(args: {
    sender: `0x${string}`;
    recipient: `0x${string}`;
    above?: bigint;
  }): Promise<NonceRange> {
    assertObject(args, "reserve arguments");
    // Addresses come from outside (the recipient names itself in its params): only a checked,
    // lowercased 20-byte address may become part of a path.
    const sender = normalizeAddress(args.sender, "sender");
    const recipient = normalizeAddress(args.recipient, "recipient");
    const above = args.above ?? 0n;
    assertBigint(above, "above");
    const key = noncePairKey(sender, recipient);
    const dir = path.join(this.directory, key);
    const blockSize = await this.#openPair(key, dir);
    let k = await highestBlock(dir);
    k = k === undefined ? 0n : k + 1n;
    const own = this.#ownLastBlock.get(key);
    if (own !== undefined && own + 1n > k) k = own + 1n;
    // The first block whose every nonce is above the floor: k·B ≥ above.
    const floorBlock = (above + blockSize - 1n) / blockSize;
    if (floorBlock > k) k = floorBlock;
    for (;;) {
      const range = checkNonceLimit({ first: k * blockSize + 1n, last: (k + 1n) * blockSize });
      const file = path.join(dir, `${BLOCK_PREFIX}${k}`);
      let handle: fs.FileHandle;
      try {
        handle = await fs.open(file, "wx");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") {
          k += 1n;
          continue;
        }
        throw storeError(err, file);
      }
      try {
        await handle.writeFile(
          `${JSON.stringify({ pid: process.pid, first: range.first.toString(), last: range.last.toString() })}\n`,
        );
        await handle.sync();
      } finally {
        await handle.close();
      }
      await syncDirectory(dir);
      this.#ownLastBlock.set(key, k);
      return range;
    }
  }

  /** Creates the pair directory and its block-size file if needed; returns the pair's block size. */
  async #openPair(key: string, dir: string): Promise<bigint> {
    const known = this.#pairBlockSize.get(key);
    if (known !== undefined) return known;
    try {
      await fs.mkdir(dir, { recursive: true });
      await syncDirectory(this.directory);
      const sizeFile = path.join(dir, BLOCK_SIZE_FILE);
      const temp = path.join(
        dir,
        `.${BLOCK_SIZE_FILE}.${process.pid}.${randomBytes(6).toString("hex")}`,
      );
      const handle = await fs.open(temp, "wx");
      try {
        await handle.writeFile(`${this.#blockSize}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await fs.link(temp, sizeFile);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      } finally {
        await fs.unlink(temp);
      }
      await syncDirectory(dir);
      const text = (await fs.readFile(sizeFile, "utf8")).trim();
      if (!/^[1-9]\d*$/.test(text)) {
        throw new NonceStoreError("Nonce store block-size file is corrupt", {
          details: { file: sizeFile, content: text },
          hint: "Restore the file from a backup; never delete a nonce store directory that has signed tickets.",
        });
      }
      const blockSize = BigInt(text);
      this.#pairBlockSize.set(key, blockSize);
      return blockSize;
    } catch (err) {
      throw err instanceof NonceStoreError ? err : storeError(err, dir);
    }
  }
}

/** The highest block index with a file in `dir`, or undefined when there is none. */
async function highestBlock(dir: string): Promise<bigint | undefined> {
  let highest: bigint | undefined;
  for (const name of await fs.readdir(dir)) {
    if (!name.startsWith(BLOCK_PREFIX)) continue;
    const digits = name.slice(BLOCK_PREFIX.length);
    if (!/^\d+$/.test(digits)) continue;
    const k = BigInt(digits);
    if (highest === undefined || k > highest) highest = k;
  }
  return highest;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function storeError(err: unknown, file: string): NonceStoreError {
  return new NonceStoreError("Cannot write the nonce store", {
    details: { file, reason: (err as Error).message },
    hint: "Check that the nonce directory exists, is writable and is on a local file system; sign no tickets until it works.",
    cause: err,
  });
}
