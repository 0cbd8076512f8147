/**
 * The x402 inference example end to end on the in-process chain: deploys a broker, funds an
 * agent's deposit, starts the lottery-priced API on loopback and lets the agent call it.
 *
 *     npx hardhat run examples/x402-inference/src/main.ts
 */
import { id, parseEther } from "ethers";
import { network } from "hardhat";

import {
  ContractBrokerReader,
  MemoryNonceStore,
  MemoryWinnerStore,
  NonceAllocator,
  RawKeyTicketSigner,
  Recipient,
  TicketHasher,
  TicketSender,
  payWithTicketSender,
  readTicketDomain,
  ticketParamsEV,
  type LotteryChallenge,
} from "../../../src/index.js";
import { MemorySessionStore } from "../../../src/store/memory/memorySessionStore.js";
import { RecipientPool__factory, TicketBroker__factory } from "../../../typechain-types/index.js";
import { DEFAULT_PRICES, buildInferenceApp } from "./inferenceApp.js";
import { runAgent } from "./agent.js";

const { ethers } = await network.create();
const [deployer, agentAccount, orchestrator] = await ethers.getSigners();
if (!deployer || !agentAccount || !orchestrator) throw new Error("no accounts");
const pool = await new RecipientPool__factory(deployer).deploy(deployer.address);
const broker = await new TicketBroker__factory(deployer).deploy(
  await pool.getAddress(),
  86_400n,
  3_600n,
);
await broker.connect(agentAccount).fundDeposit({ value: parseEther("0.1") });
// The agent signs with a hot key it authorised on the broker.
const hotKey = new RawKeyTicketSigner(id("x402-inference example hot key") as `0x${string}`);
await broker.connect(agentAccount).authorizeSigner(hotKey.address);

const domain = await readTicketDomain(broker);
const hasher = new TicketHasher(domain);
const reader = new ContractBrokerReader({ broker });
const winners = new MemoryWinnerStore();
const recipient = new Recipient({
  address: orchestrator.address as `0x${string}`,
  secret: Buffer.from(id("x402-inference example secret").slice(2), "hex"),
  hasher,
  reader,
  winners,
  policy: { redeemGas: 100_000n, targetEV: 10n ** 11n },
});
const gasPrice = 10n ** 8n;
const app = await buildInferenceApp({
  paywall: {
    recipient,
    sessions: new MemorySessionStore(),
    chainId: domain.chainId,
    gasPrice: () => Promise.resolve(gasPrice),
    // Both routes share one session: credit bought on one pays the other.
    sessionSecret: Buffer.from(id("x402-inference example session secret").slice(2), "hex"),
  },
});
const baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });

const agent = new TicketSender({
  sender: agentAccount.address as `0x${string}`,
  signer: hotKey,
  hasher, // carries the domain: the chain and broker params must name
  reader,
  nonces: new NonceAllocator({ store: new MemoryNonceStore() }),
  limits: { maxTotalEV: parseEther("0.001"), depositMultiplier: 10n },
});
const prompts = Array.from(
  { length: 40 },
  (_, i) => `summarise document number ${i} in a few words`,
);
const offers: LotteryChallenge[] = [];
const payWithHotKey = payWithTicketSender(agent);
const started = performance.now();
const report = await runAgent({
  baseUrl,
  sender: agent.sender,
  pay: (challenge) => {
    offers.push(challenge);
    return payWithHotKey(challenge);
  },
  maxPrice: 3n * 10n ** 12n,
  prompts,
});
const seconds = (performance.now() - started) / 1000;
await app.close();

const gwei = (wei: bigint) => `${Number(wei) / 1e9} gwei`;
console.log(
  `API on ${baseUrl}: models ${gwei(DEFAULT_PRICES.listModels)} per call; completions ${gwei(DEFAULT_PRICES.perRequest)} + ${gwei(DEFAULT_PRICES.perToken)} per token`,
);
for (const offer of offers) {
  const p = offer.params;
  console.log(
    `payment on ${new URL(offer.url).pathname}: ${gwei(offer.amount)} of tickets with face value ${gwei(p.faceValue)}, win probability 1 in ${(1n << 256n) / p.winProb}, EV ${gwei(ticketParamsEV(p).floor())} each`,
  );
}
console.log(
  `agent: ${report.requests} requests, ${report.tokens} tokens, in ${seconds.toFixed(2)} s`,
);
console.log(
  `paid: ${report.payments} payments carrying ${report.tickets} tickets; ${report.requests - report.payments} requests carried no ticket`,
);
console.log(`charged ${gwei(report.charged)}; credit left in the session ${gwei(report.balance)}`);
console.log(`winning tickets stored for redemption: ${(await winners.list()).length}`);
