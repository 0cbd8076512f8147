/**
 * The whole system on the in-process chain, as `npm run demo` shows it: the broker deployed with
 * its Ignition module, a funded gateway whose ticket-signing key lives in the signer service,
 * two payee services (transcoding orchestrators) and an x402-priced inference API on loopback,
 * each on its own SQLite file; a stream of segments paid over HTTP, an agent paying per request,
 * time moved past the params' deadlines, and each orchestrator's redeemer redeeming its winners.
 *
 * {@link runDemo} returns a {@link DemoSummary} in which every figure is measured from what
 * happened (service answers, stores, receipts, events, balances read from the chain).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import Fastify from "fastify";
import { Wallet, id, parseEther, type Eip1193Provider } from "ethers";
import { network } from "hardhat";

import TicketBrokerModule from "../../ignition/modules/TicketBroker.js";
import { ContractBrokerReader } from "../../src/chain/brokerReader.js";
import { CachedBrokerReader } from "../../src/chain/cachedBrokerReader.js";
import { WIN_PROB_SCALE } from "../../src/ticket/ev.js";
import { Rational } from "../../src/math/rational.js";
import { DEFAULT_PARAMS_LIFETIME_SECONDS } from "../../src/recipient/defaults.js";
import { Recipient } from "../../src/recipient/recipient.js";
import { RedeemerDaemon, type RedeemerRoundReport } from "../../src/redeem/daemon.js";
import { redemptionCalldata } from "../../src/redeem/cost.js";
import {
  PayeeClient,
  SignerClient,
  buildPayeeApp,
  buildSignerApp,
  hashApiKey,
  parseServiceConfig,
  type ServiceApp,
} from "../../src/services/index.js";
import { RawKeyTicketSigner } from "../../src/ticket/signTicket.js";
import { openStore } from "../../src/store/openStore.js";
import type { Store } from "../../src/store/types.js";
import { TicketHasher } from "../../src/ticket/ticketDigest.js";
import {
  ticketParamsEV,
  ticketParamsKey,
  type TicketParams,
} from "../../src/ticket/ticketParams.js";
import { readTicketDomain } from "../../src/ticket/ticketTypes.js";
import { decodeTicketParams } from "../../src/wire/index.js";
import { lotteryPaywallPlugin } from "../../src/x402/fastifyPlugin.js";
import {
  payWithSigner,
  wrapFetchWithLottery,
  type LotteryChallenge,
} from "../../src/x402/client.js";
import { createLotteryPaywall } from "../../src/x402/paywall.js";
import {
  TicketBroker__factory,
  type RecipientPool,
  type TicketBroker,
} from "../../typechain-types/index.js";
import { RpcCounter, countingProvider } from "./countingProvider.js";

// ---- The scenario ---------------------------------------------------------------------------

/** A common ABR ladder: 1080p, 720p and 360p at 30 fps, in 2-second segments. */
const LADDER = [
  { width: 1920n, height: 1080n },
  { width: 1280n, height: 720n },
  { width: 640n, height: 360n },
] as const;
const FPS = 30n;
const SEGMENT_SECONDS = 2n;
/** Pixels one segment of the ladder encodes: the unit the transcoders price. */
export const SEGMENT_PIXELS = LADDER.reduce(
  (sum, p) => sum + p.width * p.height * FPS * SEGMENT_SECONDS,
  0n,
);
/** Gas of one redemption and the payee's multiplier: face value = redeemGas × gas price × 100. */
const REDEEM_GAS = 60_000n;
const TX_COST_MULTIPLIER = 100n;
/** About one ticket in WIN_ODDS wins: each ticket carries faceValue / WIN_ODDS of EV. */
const WIN_ODDS = 8n;
/** Transcoders: each prices a pixel at this share (percent) of the base price. */
const TRANSCODERS = [
  { name: "orch-a", pricePercent: 100n },
  { name: "orch-b", pricePercent: 120n },
] as const;
/** The inference API: tokens per answer, from 50 to MAX_TOKENS. */
const MAX_TOKENS = 1_000n;
const GATEWAY_DEPOSIT = parseEther("2");
const GATEWAY_RESERVE = parseEther("1");

