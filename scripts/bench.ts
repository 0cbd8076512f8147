/**
 * Ticket crypto benchmark: tickets created and signed per second, and tickets validated per
 * second (digest + signature recovery + win draw), by this library and by the plain ethers v6
 * path, in one single-threaded run. Writes reports/bench.json.
 *
 *   npx tsx scripts/bench.ts [--seconds 0.5] [--rounds 6]
 *
 * The rows are measured in interleaved rounds and each row's best round is reported, since the
 * machine may be shared; the bare native sign/recover rows give this machine's ceiling in the
 * same run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { AbiCoder, TypedDataEncoder, Wallet, keccak256, verifyTypedData } from "ethers";

import {
  RawKeyTicketSigner,
  TICKET_EIP712_TYPES,
  TicketHasher,
  recipientRandHash,
  validateTicket,
  type SignedTicket,
  type Ticket,
  type TicketDomain,
} from "../src/index.js";
import { KECCAK_BACKEND } from "../src/internal/keccak.js";
import { secp256k1Backend } from "../src/internal/secp256k1.js";

const secondsArg = process.argv.indexOf("--seconds");
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 0.5;
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 6;

// Fixed keys and domain: the run is deterministic apart from timing.
const SENDER_KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const RECIPIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const DOMAIN: TicketDomain = {
  name: "TicketBroker",
  version: "1",
  chainId: 421614n,
  verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
};
const ETHERS_TYPES = { Ticket: TICKET_EIP712_TYPES.Ticket.map((f) => ({ ...f })) };
const RAND = 0x1234_5678_9abc_def0_1234_5678_9abc_def0n;
const RAND_HASH = recipientRandHash(RAND);
const WORK_ID = `0x${"5e".repeat(32)}` as const;
const WIN_PROB = (1n << 256n) / 1000n;

const wallet = new Wallet(SENDER_KEY);
const signer = new RawKeyTicketSigner(SENDER_KEY);
const hasher = new TicketHasher(DOMAIN);
const abi = AbiCoder.defaultAbiCoder();

function makeTicket(nonce: bigint): Ticket {
  return {
    recipient: RECIPIENT,
    sender: signer.address,
    faceValue: 10n ** 16n + nonce,
    winProb: WIN_PROB,
    senderNonce: nonce,
    recipientRandHash: RAND_HASH,
    expiry: 1_900_000_000n,
    workId: WORK_ID,
  };
}

interface Row {
  name: string;
  /** Calls between clock reads. */
  batch: number;
  step: (i: number) => unknown;
  rounds: number[];
  calls: number;
}

function row(name: string, batch: number, step: (i: number) => unknown): Row {
  return { name, batch, step, rounds: [], calls: 0 };
}

/** One timed round of `r`: about SECONDS seconds, in ops/s. */
async function measure(r: Row): Promise<void> {
  let done = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(SECONDS * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < r.batch; i++) {
      const out = r.step(r.calls + i);
      if (out instanceof Promise) await out;
    }
    r.calls += r.batch;
    done += r.batch;
    elapsed = process.hrtime.bigint() - start;
  }
  r.rounds.push((done * 1e9) / Number(elapsed));
}

const best = (r: Row) => Math.max(...r.rounds);
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");

