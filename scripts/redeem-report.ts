/**
 * Redemption cost report on the in-process chain: the gas of a redemption against its batch size
 * (1, 2, 5, 10, 20, 50 winners) from eth_estimateGas, the fixed + per-ticket line the redeemer
 * fits from two estimates, and the decisions the redeemer takes for the same winners under a few
 * fee scenarios — including an Arbitrum L1 component answered by a mocked NodeInterface.
 *
 *   npm run report:redeem    rewrites reports/redeem.json and reports/redeem.md
 */
import { writeFile } from "node:fs/promises";

import { Interface, Wallet } from "ethers";
import { network } from "hardhat";

import { MAX_UINT256, type Hex } from "../src/internal/bytes.js";
import type { WinningTicket } from "../src/recipient/winnerStore.js";
import {
  ARBITRUM_NODE_INTERFACE,
  costAt,
  measureCostCurve,
  redemptionCalldata,
  type CostCurve,
  type FeeQuote,
  type JsonRpcSender,
} from "../src/redeem/cost.js";
import { decideRedemption, type RedemptionEconomics } from "../src/redeem/decide.js";
import type { DueWinner } from "../src/redeem/plan.js";
import { RawKeyTicketSigner } from "../src/ticket/signTicket.js";
import { TicketHasher } from "../src/ticket/ticketDigest.js";
import { readTicketDomain, type Ticket } from "../src/ticket/ticketTypes.js";
import { recipientRandHash } from "../src/ticket/winDraw.js";
import { RecipientPool__factory, TicketBroker__factory } from "../typechain-types/index.js";

const REPORT_JSON = new URL("../reports/redeem.json", import.meta.url);
const REPORT_MD = new URL("../reports/redeem.md", import.meta.url);
const SIZES = [1, 2, 5, 10, 20, 50];
const GWEI = 10n ** 9n;
/** A face value as the payee sets it: redeemGas 60,000 × 0.01 gwei × multiplier 100 = 6e13 wei; rounded up. */
const FACE_VALUE = 10n ** 14n;

const { ethers, networkHelpers } = await network.create();
const [deployer, gateway] = await ethers.getSigners();
if (deployer === undefined || gateway === undefined) throw new Error("Need two accounts");
const pool = await new RecipientPool__factory(deployer).deploy(deployer.address);
const broker = await new TicketBroker__factory(deployer).deploy(
  await pool.getAddress(),
  3_600n,
  86_400n,
);
const brokerAddress = (await broker.getAddress()) as Hex;
await broker.connect(gateway).fundDeposit({ value: 10n ** 18n });
const delegate = new RawKeyTicketSigner(`0x${"42".repeat(32)}`);
await broker.connect(gateway).authorizeSigner(delegate.address);
const recipient = Wallet.createRandom();
await ethers.provider.send("hardhat_setBalance", [recipient.address, "0x56bc75e2d63100000"]);
const hasher = new TicketHasher(await readTicketDomain(broker));
const now = BigInt(await networkHelpers.time.latest());
const rand = 7n;
const randHash = recipientRandHash(rand);

const winners: WinningTicket[] = [];
for (let nonce = 1n; nonce <= 50n; nonce++) {
  const ticket: Ticket = {
    recipient: recipient.address as Hex,
    sender: gateway.address as Hex,
    faceValue: FACE_VALUE,
    winProb: MAX_UINT256,
    senderNonce: nonce,
    recipientRandHash: randHash,
    expiry: now + 86_400n,
    workId: `0x${nonce.toString(16).padStart(64, "0")}`,
  };
  winners.push({
    ticket,
    signature: await delegate.signTicket(ticket, hasher),
    recipientRand: rand,
    paramsDeadline: now - 1_000n,
    digest: hasher.digestHex(ticket),
  });
}

const rpc: JsonRpcSender = ethers.provider;
const from = recipient.address as Hex;
const estimate = async (n: number, batch: boolean) =>
  BigInt(
    (await rpc.send("eth_estimateGas", [
      { from, to: brokerAddress, data: redemptionCalldata(winners.slice(0, n), { batch }) },
    ])) as string,
  );

// 1. Gas against batch size, and the fitted line.
const sizes: {
  size: number;
  gas: string;
  gasPerWinner: string;
  calldataBytes: number;
  fitted: string;
}[] = [];
const fees: FeeQuote = {
  baseFeePerGas: GWEI / 100n,
  maxPriorityFeePerGas: 0n,
  maxFeePerGas: GWEI / 50n,
};
const curve = await measureCostCurve({
  rpc,
  broker: brokerAddress,
  from,
  winners,
  sampleSize: 50,
  fees,
});
const single = await estimate(1, false);
for (const n of SIZES) {
  const gas = await estimate(n, true);
  sizes.push({
    size: n,
    gas: gas.toString(),
    gasPerWinner: (gas / BigInt(n)).toString(),
    calldataBytes: (redemptionCalldata(winners.slice(0, n), { batch: true }).length - 2) / 2,
    fitted: costAt(curve, n).gas.toString(),
  });
}