/** Demo API keys: not secrets (loopback only, a throwaway chain). */
const KEYS = { gateway: "demo-gateway-key", work: "demo-work-server", agent: "demo-agent-key" };
const API_KEYS = [
  { id: "gateway", sha256: hashApiKey(KEYS.gateway), scopes: ["pay" as const] },
  { id: "work", sha256: hashApiKey(KEYS.work), scopes: ["charge" as const] },
  { id: "agent", sha256: hashApiKey(KEYS.agent), scopes: ["pay" as const] },
];

/** Deterministic keys and secrets (demo only, never for real funds). */
const key = (label: string) => id(`ticketbroker demo ${label}`) as `0x${string}`;

/** Where to read on, if the file exists in this checkout. */
const NEXT_STEPS = [
  { path: "docs/services.md", what: "the signer and payee services, their API and configuration" },
  { path: "docs/x402-lottery.md", what: "the x402 lottery scheme the agent paid with" },
  { path: "docs/redeemer.md", what: "when and how winners are redeemed" },
  { path: "docs/storage.md", what: "SQLite and PostgreSQL stores" },
  { path: "docs/deployment.md", what: "deploying the broker on a local node or Arbitrum" },
  { path: "docs/walkthrough-curl.md", what: "the same payments step by step with curl" },
  { path: "examples/x402-inference/README.md", what: "an x402 inference API and agent to copy" },
  { path: "docs/protocol.md", what: "the ticket protocol and its rules" },
];

// ---- The summary ------------------------------------------------------------------------------

/** The ticket terms a payee issued (params sets with one face value and win probability). */
export interface ParamsSeen {
  readonly payee: string;
  readonly faceValue: bigint;
  readonly winProb: bigint;
  /** EV of one ticket, wei (exact). */
  readonly ev: Rational;
  /** Params sets with these terms that tickets were sent on. */
  readonly sets: number;
  /** Tickets the payee accepted on them. */
  readonly tickets: number;
  /** The latest deadline among those sets (chain seconds). */
  readonly expirationTime: bigint;
}

/** What one orchestrator's redeemer did, and what single redemptions would have cost. */
export interface RedemptionSummary {
  readonly name: string;
  readonly recipient: `0x${string}`;
  /** Winners in the payee's store before redemption. */
  readonly winners: number;
  readonly redeemed: number;
  readonly transactions: number;
  /** Σ gasUsed of the redeemer's receipts. */
  readonly gasUsed: bigint;
  /** Σ gasUsed × effective gas price of those receipts, wei. */
  readonly feesWei: bigint;
  readonly faceValueRedeemed: bigint;
  /** The redeemer's first decision: redeem or wait, why, and the cost it weighed. */
  readonly decision?: {
    action: string;
    reason: string;
    batch: number;
    faceValue: bigint;
    costWei: bigint;
  };
  /** The same winners redeemed one per transaction on a snapshot of the chain, then undone. */
  readonly singles: { count: number; gasUsed: bigint; feesWei: bigint };
  /** The recipient's ETH before and after redemption. */
  readonly ethBefore: bigint;
  readonly ethAfter: bigint;
  /** WinningTicketRedeemed events from the gateway to this recipient: count and Σ face value. */
  readonly events: { count: number; faceValue: bigint };
}