async function main(): Promise<void> {
  console.log(
    `Ticket crypto benchmark: one thread, ${ROUNDS} interleaved rounds × ${SECONDS} s per row (best round reported), secp256k1 ${signer.backend}, keccak ${KECCAK_BACKEND}, ${cpus()[0]?.model ?? "cpu"}`,
  );

  // Sanity: both paths produce the same signature, or the comparison is meaningless.
  const probe = makeTicket(1n);
  const probeSig = await wallet.signTypedData(DOMAIN, ETHERS_TYPES, probe);
  if (probeSig !== signer.signTicketSync(probe, hasher)) {
    throw new Error("library and ethers signatures differ; fix before benchmarking");
  }

  const POOL = 4096;
  const pool: SignedTicket[] = [];
  for (let i = 0; i < POOL; i++) {
    const ticket = makeTicket(BigInt(i + 1));
    pool.push({ ticket, signature: signer.signTicketSync(ticket, hasher) });
  }
  const digest = hasher.digest(makeTicket(1n));
  const key = Buffer.from(SENDER_KEY.slice(2), "hex");
  const rs = new Uint8Array(65);
  const recid = secp256k1Backend.sign(digest, key, rs);
  let wins = 0;

  const sign = row("sign: library (digest + native sign)", 500, (i) => {
    const ticket = makeTicket(BigInt(i));
    const signed: SignedTicket = { ticket, signature: signer.signTicketSync(ticket, hasher) };
    return signed;
  });
  const signEthers = row("sign: ethers Wallet.signTypedData", 20, async (i) => {
    const ticket = makeTicket(BigInt(i));
    const signed: SignedTicket = {
      ticket,
      signature: (await wallet.signTypedData(DOMAIN, ETHERS_TYPES, ticket)) as `0x${string}`,
    };
    return signed;
  });
  const validate = row("validate: library validateTicket", 500, (i) => {
    const signed = pool[i % POOL] as SignedTicket;
    const r = validateTicket({
      signed,
      hasher,
      recipientRand: RAND,
      now: 1_800_000_000n,
      caller: RECIPIENT,
      highestRedeemedNonce: 0n,
      signerValidUntil: () => 0n,
    });
    if (r.won) wins++;
    return r;
  });
  const validateEthers = row("validate: ethers verifyTypedData + draw", 10, (i) => {
    const signed = pool[i % POOL] as SignedTicket;
    const t = signed.ticket;
    const recovered = verifyTypedData(DOMAIN, ETHERS_TYPES, t, signed.signature);
    if (recovered !== t.sender) throw new Error("ethers recovered another signer");
    const d = TypedDataEncoder.hash(DOMAIN, ETHERS_TYPES, t);
    const won = BigInt(keccak256(abi.encode(["bytes32", "uint256"], [d, RAND]))) < t.winProb;
    if (won) wins++;
    return won;
  });
  // The ceiling of this machine in this run: bare native sign and recover, nothing else.
  const ceilingSign = row("ceiling: bare secp256k1 sign", 500, () =>
    secp256k1Backend.sign(digest, key, rs),
  );
  const ceilingRecover = row("ceiling: bare secp256k1 recover", 500, () =>
    secp256k1Backend.recover(digest, rs.subarray(0, 64), recid),
  );
  const rows = [sign, signEthers, validate, validateEthers, ceilingSign, ceilingRecover];

  // Warm-up so the JIT and the native add-ons are loaded before timing.
  for (const r of rows) {
    for (let i = 0; i < r.batch; i++) await r.step(i);
  }
  // Interleaved rounds: a burst of load from other processes hits every row alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of rows) await measure(r);
  }
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(42)} ${fmt(best(r)).padStart(8)} /s   (rounds: ${r.rounds.map(fmt).join(", ")})`,
    );
  }
  if (wins === 0) console.log("(no winners drawn at winProb 1/1000)");

  const report = {
    "sign.perSec": Math.round(best(sign)),
    "sign.ethersPerSec": Math.round(best(signEthers)),
    "sign.ratio": Math.round((best(sign) / best(signEthers)) * 10) / 10,
    "validate.perSec": Math.round(best(validate)),
    "validate.ethersPerSec": Math.round(best(validateEthers)),
    "validate.ratio": Math.round((best(validate) / best(validateEthers)) * 10) / 10,
    "ceiling.signPerSec": Math.round(best(ceilingSign)),
    "ceiling.recoverPerSec": Math.round(best(ceilingRecover)),
  };
  console.log(
    `sign: ${report["sign.ratio"]}× ethers, ${Math.round((100 * best(sign)) / best(ceilingSign))}% of bare native signing; ` +
      `validate: ${report["validate.ratio"]}× ethers, ${Math.round((100 * best(validate)) / best(ceilingRecover))}% of bare native recovery`,
  );
  const out = join(dirname(fileURLToPath(import.meta.url)), "..", "reports", "bench.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

await main();