// 2. A mocked Arbitrum NodeInterface in front of the in-process chain: the L1 part is the
// calldata's bytes × 16 gas × L1 base fee, expressed in L2 gas at the L2 base fee (Arbitrum's
// own formula, without compression), and eth_estimateGas includes it, as Arbitrum's does.
const nodeInterface = new Interface([
  "function gasEstimateComponents(address to, bool contractCreation, bytes data) payable returns (uint64 gasEstimate, uint64 gasEstimateForL1, uint256 baseFee, uint256 l1BaseFeeEstimate)",
]);
function arbitrumRpc(l2BaseFee: bigint, l1BaseFee: bigint): JsonRpcSender {
  const l1Gas = (data: string) => (BigInt((data.length - 2) / 2) * 16n * l1BaseFee) / l2BaseFee;
  return {
    async send(method, params) {
      if (method === "eth_call") {
        const call = params[0] as { to: string; data: string };
        if (call.to.toLowerCase() === ARBITRUM_NODE_INTERFACE.toLowerCase()) {
          const [to, , data] = nodeInterface.decodeFunctionData("gasEstimateComponents", call.data);
          const l2 = BigInt(
            (await ethers.provider.send("eth_estimateGas", [{ from, to, data }])) as string,
          );
          const l1 = l1Gas(data as string);
          return nodeInterface.encodeFunctionResult("gasEstimateComponents", [
            l2 + l1,
            l1,
            l2BaseFee,
            l1BaseFee,
          ]);
        }
      }
      if (method === "eth_estimateGas") {
        const tx = params[0] as { data: string };
        const l2 = BigInt((await ethers.provider.send("eth_estimateGas", params)) as string);
        return `0x${(l2 + l1Gas(tx.data)).toString(16)}`;
      }
      return ethers.provider.send(method, params);
    },
  };
}

// 3. Decisions for the same winners under fee scenarios.
const economics: RedemptionEconomics = {
  marginBps: 10_000n,
  expiryMarginSeconds: 3_600n,
  maxBatchSize: 50,
};
const due = (count: number, payableUntil: bigint): DueWinner[] =>
  winners.slice(0, count).map((winner) => ({
    winner: { ...winner, status: "pending" as const },
    payableUntil,
    fromReserve: 0n,
  }));
interface Scenario {
  name: string;
  winners: number;
  l2BaseFeeGwei: string;
  l1BaseFeeGwei?: string;
  nearExpiry: boolean;
}
const scenarios: Scenario[] = [
  { name: "quiet L2, 1 winner", winners: 1, l2BaseFeeGwei: "0.01", nearExpiry: false },
  { name: "quiet L2, 5 winners", winners: 5, l2BaseFeeGwei: "0.01", nearExpiry: false },
  { name: "L2 at 1 gwei, 1 winner", winners: 1, l2BaseFeeGwei: "1", nearExpiry: false },
  { name: "L2 at 1 gwei, 1 winner near expiry", winners: 1, l2BaseFeeGwei: "1", nearExpiry: true },
  { name: "L2 at 1 gwei, 5 winners", winners: 5, l2BaseFeeGwei: "1", nearExpiry: false },
  { name: "L2 at 5 gwei, 1 winner near expiry", winners: 1, l2BaseFeeGwei: "5", nearExpiry: true },
  { name: "L2 at 5 gwei, 50 winners", winners: 50, l2BaseFeeGwei: "5", nearExpiry: false },
  {
    name: "L2 at 5 gwei, 50 winners near expiry",
    winners: 50,
    l2BaseFeeGwei: "5",
    nearExpiry: true,
  },
  {
    name: "Arbitrum, L1 price 0.1 gwei, 5 winners",
    winners: 5,
    l2BaseFeeGwei: "0.01",
    l1BaseFeeGwei: "0.1",
    nearExpiry: false,
  },
  {
    name: "Arbitrum, L1 price 0.1 gwei, 50 winners",
    winners: 50,
    l2BaseFeeGwei: "0.01",
    l1BaseFeeGwei: "0.1",
    nearExpiry: false,
  },
  {
    name: "Arbitrum, L1 price 3 gwei, 50 winners",
    winners: 50,
    l2BaseFeeGwei: "0.01",
    l1BaseFeeGwei: "3",
    nearExpiry: false,
  },
  {
    name: "Arbitrum, L1 price 30 gwei, 50 winners",
    winners: 50,
    l2BaseFeeGwei: "0.01",
    l1BaseFeeGwei: "30",
    nearExpiry: false,
  },
];
const gwei = (text: string) => {
  const [whole, frac = ""] = text.split(".");
  return BigInt(whole ?? "0") * GWEI + BigInt((frac + "000000000").slice(0, 9));
};
const decisions = [];
for (const s of scenarios) {
  const l2 = gwei(s.l2BaseFeeGwei);
  const f: FeeQuote = { baseFeePerGas: l2, maxPriorityFeePerGas: 0n, maxFeePerGas: 2n * l2 };
  const source = s.l1BaseFeeGwei === undefined ? rpc : arbitrumRpc(l2, gwei(s.l1BaseFeeGwei));
  const c: CostCurve = await measureCostCurve({
    rpc: source,
    broker: brokerAddress,
    from,
    winners: winners.slice(0, s.winners),
    sampleSize: 50,
    arbitrum: s.l1BaseFeeGwei !== undefined,
    fees: f,
  });
  const d = decideRedemption({
    due: due(s.winners, s.nearExpiry ? now + 600n : now + 86_400n),
    curve: c,
    now,
    economics,
  });
  decisions.push({
    scenario: s.name,
    l2BaseFeeGwei: s.l2BaseFeeGwei,
    l1BaseFeeGwei: s.l1BaseFeeGwei ?? "-",
    dueWinners: s.winners,
    maxBatch: d.maxBatch,
    batch: d.batch.length,
    faceValueWei: d.faceValue.toString(),
    costWei: d.costWei.toString(),
    l2CostWei: d.l2Wei.toString(),
    l1CostWei: d.l1Wei.toString(),
    costPerWinnerWei: d.batch.length === 0 ? "0" : (d.costWei / BigInt(d.batch.length)).toString(),
    costRatio: d.faceValue === 0n ? null : Number((d.costWei * 10_000n) / d.faceValue) / 10_000,
    action: d.action,
    reason: d.reason,
  });
}