/** Every figure the demo prints, measured from the run. */
export interface DemoSummary {
  readonly chainId: bigint;
  readonly broker: `0x${string}`;
  readonly gateway: `0x${string}`;
  readonly signingKey: `0x${string}`;
  readonly storeDir: string;
  /** Gas price the face values were set from (the chain's maxFeePerGas at start), wei. */
  readonly gasPriceWei: bigint;
  readonly prices: {
    readonly transcoders: { name: string; weiPerPixel: bigint; segmentFee: bigint }[];
    readonly inference: { maxPerRequest: bigint; perRequest: bigint; perToken: bigint };
  };
  readonly params: readonly ParamsSeen[];
  readonly stream: {
    readonly segments: number;
    readonly payments: number;
    /** Payments that needed tickets (the rest were covered by session credit). */
    readonly paymentsWithTickets: number;
    readonly tickets: number;
    readonly evPaid: Rational;
    readonly feesDebited: Rational;
    /** Winners the payees reported in their answers. */
    readonly winnersReported: number;
    readonly seconds: number;
  };
  readonly agent: {
    readonly requests: number;
    readonly requestsWithTickets: number;
    readonly tickets: number;
    readonly evPaid: Rational;
    readonly charged: bigint;
    readonly tokens: bigint;
    /** Winners the inference API reported in its PAYMENT-RESPONSE headers. */
    readonly winnersReported: number;
    readonly seconds: number;
  };
  readonly lottery: {
    readonly tickets: number;
    /** Σ winProb / 2^256 over every ticket sent. */
    readonly expectedWinners: Rational;
    /** Winners in the payees' stores. */
    readonly actualWinners: number;
    readonly evPaid: Rational;
  };
  /** Chain seconds moved forward so that every params set closed. */
  readonly timeAdvanced: bigint;
  readonly redemptions: readonly RedemptionSummary[];
  readonly gatewayFunds: {
    depositBefore: bigint;
    reserveBefore: bigint;
    depositAfter: bigint;
    reserveAfter: bigint;
  };
  /** JSON-RPC requests per component, per method. */
  readonly rpc: readonly { component: string; total: number; byMethod: [string, number][] }[];
  /** Winners still pending, submitted or unredeemable after redemption. */
  readonly unredeemedWinners: number;
  readonly next: readonly { path: string; what: string }[];
  readonly seconds: number;
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Segments streamed, spread over the transcoders (default 100). */
  readonly segments?: number;
  /** Requests the agent makes to the inference API (default 150). */
  readonly requests?: number;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
  /** Keep the SQLite files (default: deleted at the end). */
  readonly keepStores?: boolean;
}

// ---- The run ----------------------------------------------------------------------------------

