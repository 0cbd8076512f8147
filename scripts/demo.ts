/**
 * The end-to-end demo on the in-process chain: deploy the broker with the Ignition module, fund a
 * gateway, stream transcoding segments to three orchestrators paid with lottery tickets, redeem
 * the winners in batches, and print a summary.
 *
 *   npm run demo        (= hardhat run scripts/demo.ts)
 *
 * Everything off-chain is the library: fee estimation and prices, ticket params issuance, ticket
 * creation and signing, validation on the recipient side, session balances, win detection, a
 * winner store and the redeemer.
 */
import { Wallet, formatEther, id, parseEther } from "ethers";
import { network } from "hardhat";

import TicketBrokerModule from "../ignition/modules/TicketBroker.js";
import {
  ContractBrokerReader,
  ContractRedemptionClient,
  MemoryNonceStore,
  MemoryWinnerStore,
  NonceAllocator,
  RawKeyTicketSigner,
  Rational,
  Recipient,
  RecipientSession,
  Redeemer,
  SenderSession,
  TicketHasher,
  TicketSender,
  estimateFee,
  priceInWei,
  readTicketDomain,
  ticketParamsKey,
  type TicketParams,
} from "../src/index.js";
import type { RecipientPool, TicketBroker } from "../typechain-types/index.js";

// ---- The scenario ------------------------------------------------------------------------
const SEGMENTS = 300;
const SEGMENT_SECONDS = 2n;
/** A common ABR ladder: 1080p, 720p and 360p at 30 fps. */
const LADDER = [
  { width: 1920, height: 1080, fps: 30n },
  { width: 1280, height: 720, fps: 30n },
  { width: 640, height: 360, fps: 30n },
] as const;
/** Arbitrum-like gas price (0.01 gwei) and the gas of one redemption, for the face value. */
const GAS_PRICE = 10_000_000n;
const REDEEM_GAS = 60_000n;
/** face value = REDEEM_GAS × GAS_PRICE × multiplier = 0.00006 ETH. */
const TX_COST_MULTIPLIER = 100n;
const ORCHESTRATORS = [
  { name: "orch-a", weiPerPixel: 15_000n },
  { name: "orch-b", weiPerPixel: 12_000n },
  { name: "orch-c", weiPerPixel: 18_000n },
] as const;
const BATCH_SIZE = 3;

// Deterministic keys and secrets (demo only, never for real funds).
const key = (label: string) => id(`ticketbroker demo ${label}`);