const report = {
  generatedBy: "scripts/redeem-report.ts (npm run report:redeem), in-process chain",
  faceValueWei: FACE_VALUE.toString(),
  economics: {
    marginBps: economics.marginBps?.toString(),
    expiryMarginSeconds: economics.expiryMarginSeconds?.toString(),
    maxBatchSize: economics.maxBatchSize,
  },
  singleTicketGas: single.toString(),
  curve: {
    fixedGas: curve.fixedGas.toString(),
    perTicketGas: curve.perTicketGas.toString(),
    sampledSize: curve.sampledSize,
  },
  sizes,
  decisions,
};
await writeFile(REPORT_JSON, `${JSON.stringify(report, null, 2)}\n`);

const eth = (wei: string) => (Number(BigInt(wei)) / 1e18).toExponential(3);
const md = [
  "# Redemption cost and decisions",
  "",
  "Generated by `npm run report:redeem` (scripts/redeem-report.ts) on the in-process chain. Gas from",
  "`eth_estimateGas` on `redeemWinningTickets` with always-winning tickets paid from the deposit;",
  `a single winner through \`redeemWinningTicket\` estimates ${single} gas.`,
  "",
  "## Gas against batch size",
  "",
  `The redeemer fits a line from two estimates (1 and ${curve.sampledSize} winners): **fixed ${curve.fixedGas} gas + ${curve.perTicketGas} gas per winner**.`,
  "",
  "| winners | gas (estimate) | gas per winner | calldata bytes | fitted line |",
  "| ---: | ---: | ---: | ---: | ---: |",
  ...sizes.map(
    (r) => `| ${r.size} | ${r.gas} | ${r.gasPerWinner} | ${r.calldataBytes} | ${r.fitted} |`,
  ),
  "",
  "## Decisions under fee scenarios",
  "",
  `Every winner has a face value of ${FACE_VALUE} wei (${eth(FACE_VALUE.toString())} ETH). Margin: redeem when`,
  `Σ face value ≥ cost × (1 + ${Number(economics.marginBps) / 10_000}); within ${economics.expiryMarginSeconds} s of a winner's last payable`,
  "second, redeem when the batch pays more than it costs. The Arbitrum rows answer",
  "`gasEstimateComponents` from a mocked NodeInterface: L1 gas = calldata bytes × 16 × L1 price / L2 base fee",
  "(uncompressed; Arbitrum counts it in the transaction's gas, so it also caps the batch under the 10,000,000 gas default).",
  '"Near expiry" winners can be paid for 600 more seconds.',
  "",
  "| scenario | L2 base fee (gwei) | L1 price (gwei) | due | max batch | batch | face value (ETH) | cost L2 (ETH) | cost L1 (ETH) | cost / winner (ETH) | cost ratio | decision |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ...decisions.map(
    (d) =>
      `| ${d.scenario} | ${d.l2BaseFeeGwei} | ${d.l1BaseFeeGwei} | ${d.dueWinners} | ${d.maxBatch} | ${d.batch} | ${eth(d.faceValueWei)} | ${eth(d.l2CostWei)} | ${eth(d.l1CostWei)} | ${eth(d.costPerWinnerWei)} | ${d.costRatio ?? "-"} | ${d.action} (${d.reason}) |`,
  ),
  "",
].join("\n");
await writeFile(REPORT_MD, md);
console.log(md);
