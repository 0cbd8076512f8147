import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { NonceStoreError } from "../../src/sender/errors.js";
import { FileNonceStore } from "../../src/sender/fileNonceStore.js";
import { NonceAllocator } from "../../src/sender/nonceAllocator.js";
import { MAX_SENDER_NONCE, MemoryNonceStore } from "../../src/sender/nonceStore.js";

const sender = "0x1111111111111111111111111111111111111111";
const recipient = "0x2222222222222222222222222222222222222222";
const other = "0x3333333333333333333333333333333333333333";
const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), "nonceWorker.ts");

function isStrictlyIncreasing(values: bigint[]): boolean {
  return values.every((v, i) => i === 0 || v > (values[i - 1] as bigint));
}

/** Starts a worker; `ready` resolves once it waits for the go file, `nonces` with what it took. */
function startWorker(
  directory: string,
  count: number,
  blockSize: bigint,
): { ready: Promise<void>; nonces: Promise<bigint[]> } {
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const nonces = new Promise<bigint[]>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", worker, directory, String(count), String(blockSize)],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.startsWith("ready\n")) markReady();
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`worker exited ${code}: ${err}`));
      else resolve((JSON.parse(out.slice("ready\n".length)) as string[]).map((s) => BigInt(s)));
    });
  });
  return { ready, nonces };
}

async function runWorkers(
  directory: string,
  processes: number,
  count: number,
  blockSize: bigint,
): Promise<bigint[][]> {
  const workers = Array.from({ length: processes }, () => startWorker(directory, count, blockSize));
  await Promise.all(workers.map((w) => w.ready));
  await writeFile(path.join(directory, "go"), "");
  return Promise.all(workers.map((w) => w.nonces));
}

describe("nonces: MemoryNonceStore and NonceAllocator", () => {
  it("hands out increasing nonces from 1, per recipient", async () => {
    const allocator = new NonceAllocator({ store: new MemoryNonceStore({ blockSize: 3n }) });
    expect(await allocator.take({ sender, recipient, count: 4n })).to.deep.equal([1n, 2n, 3n, 4n]);
    expect(await allocator.take({ sender, recipient: other, count: 2n })).to.deep.equal([1n, 2n]);
    expect(await allocator.take({ sender, recipient, count: 1n })).to.deep.equal([5n]);
  });

  it("stays above a floor such as the broker's redeemed mark", async () => {
    const allocator = new NonceAllocator({ store: new MemoryNonceStore({ blockSize: 10n }) });
    expect(await allocator.take({ sender, recipient, count: 1n })).to.deep.equal([1n]);
    expect(await allocator.take({ sender, recipient, count: 2n, above: 5n })).to.deep.equal([
      6n,
      7n,
    ]);
    expect(await allocator.take({ sender, recipient, count: 1n, above: 50n })).to.deep.equal([51n]);
  });

  it("serialises concurrent takes without duplicates", async () => {
    const allocator = new NonceAllocator({ store: new MemoryNonceStore({ blockSize: 4n }) });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => allocator.take({ sender, recipient, count: 3n })),
    );
    const all = results.flat();
    expect(new Set(all).size).to.equal(60);
    expect(isStrictlyIncreasing(all.slice().sort((a, b) => (a < b ? -1 : 1)))).to.equal(true);
  });

  it("refuses ranges past the broker's 96-bit nonce limit", async () => {
    const store = new MemoryNonceStore({ blockSize: 10n });
    let thrown: unknown;
    await store
      .reserve({ sender, recipient, above: MAX_SENDER_NONCE - 5n })
      .catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(NonceStoreError);
    const ok = await store.reserve({ sender, recipient, above: MAX_SENDER_NONCE - 10n });
    expect(ok.last).to.equal(MAX_SENDER_NONCE);
  });
});

describe("nonces: FileNonceStore", function () {
  this.timeout(120_000);
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), "nonces-"));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("never reuses or lowers a nonce across a restart", async () => {
    const before = new NonceAllocator({ store: new FileNonceStore({ directory, blockSize: 10n }) });
    const first = await before.take({ sender, recipient, count: 3n });
    expect(first).to.deep.equal([1n, 2n, 3n]);
    // A new process (a new store over the same directory) starts above the whole reserved block.
    const after = new NonceAllocator({ store: new FileNonceStore({ directory, blockSize: 10n }) });
    const second = await after.take({ sender, recipient, count: 2n });
    expect(second).to.deep.equal([11n, 12n]);
    // The old instance, still running, moves on to a block above both.
    expect(await before.take({ sender, recipient, count: 8n })).to.deep.equal([
      4n,
      5n,
      6n,
      7n,
      8n,
      9n,
      10n,
      21n,
    ]);
  });

  it("keeps the block size the pair was created with", async () => {
    await new FileNonceStore({ directory, blockSize: 10n }).reserve({ sender, recipient });
    const range = await new FileNonceStore({ directory, blockSize: 1000n }).reserve({
      sender,
      recipient,
    });
    expect(range).to.deep.equal({ first: 11n, last: 20n });
  });

  it("honours a floor above the stored high-water mark", async () => {
    const store = new FileNonceStore({ directory, blockSize: 10n });
    await store.reserve({ sender, recipient });
    expect(await store.reserve({ sender, recipient, above: 95n })).to.deep.equal({
      first: 101n,
      last: 110n,
    });
    expect(await store.reserve({ sender, recipient })).to.deep.equal({ first: 111n, last: 120n });
  });

  it("gives several processes signing for one sender disjoint, per-process increasing nonces", async () => {
    const processes = 4;
    const perProcess = 60;
    const results = await runWorkers(directory, processes, perProcess, 3n);
    const all = results.flat();
    expect(all.length).to.equal(processes * perProcess);
    expect(new Set(all).size, "a nonce was handed out twice").to.equal(all.length);
    for (const nonces of results)
      expect(isStrictlyIncreasing(nonces), "a process lowered its nonce").to.equal(true);
    expect(all.every((n) => n >= 1n)).to.equal(true);
    // A later process starts above everything the others reserved.
    await unlink(path.join(directory, "go"));
    const [later = []] = await runWorkers(directory, 1, 1, 3n);
    const max = all.reduce((a, b) => (a > b ? a : b));
    expect((later[0] as bigint) > max).to.equal(true);
    const files = (await readdir(path.join(directory, `${sender}-${recipient}`))).filter((f) =>
      f.startsWith("block-"),
    );
    expect(files.length).to.be.greaterThanOrEqual(Math.ceil((processes * perProcess) / 3));
  });
});