function bar(done: number, total: number, width = 30): string {
  const filled = Math.round((done / total) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`;
}

function eth(wei: bigint | Rational): string {
  const value = typeof wei === "bigint" ? wei : wei.floor();
  return `${Number(formatEther(value)).toFixed(6)} ETH`;
}

const started = Date.now();
const { ethers, ignition, networkHelpers } = await network.create();
const [owner] = await ethers.getSigners();
if (owner === undefined) throw new Error("the in-process network has no accounts");

// ---- Deploy with the same module (and parameter file) as a real network -------------------
const deployed = await ignition.deploy(TicketBrokerModule, {
  parameters: "ignition/parameters/default.json",
  displayUi: false,
});
const broker = deployed.ticketBroker as unknown as TicketBroker;
const pool = deployed.recipientPool as unknown as RecipientPool;
const brokerAddress = (await broker.getAddress()) as `0x${string}`;
console.log(`TicketBroker deployed at ${brokerAddress} (pool ${await pool.getAddress()})`);

// ---- Actors ------------------------------------------------------------------------------
const gatewayWallet = new Wallet(key("gateway"), ethers.provider);
await networkHelpers.setBalance(gatewayWallet.address, parseEther("10"));
const gatewayAddress = gatewayWallet.address as `0x${string}`;
const orchWallets = ORCHESTRATORS.map((o) => new Wallet(key(o.name), ethers.provider));
for (const w of orchWallets) {
  await networkHelpers.setBalance(w.address, parseEther("1"));
  await (await pool.connect(owner).addRecipient(w.address)).wait();
}
const DEPOSIT = parseEther("0.05");
const RESERVE = parseEther("0.03");
await (
  await broker.connect(gatewayWallet).fundDepositAndReserve(DEPOSIT, RESERVE, {
    value: DEPOSIT + RESERVE,
  })
).wait();
console.log(
  `Gateway ${gatewayAddress} funded: deposit ${eth(DEPOSIT)}, reserve ${eth(RESERVE)}; 3 orchestrators in the pool`,
);

const domain = await readTicketDomain(broker);
const hasher = new TicketHasher(domain);
const reader = new ContractBrokerReader({ broker });
const gateway = new TicketSender({
  sender: gatewayAddress,
  signer: new RawKeyTicketSigner(key("gateway") as `0x${string}`),
  hasher,
  domain: { chainId: domain.chainId, verifyingContract: domain.verifyingContract },
  reader,
  nonces: new NonceAllocator({ store: new MemoryNonceStore() }),
  limits: {
    maxTicketEV: parseEther("0.001"),
    maxTotalEV: parseEther("0.01"),
    depositMultiplier: 2n,
  },
});

interface OrchestratorState {
  readonly name: string;
  readonly wallet: Wallet;
  readonly recipient: Recipient;
  readonly winners: MemoryWinnerStore;
  readonly price: ReturnType<typeof priceInWei>;
  params?: TicketParams;
  senderSession?: SenderSession;
  recipientSession?: RecipientSession;
  segments: number;
  pixels: bigint;
  fees: Rational;
  tickets: number;
  evPaid: Rational;
  wins: number;
  faceValue: bigint;
}

const orchestrators: OrchestratorState[] = ORCHESTRATORS.map((o, i) => {
  const wallet = orchWallets[i]!;
  const winners = new MemoryWinnerStore();
  const price = priceInWei({ wei: o.weiPerPixel });
  return {
    name: o.name,
    wallet,
    winners,
    price,
    recipient: new Recipient({
      address: wallet.address as `0x${string}`,
      secret: Buffer.from(key(`${o.name} secret`).slice(2), "hex"),
      hasher,
      reader,
      winners,
      policy: {
        redeemGas: REDEEM_GAS,
        txCostMultiplier: TX_COST_MULTIPLIER,
        targetEV: 1n,
        paramsLifetime: 3_600n,
      },
    }),
    segments: 0,
    pixels: 0n,
    fees: Rational.ZERO,
    tickets: 0,
    evPaid: Rational.ZERO,
    wins: 0,
    faceValue: 0n,
  };
});

// ---- Stream segments ---------------------------------------------------------------------
console.log(
  `Streaming ${SEGMENTS} segments of ${SEGMENT_SECONDS} s (${LADDER.map((p) => `${p.height}p`).join("/")} at 30 fps) round-robin to 3 orchestrators`,
);
for (let s = 0; s < SEGMENTS; s++) {
  const o = orchestrators[s % orchestrators.length]!;
  const estimate = estimateFee({ profiles: LADDER, duration: SEGMENT_SECONDS, price: o.price });
  if (o.params === undefined) {
    // The orchestrator issues params priced so one ticket carries about one segment's fee.
    const params = await o.recipient.issueParams({
      sender: gatewayAddress,
      gasPrice: GAS_PRICE,
      targetEV: estimate.feeWei,
    });
    await gateway.acceptParams(params);
    o.params = params;
    const session = {
      sender: gatewayAddress,
      recipient: o.wallet.address,
      paramsId: ticketParamsKey(params),
    };
    o.senderSession = new SenderSession({
      ...session,
      faceValue: params.faceValue,
      winProb: params.winProb,
      maxTotalEV: parseEther("0.01"),
    });
    o.recipientSession = new RecipientSession({ ...session, startPrice: o.price });
    o.faceValue = params.faceValue;
  }
  const params = o.params;
  const senderSession = o.senderSession!;
  const recipientSession = o.recipientSession!;
  // Gateway: stage enough tickets to cover the estimated fee on top of its session balance.
  const plan = senderSession.pay({ fee: estimate.fee });
  if (plan.ticketCount > 0n) {
    const payment = await gateway.pay({
      params,
      amount: plan.totalEV,
      workId: id(`segment ${s}`) as `0x${string}`,
    });
    // Orchestrator: validate each ticket, detect wins (stored in the winner store), credit EV.
    for (const signed of payment.tickets) {
      const received = await o.recipient.receiveTicket({ signed, params });
      if (received.won) o.wins++;
    }
    recipientSession.receivePayment({
      tickets: payment.tickets.map((t) => t.ticket),
      price: o.price,
    });
    o.tickets += payment.tickets.length;
    o.evPaid = o.evPaid.add(plan.totalEV);
  }
  // The work is done: both sides debit the actual fee (here: the estimate, exactly).
  recipientSession.charge({ fee: estimate.fee });
  senderSession.debitFee({ fee: estimate.fee });
  o.segments++;
  o.pixels += estimate.pixels.floor();
  o.fees = o.fees.add(estimate.fee);
  if (process.stdout.isTTY) process.stdout.write(`\r${bar(s + 1, SEGMENTS)} segments`);
  else if ((s + 1) % 50 === 0) console.log(`${bar(s + 1, SEGMENTS)} segments`);
}
if (process.stdout.isTTY) process.stdout.write("\n");

// ---- Redeem ------------------------------------------------------------------------------
// Winners are redeemed once their params' deadline (plus grace) has passed, so no ticket with a
// lower nonce can still arrive on those params.
const maxDeadline = orchestrators.reduce(
  (m, o) => (o.params!.expirationTime > m ? o.params!.expirationTime : m),
  0n,
);
await networkHelpers.time.increaseTo(maxDeadline + 61n);
const redemptions: {
  name: string;
  redeemed: number;
  paid: bigint;
  gasUsed: bigint;
  txs: number;
}[] = [];
for (const o of orchestrators) {
  let txs = 0;
  const inner = new ContractRedemptionClient({ broker: broker.connect(o.wallet) });
  const redeemer = new Redeemer({
    recipient: o.wallet.address as `0x${string}`,
    store: o.winners,
    reader,
    client: {
      redeem: async (winners) => {
        txs++;
        return inner.redeem(winners);
      },
    },
    batchSize: BATCH_SIZE,
  });
  const report = await redeemer.redeemDue();
  redemptions.push({
    name: o.name,
    redeemed: report.redeemed.length,
    paid: report.paid,
    gasUsed: report.gasUsed,
    txs,
  });
  console.log(
    `${o.name}: redeemed ${report.redeemed.length} winner(s) in ${txs} transaction(s) (batches of up to ${BATCH_SIZE})` +
      (report.retryLater.length + report.unredeemable.length > 0
        ? `; not redeemed: ${[...report.retryLater, ...report.unredeemable].map((r) => r.error).join(", ")}`
        : ""),
  );
}

// ---- Summary -----------------------------------------------------------------------------
const rows = orchestrators.map((o, i) => {
  const r = redemptions[i]!;
  return [
    o.name,
    String(o.segments),
    `${(Number(o.pixels) / 1e9).toFixed(2)} Gpx`,
    eth(o.fees),
    String(o.tickets),
    eth(o.evPaid),
    `${o.wins}`,
    eth(r.paid),
    r.redeemed === 0 ? "-" : String(r.gasUsed / BigInt(r.redeemed)),
  ];
});
const header = [
  "orchestrator",
  "segments",
  "pixels",
  "fees",
  "tickets",
  "EV paid",
  "winners",
  "face value redeemed",
  "gas/redemption",
];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
const line = (cells: readonly string[]) =>
  cells
    .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
    .join("  ");
console.log("");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of rows) console.log(line(row));
const totalEV = orchestrators.reduce((sum, o) => sum.add(o.evPaid), Rational.ZERO);
const totalPaid = redemptions.reduce((sum, r) => sum + r.paid, 0n);
const info = await broker.getSenderInfo(gatewayAddress);
console.log("");
console.log(
  `Face value ${eth(orchestrators[0]!.faceValue)} per ticket (${REDEEM_GAS} gas × ${Number(GAS_PRICE) / 1e9} gwei × ${TX_COST_MULTIPLIER}).`,
);
console.log(
  `Total EV paid ${eth(totalEV)}; face value redeemed ${eth(totalPaid)} (the lottery evens out over many segments).`,
);
console.log(`Gateway left: deposit ${eth(info.deposit)}, reserve ${eth(info.reserve)}.`);
console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