/**
 * Runs the system once and returns what happened.
 *
 * @example
 * ```ts
 * const summary = await runDemo({ segments: 100, requests: 150, log: console.log });
 * ```
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const segments = options.segments ?? 100;
  const requests = options.requests ?? 150;
  const cleanup: (() => Promise<void>)[] = [];
  const storeDir = await mkdtemp(join(tmpdir(), "ticketbroker-demo-"));
  try {
    // ---- Chain: deploy, fund the gateway, authorise its signing key ----------------------------
    const connection = await network.create();
    const { ethers, ignition, networkHelpers } = connection;
    const raw = connection.provider as unknown as Eip1193Provider;
    const [owner] = await ethers.getSigners();
    if (owner === undefined) throw new Error("the in-process network has no accounts");
    const deployed = await ignition.deploy(TicketBrokerModule, {
      parameters: "ignition/parameters/default.json",
      displayUi: false,
    });
    const broker = deployed.ticketBroker as unknown as TicketBroker;
    const pool = deployed.recipientPool as unknown as RecipientPool;
    const brokerAddress = (await broker.getAddress()) as `0x${string}`;
    const domain = await readTicketDomain(broker);

    const gatewayWallet = new Wallet(key("gateway"), ethers.provider);
    const gateway = gatewayWallet.address as `0x${string}`;
    await networkHelpers.setBalance(gateway, parseEther("10"));
    const signingKey = new RawKeyTicketSigner(key("gateway signing key"));
    const names = [...TRANSCODERS.map((t) => t.name), "orch-infer"];
    const orchWallets = names.map((n) => new Wallet(key(n), ethers.provider));
    for (const w of orchWallets) {
      await networkHelpers.setBalance(w.address, parseEther("1"));
      await (await pool.connect(owner).addRecipient(w.address)).wait();
    }
    const gw = broker.connect(gatewayWallet);
    await (
      await gw.fundDepositAndReserve(GATEWAY_DEPOSIT, GATEWAY_RESERVE, {
        value: GATEWAY_DEPOSIT + GATEWAY_RESERVE,
      })
    ).wait();
    await (await gw.authorizeSigner(signingKey.address)).wait();
    const fundsBefore = await broker.getSenderInfo(gateway);
    log(`Broker ${brokerAddress} on chain ${domain.chainId}`);
    log(
      `Gateway ${gateway}: deposit ${fmtEth(fundsBefore.deposit)}, reserve ${fmtEth(fundsBefore.reserve)}; signing key ${signingKey.address}`,
    );

    // ---- Prices from the chain's fees ------------------------------------------------------------
    const fees = await ethers.provider.getFeeData();
    const gasPriceWei = fees.maxFeePerGas ?? fees.gasPrice ?? 1_000_000_000n;
    const faceValue = REDEEM_GAS * gasPriceWei * TX_COST_MULTIPLIER;
    const targetEV = faceValue / WIN_ODDS;
    const basePricePerPixel = ceilDiv(targetEV, SEGMENT_PIXELS);
    const transcoderPrices = TRANSCODERS.map((t) => {
      const weiPerPixel = (basePricePerPixel * t.pricePercent) / 100n;
      return { name: t.name, weiPerPixel, segmentFee: weiPerPixel * SEGMENT_PIXELS };
    });
    // An inference answer costs at most 1/25 of a face value (a fifth per request, the rest per
    // token): a 10-request prepayment in 4 tickets then carries 1/10 of a face value per ticket.
    const maxPerRequest = faceValue / 25n;
    const perRequest = maxPerRequest / 5n;
    const perToken = (maxPerRequest - perRequest) / MAX_TOKENS;

    // ---- Services: signer, payees, inference API, each with its own counted RPC and store ----
    const counters = new Map<string, RpcCounter>();
    const chainFor = (component: string) => {
      const counter = new RpcCounter();
      counters.set(component, counter);
      const provider = countingProvider(raw, counter, domain.chainId);
      cleanup.push(() => Promise.resolve(provider.destroy()));
      const contract = TicketBroker__factory.connect(brokerAddress, provider);
      const reader = new CachedBrokerReader({
        reader: new ContractBrokerReader({ broker: contract }),
        provider,
      });
      return { provider, reader };
    };
    const stores = new Map<string, { url: string; store: Store }>();
    const storeFor = async (name: string) => {
      const url = `sqlite:${join(storeDir, `${name}.db`)}`;
      const store = await openStore({ url });
      cleanup.push(() => store.close());
      stores.set(name, { url, store });
      return store;
    };

    const signerChain = chainFor("signer");
    const signerApp = buildSignerApp(
      parseServiceConfig("signer", {
        sender: gateway,
        maxTicketEVWei: (faceValue / 2n).toString(),
        maxTotalEVWei: (faceValue * 2n).toString(),
        apiKeys: API_KEYS,
        logLevel: "silent",
      }),
      {
        store: await storeFor("signer"),
        reader: signerChain.reader,
        signer: signingKey,
        domain,
        logger: false,
      },
    );
    const signerUrl = await listen(signerApp, cleanup);
    log(
      `SQLite files in ${storeDir} (${options.keepStores === true ? "kept" : "deleted at the end"})`,
    );
    log(`Signer service   ${signerUrl}  (holds the signing key, signer.db)`);

    const payees: { name: string; url: string; recipient: `0x${string}` }[] = [];
    for (const [i, t] of transcoderPrices.entries()) {
      const wallet = orchWallets[i]!;
      const chain = chainFor(t.name);
      const app = buildPayeeApp(
        parseServiceConfig("payee", {
          recipient: wallet.address,
          targetEVWei: targetEV.toString(),
          redeemGas: REDEEM_GAS.toString(),
          txCostMultiplier: TX_COST_MULTIPLIER.toString(),
          pricePerUnitWei: t.weiPerPixel.toString(),
          priceUnit: "pixel",
          maxTicketsPerPayment: 20,
          redeemer: "external",
          apiKeys: API_KEYS,
          logLevel: "silent",
        }),
        {
          store: await storeFor(t.name),
          reader: chain.reader,
          domain,
          secret: Buffer.from(key(`${t.name} secret`).slice(2), "hex"),
          gasPrice: async () => {
            const f = await chain.provider.getFeeData();
            return f.maxFeePerGas ?? f.gasPrice ?? 0n;
          },
          logger: false,
        },
      );
      const url = await listen(app, cleanup);
      payees.push({ name: t.name, url, recipient: wallet.address as `0x${string}` });
      log(`Payee service    ${url}  (${t.name}.db, ${t.weiPerPixel} wei/pixel)`);
    }

    const inferWallet = orchWallets[TRANSCODERS.length]!;
    const inferName = "orch-infer";
    const inferChain = chainFor(inferName);
    const inferStore = await storeFor(inferName);
    const inferRecipient = new Recipient({
      address: inferWallet.address as `0x${string}`,
      secret: Buffer.from(key(`${inferName} secret`).slice(2), "hex"),
      hasher: new TicketHasher(domain),
      reader: inferChain.reader,
      winners: inferStore.winners,
      replay: inferStore.replay,
      policy: {
        redeemGas: REDEEM_GAS,
        txCostMultiplier: TX_COST_MULTIPLIER,
        targetEV,
        paramsLifetime: DEFAULT_PARAMS_LIFETIME_SECONDS,
      },
    });
    const paywall = createLotteryPaywall({
      recipient: inferRecipient,
      sessions: inferStore.sessions,
      chainId: domain.chainId,
      price: maxPerRequest,
      mode: "upto",
      perUnit: { price: perToken, unit: "token" },
      prepayRequests: 10n,
      ticketsPerPayment: 4n,
      gasPrice: async () => {
        const f = await inferChain.provider.getFeeData();
        return f.maxFeePerGas ?? f.gasPrice ?? 0n;
      },
      sessionSecret: Buffer.from(key("inference sessions").slice(2), "hex"),
      description: "text completion, priced per token",
    });
    const inferApp = Fastify();
    await inferApp.register(async (scope) => {
      await scope.register(lotteryPaywallPlugin, { paywall });
      scope.post("/v1/complete", async (request) => {
        const { prompt, maxTokens } = request.body as { prompt: string; maxTokens: number };
        // The "model": answers with as many tokens as asked (a deterministic stand-in).
        const tokens = BigInt(Math.min(maxTokens, Number(MAX_TOKENS)));
        request.lottery?.charge(perRequest + tokens * perToken);
        return { text: `${prompt} …`, tokens: Number(tokens) };
      });
    });
    const inferUrl = await inferApp.listen({ port: 0, host: "127.0.0.1" });
    cleanup.push(() => inferApp.close());
    log(
      `Inference API    ${inferUrl}/v1/complete  (orch-infer.db, x402 lottery: ${perRequest} wei/request + ${perToken} wei/token)`,
    );

    // ---- Stream: segments through the signer to the payees, debited by the work server -------
    const signer = new SignerClient({ baseUrl: signerUrl, apiKey: KEYS.gateway });
    const terms = new ParamsTally();
    const stream = {
      payments: 0,
      paymentsWithTickets: 0,
      tickets: 0,
      evPaid: Rational.ZERO,
      feesDebited: Rational.ZERO,
      winnersReported: 0,
    };
    const streamStart = Date.now();
    await Promise.all(
      payees.map(async (p, i) => {
        const payee = new PayeeClient({ baseUrl: p.url, apiKey: KEYS.gateway });
        const workServer = new PayeeClient({ baseUrl: p.url, apiKey: KEYS.work });
        const offered = await payee.params(gateway);
        const decoded = decodeTicketParams(offered.params);
        const sessionId = `stream-1-${p.name}`;
        for (let s = i; s < segments; s += payees.length) {
          const units = SEGMENT_PIXELS.toString();
          const paid = await signer.pay({
            params: offered.params,
            sessionId,
            units,
            pricePerUnit: offered.price.weiPerUnit,
            maxPricePerUnit: offered.price.weiPerUnit,
            workId: id(`stream-1 segment ${s}`),
          });
          stream.payments++;
          if (paid.tickets.length > 0) {
            const answer = await payee.pay({
              sessionId,
              payment: {
                version: 1,
                sender: paid.sender,
                params: offered.params,
                tickets: paid.tickets,
              },
            });
            stream.paymentsWithTickets++;
            stream.tickets += answer.accepted;
            stream.winnersReported += answer.tickets.filter((t) => t.won).length;
            stream.evPaid = stream.evPaid.add(terms.add(p.name, decoded, answer.accepted));
          }
          // The orchestrator transcoded the segment: its work server debits the actual fee.
          const fee = BigInt(units) * BigInt(offered.price.weiPerUnit);
          await workServer.debit(sessionId, fee.toString());
          stream.feesDebited = stream.feesDebited.add(fee);
        }
      }),
    );
    const streamSeconds = (Date.now() - streamStart) / 1000;
    log(
      `Streamed ${segments} segments: ${stream.payments} payments, ${stream.tickets} tickets, ${stream.winnersReported} winners (${streamSeconds.toFixed(2)} s)`,
    );

    // ---- Agent: many paid requests, most carried by session credit ---------------------------
    // The agent's tickets come from the signer service (the gateway's key, nonces and budgets).
    const fromSigner = payWithSigner(new SignerClient({ baseUrl: signerUrl, apiKey: KEYS.agent }));
    let lastPaid: TicketParams | undefined;
    const agent = {
      requests: 0,
      requestsWithTickets: 0,
      tickets: 0,
      evPaid: Rational.ZERO,
      charged: 0n,
      tokens: 0n,
      winnersReported: 0,
    };
    const paidFetch = wrapFetchWithLottery(fetch, {
      sender: gateway,
      maxPrice: maxPerRequest,
      pay: async (challenge: LotteryChallenge) => {
        lastPaid = challenge.params;
        return fromSigner(challenge);
      },
      onSettlement: (s) => {
        if (!s.success) return;
        agent.charged += BigInt(s.charged);
        if (s.ticketsAccepted === 0 || lastPaid === undefined) return;
        agent.requestsWithTickets++;
        agent.tickets += s.ticketsAccepted;
        agent.winnersReported += s.winners;
        agent.evPaid = agent.evPaid.add(terms.add(inferName, lastPaid, s.ticketsAccepted));
      },
    });
    const agentStart = Date.now();
    for (let r = 0; r < requests; r++) {
      const maxTokens = 50 + ((r * 373) % Number(MAX_TOKENS - 50n));
      const response = await paidFetch(`${inferUrl}/v1/complete`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: `question ${r}`, maxTokens }),
      });
      if (response.status !== 200) {
        throw new Error(`the inference API answered ${response.status}: ${await response.text()}`);
      }
      const body = (await response.json()) as { tokens: number };
      agent.requests++;
      agent.tokens += BigInt(body.tokens);
    }
    const agentSeconds = (Date.now() - agentStart) / 1000;
    log(
      `Agent made ${agent.requests} paid requests: ${agent.requestsWithTickets} carried tickets (${agent.tickets}), the rest spent session credit (${agentSeconds.toFixed(2)} s)`,
    );

    // ---- Time: past every params deadline plus the recipients' grace -------------------------
    const graceSeconds = inferRecipient.graceSeconds;
    const params = terms.list();
    const lastDeadline = params.reduce((m, p) => (p.expirationTime > m ? p.expirationTime : m), 0n);
    const chainNow = BigInt(await networkHelpers.time.latest());
    const target = lastDeadline + graceSeconds + 1n;
    await networkHelpers.time.increaseTo(target);
    log(
      `Chain time moved ${target - chainNow} s forward, past the last params deadline + ${graceSeconds} s grace`,
    );

    // ---- Redeem: each orchestrator's redeemer on its own connection to the payee's store -----
    const recipients = [
      ...payees.map((p) => ({ name: p.name, recipient: p.recipient })),
      { name: inferName, recipient: inferWallet.address as `0x${string}` },
    ];
    const redemptions: RedemptionSummary[] = [];
    let actualWinners = 0;
    for (const [i, r] of recipients.entries()) {
      const wallet = orchWallets[i]!;
      const winners = await stores.get(r.name)!.store.winners.list({ state: "pending" });
      actualWinners += (await stores.get(r.name)!.store.winners.list()).length;
      // What one transaction per winner would have cost: sent on a snapshot, then undone.
      const singles = { count: 0, gasUsed: 0n, feesWei: 0n };
      if (winners.length > 0) {
        const snapshot = await networkHelpers.takeSnapshot();
        const ordered = [...winners].sort((a, b) =>
          a.ticket.senderNonce < b.ticket.senderNonce ? -1 : 1,
        );
        for (const w of ordered) {
          const tx = await wallet.sendTransaction({
            to: brokerAddress,
            data: redemptionCalldata([w]),
          });
          const receipt = await tx.wait();
          if (receipt === null || receipt.status !== 1) continue;
          singles.count++;
          singles.gasUsed += receipt.gasUsed;
          singles.feesWei += receipt.gasUsed * receipt.gasPrice;
        }
        await snapshot.restore();
      }
      const ethBefore = await ethers.provider.getBalance(r.recipient);
      const chain = chainFor(`redeemer ${r.name}`);
      const redeemerStore = await openStore({ url: stores.get(r.name)!.url });
      let report: RedeemerRoundReport;
      const daemon = new RedeemerDaemon({
        recipient: r.recipient,
        store: redeemerStore.winners,
        locks: redeemerStore.locks,
        reader: chain.reader,
        rpc: chain.provider,
        signer: new Wallet(wallet.privateKey),
        broker: brokerAddress,
        chainId: domain.chainId,
        transactions: { pollIntervalMs: 20, receiptTimeoutMs: 20_000 },
      });
      try {
        report = await daemon.round();
      } finally {
        await daemon.stop();
        await redeemerStore.close();
      }
      const ethAfter = await ethers.provider.getBalance(r.recipient);
      const events = await broker.queryFilter(
        broker.filters.WinningTicketRedeemed(gateway, r.recipient),
        0,
        "latest",
      );
      const settled = [...report.reconciled, ...report.transactions];
      const first = report.decisions[0];
      redemptions.push({
        name: r.name,
        recipient: r.recipient,
        winners: winners.length,
        redeemed: settled.reduce((n, s) => n + s.redeemed.length, 0),
        transactions: report.transactions.length,
        gasUsed: report.gasUsed,
        feesWei: settled.reduce((sum, s) => sum + (s.gasUsed ?? 0n) * (s.gasPrice ?? 0n), 0n),
        faceValueRedeemed: report.paid,
        ...(first === undefined
          ? {}
          : {
              decision: {
                action: first.action,
                reason: first.reason,
                batch: first.batch.length,
                faceValue: first.faceValue,
                costWei: first.costWei,
              },
            }),
        singles,
        ethBefore,
        ethAfter,
        events: {
          count: events.length,
          faceValue: events.reduce((sum, e) => sum + e.args.faceValue, 0n),
        },
      });
      log(
        `Redeemer ${r.name}: ${winners.length} winner(s) due, ${report.transactions.length} transaction(s)` +
          (first === undefined ? "" : ` (decision: ${first.action}, ${first.reason})`),
      );
    }

    let unredeemedWinners = 0;
    for (const { store } of stores.values()) {
      for (const state of ["pending", "submitted", "unredeemable"] as const) {
        unredeemedWinners += (await store.winners.list({ state })).length;
      }
    }
    const fundsAfter = await broker.getSenderInfo(gateway);
    return {
      chainId: domain.chainId,
      broker: brokerAddress,
      gateway,
      signingKey: signingKey.address,
      storeDir,
      gasPriceWei,
      prices: { transcoders: transcoderPrices, inference: { maxPerRequest, perRequest, perToken } },
      params,
      stream: { segments, ...stream, seconds: streamSeconds },
      agent: { ...agent, seconds: agentSeconds },
      lottery: {
        tickets: stream.tickets + agent.tickets,
        expectedWinners: terms.expectedWinners,
        actualWinners,
        evPaid: stream.evPaid.add(agent.evPaid),
      },
      timeAdvanced: target - chainNow,
      redemptions,
      gatewayFunds: {
        depositBefore: fundsBefore.deposit,
        reserveBefore: fundsBefore.reserve,
        depositAfter: fundsAfter.deposit,
        reserveAfter: fundsAfter.reserve,
      },
      rpc: [...counters.entries()].map(([component, c]) => ({
        component,
        total: c.total,
        byMethod: c.byMethod(),
      })),
      unredeemedWinners,
      next: NEXT_STEPS.filter((n) => existsSync(n.path)),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const close of cleanup.reverse()) await close().catch(() => undefined);
    if (options.keepStores !== true) await rm(storeDir, { recursive: true, force: true });
  }
}

/** Tickets accepted per payee and ticket terms, and Σ win probability over them. */
class ParamsTally {
  readonly #groups = new Map<string, ParamsSeen & { keys: Set<string> }>();
  /** Σ winProb / 2^256 over every ticket added. */
  expectedWinners = Rational.ZERO;

