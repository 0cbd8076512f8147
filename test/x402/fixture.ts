/**
 * A lottery-priced API on loopback over the in-process chain: a broker with two funded gateways,
 * an orchestrator (Recipient) behind two Fastify routes — `GET /v1/cheap` (exact, 1e12 wei per
 * request) and `POST /v1/infer` (upto 5e12 wei, 1e10 wei per token) — sharing one session store.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { ContractBrokerReader } from "../../src/chain/brokerReader.js";
import { Recipient } from "../../src/recipient/recipient.js";
import { MemoryWinnerStore } from "../../src/recipient/winnerStore.js";
import { NonceAllocator } from "../../src/sender/nonceAllocator.js";
import { MemoryNonceStore } from "../../src/sender/nonceStore.js";
import { TicketSender } from "../../src/sender/ticketSender.js";
import { RawKeyTicketSigner } from "../../src/ticket/signTicket.js";
import { MemorySessionStore } from "../../src/store/memory/memorySessionStore.js";
import { TicketHasher } from "../../src/ticket/ticketDigest.js";
import { readTicketDomain, type TicketDomain } from "../../src/ticket/ticketTypes.js";
import { createLotteryPaywall, type LotteryPaywall } from "../../src/x402/paywall.js";
import { lotteryPaywallPlugin } from "../../src/x402/fastifyPlugin.js";
import { RecipientPool__factory, TicketBroker__factory } from "../../typechain-types/index.js";

export const CHEAP_PRICE = 10n ** 12n;
export const INFER_MAX = 5n * 10n ** 12n;
export const PER_TOKEN = 10n ** 10n;
export const GAS_PRICE = 10n ** 8n;

export interface LotteryWorld {
  url: string;
  app: FastifyInstance;
  recipient: Recipient;
  sessions: MemorySessionStore;
  winners: MemoryWinnerStore;
  cheap: LotteryPaywall;
  infer: LotteryPaywall;
  domain: TicketDomain;
  /** Gateway paying through the wrapper: a TicketSender with a delegated key. */
  gateway: TicketSender;
  delegate: RawKeyTicketSigner;
  /** Gateway paying by hand (the doc-only client), signing with its own account. */
  handSigner: HardhatEthersSigner;
  networkHelpers: Awaited<ReturnType<typeof network.create>>["networkHelpers"];
  close(): Promise<void>;
}

export async function lotteryWorld(): Promise<LotteryWorld> {
  const { ethers, networkHelpers } = await network.create();
  const [deployer, gatewayAccount, orchestrator, handSigner] = await ethers.getSigners();
  if (!deployer || !gatewayAccount || !orchestrator || !handSigner) throw new Error("signers");
  const pool = await new RecipientPool__factory(deployer).deploy(deployer.address);
  const broker = await new TicketBroker__factory(deployer).deploy(
    await pool.getAddress(),
    3600n,
    86_400n,
  );
  await broker.connect(gatewayAccount).fundDeposit({ value: 10n ** 17n });
  await broker.connect(handSigner).fundDeposit({ value: 10n ** 17n });
  const delegate = new RawKeyTicketSigner(`0x${"42".repeat(32)}`);
  await broker.connect(gatewayAccount).authorizeSigner(delegate.address);

  const domain = await readTicketDomain(broker);
  const hasher = new TicketHasher(domain);
  const reader = new ContractBrokerReader({ broker });
  const winners = new MemoryWinnerStore();
  const recipient = new Recipient({
    address: orchestrator.address as `0x${string}`,
    secret: new Uint8Array(32).fill(5),
    hasher,
    reader,
    winners,
    policy: { redeemGas: 100_000n, targetEV: CHEAP_PRICE, paramsLifetime: 300n, graceSeconds: 30n },
  });
  const gateway = new TicketSender({
    sender: gatewayAccount.address as `0x${string}`,
    signer: delegate,
    hasher,
    domain,
    reader,
    nonces: new NonceAllocator({ store: new MemoryNonceStore() }),
    limits: { maxTotalEV: 10n ** 16n, depositMultiplier: 10n },
  });

  const sessions = new MemorySessionStore();
  const sessionSecret = new Uint8Array(32).fill(1);
  const common = {
    recipient,
    sessions,
    chainId: domain.chainId,
    gasPrice: () => Promise.resolve(GAS_PRICE),
    sessionSecret,
  };
  const cheap = createLotteryPaywall({ ...common, price: CHEAP_PRICE, description: "cheap" });
  const infer = createLotteryPaywall({
    ...common,
    price: INFER_MAX,
    mode: "upto",
    perUnit: { price: PER_TOKEN, unit: "token" },
    prepayRequests: 4n,
    description: "inference",
  });

  const app = Fastify();
  await app.register(async (scope) => {
    await scope.register(lotteryPaywallPlugin, { paywall: cheap });
    scope.get("/v1/cheap", async () => ({ ok: true }));
  });
  await app.register(async (scope) => {
    await scope.register(lotteryPaywallPlugin, { paywall: infer });
    scope.post("/v1/infer", async (request) => {
      const { tokens } = request.body as { tokens: number };
      request.lottery?.charge(BigInt(tokens) * PER_TOKEN);
      return { text: "x".repeat(Math.min(tokens, 1000)), tokens };
    });
  });
  app.get("/free", async () => ({ free: true }));
  const address = await app.listen({ port: 0, host: "127.0.0.1" });

  return {
    url: address,
    app,
    recipient,
    sessions,
    winners,
    cheap,
    infer,
    domain,
    gateway,
    delegate,
    handSigner,
    networkHelpers,
    close: () => app.close(),
  };
}