  /** Counts `tickets` accepted on `params` by `payee`; returns their EV. */
  add(payee: string, params: TicketParams, tickets: number): Rational {
    const id = `${payee}|${params.faceValue}|${params.winProb}`;
    const g = this.#groups.get(id) ?? {
      payee,
      faceValue: params.faceValue,
      winProb: params.winProb,
      ev: ticketParamsEV(params),
      sets: 0,
      tickets: 0,
      expirationTime: 0n,
      keys: new Set<string>(),
    };
    g.keys.add(ticketParamsKey(params));
    this.#groups.set(id, {
      ...g,
      sets: g.keys.size,
      tickets: g.tickets + tickets,
      expirationTime:
        params.expirationTime > g.expirationTime ? params.expirationTime : g.expirationTime,
    });
    this.expectedWinners = this.expectedWinners.add(
      Rational.of(params.winProb * BigInt(tickets), WIN_PROB_SCALE),
    );
    return g.ev.mul(BigInt(tickets));
  }

  list(): ParamsSeen[] {
    return [...this.#groups.values()].map(({ keys: _keys, ...seen }) => seen);
  }
}

async function listen(app: ServiceApp, cleanup: (() => Promise<void>)[]): Promise<string> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  cleanup.push(() => app.close());
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return `http://127.0.0.1:${address.port}`;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** Wei as ETH with 6 decimals. */
export function fmtEth(wei: bigint | Rational): string {
  return `${Rational.from(wei)
    .div(10n ** 18n)
    .toDecimalString(6)} ETH`;
}
