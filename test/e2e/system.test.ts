/**
 * The whole system across separate OS processes: a `hardhat node` with the broker deployed by its
 * Ignition module, one embedded PostgreSQL server, and four `ticketbroker serve` processes — the
 * signer (the gateway's key from an environment variable, its own database), the payee (the
 * orchestrator's secret, `redeemer: external`) and two redeemers (the orchestrator's key) on the
 * payee's database. The test process is the gateway and the orchestrator's work server: it pays
 * 200 segments in four concurrent sessions with the typed clients, kills the redeemer that holds
 * the leader lock, moves chain time past every params deadline plus grace, waits for the other
 * redeemer to redeem every winner, and checks that the money adds up on chain and in the stores.
 * (The payee service has no x402 route in its configuration, so no x402 request is made here.)
 *
 * It takes about half a minute once the contracts are built (the first run builds the production
 * profile into .build-e2e), so it runs only with TICKETBROKER_E2E=1 (as `npm test` sets):
 *   TICKETBROKER_E2E=1 npx hardhat test mocha test/e2e/system.test.ts
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider, Network, Wallet, parseEther } from "ethers";

import { WIN_PROB_SCALE, ticketEV } from "../../src/ticket/ev.js";
import { Rational } from "../../src/math/rational.js";
import { hashApiKey } from "../../src/services/common/apiKeys.js";
import { PayeeClient, SignerClient } from "../../src/services/index.js";
import { openStore } from "../../src/store/openStore.js";
import type { Store } from "../../src/store/types.js";
import {
  RecipientPool__factory,
  TicketBroker__factory,
  type TicketBroker,
} from "../../typechain-types/index.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { E2E, deployBroker, removeDeployment, rpc, startNode } from "../support/hardhatNode.js";
import { BIN, ROOT, killChild, startChild, stopChild, type Child } from "../support/processes.js";

/** Segments the gateway pays, in `STREAMS` concurrent sessions. */
const SEGMENTS = 200;
const STREAMS = 4;
/** Fresh params from the payee every this many segments of a stream. */
const PARAMS_EVERY = 25;
/**
 * Prices: the payee's face value is redeemGas (60,000) × gas price (1 gwei, fixed) × 100 =
 * 0.006 ETH; a target EV of a tenth of it gives win probability 0.1; a 2-second segment at
 * 2.5e14 wei per second costs 5/6 of one ticket's EV, so one segment in six is paid from the
 * credit the others left. So ~167 tickets and ~17 winners.
 */
const GAS_PRICE_WEI = 10n ** 9n;
const TARGET_EV_WEI = 6n * 10n ** 14n;
const PRICE_PER_SECOND_WEI = 25n * 10n ** 13n;
const SEGMENT_SECONDS = 2n;
const PARAMS_LIFETIME = 300n;
/** The payee's grace after a params deadline (Recipient's default). */
const GRACE = 60n;
/** Winners per redemption transaction. */
const MAX_BATCH = 4;
/**
 * The deposit pays about eight winners; the reserve (the orchestrator is the pool's only
 * recipient, so it may claim all of it) pays the rest.
 */
const DEPOSIT = parseEther("0.05");
const RESERVE = parseEther("0.5");

const KEYS = { gateway: "system-gateway-key-1", work: "system-work-server-1" } as const;
const API_KEYS = JSON.stringify([
  { id: "gateway", sha256: hashApiKey(KEYS.gateway), scopes: ["pay"] },
  { id: "work", sha256: hashApiKey(KEYS.work), scopes: ["charge"] },
]);

/** The `ticketbroker serve <service>` command line, through the repository's launcher. */
function serve(service: string, flags: Record<string, string>): [string, string[]] {
  return [
    path.join(BIN, "node"),
    [
      path.join(ROOT, "bin", "ticketbroker.cjs"),
      "serve",
      service,
      ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v]),
    ],
  ];
}

/** A provider that caches nothing: the test mines and reads within milliseconds. */
function provider(url: string): JsonRpcProvider {
  return new JsonRpcProvider(url, Network.from(31337n), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
  });
}

/** The ticket EV a payee answer reports: "n" or "n/d" wei. */
function wei(text: string): Rational {
  const slash = text.indexOf("/");
  return slash < 0
    ? Rational.of(BigInt(text))
    : Rational.of(BigInt(text.slice(0, slash)), BigInt(text.slice(slash + 1)));
}

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  explain: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms\n${explain()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("end to end across processes: hardhat node, PostgreSQL, signer, payee, redeemer", function () {
  this.timeout(240_000);

  let pg: TestPostgres | undefined;
  let node: ChildProcess | undefined;
  let nodeUrl = "";
  let deploymentId = "";
  let chain: JsonRpcProvider | undefined;
  let payeeStore: Store | undefined;
  const children: Child[] = [];

  /** Every child's output, for a failure message. */
  const outputs = () =>
    children.map((c) => `---- ${c.name} ----\n${c.output().slice(-6_000)}`).join("\n");

  before(async function () {
    if (!E2E) this.skip();
    pg = await startPostgres();
    ({ url: nodeUrl, node } = await startNode());
    deploymentId = `e2e-system-${new URL(nodeUrl).port}`;
  });

  afterEach(function () {
    // A failure shows what each service said.
    if (this.currentTest?.state === "failed") console.log(outputs());
  });

  after(async function () {
    await payeeStore?.close().catch(() => undefined);
    chain?.destroy();
    // Services first (they close their database connections), then the chain and the database.
    await Promise.all(children.map((c) => stopChild(c.process)));
    if (node !== undefined) await stopChild(node);
    await pg?.stop();
    if (deploymentId !== "") await removeDeployment(deploymentId);
  });

  it("pays 200 segments through the signer and the payee; a redeemer process takes over from a killed one and redeems every winner once; the money adds up", async function () {
    if (pg === undefined) throw new Error("no PostgreSQL");
    const started = Date.now();
    // The children see no TICKETBROKER_* setting of this process: only the ones given here.
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith("TICKETBROKER_")),
      ),
      PATH: `${BIN}${path.delimiter}${process.env["PATH"] ?? ""}`,
      TICKETBROKER_LOCALHOST_URL: nodeUrl,
    };

    // ---- The chain: the broker deployed as a person deploys it. ----
    const addresses = await deployBroker({ network: "localhost", deploymentId, env });
    const brokerAddress = addresses["TicketBroker#TicketBroker"] ?? "";
    expect(brokerAddress).to.match(/^0x[0-9a-fA-F]{40}$/);
    const deployed = Date.now();

    chain = provider(nodeUrl);
    const gateway = Wallet.createRandom().connect(chain);
    const orchestrator = Wallet.createRandom().connect(chain);
    const tenEth = `0x${parseEther("10").toString(16)}`;
    await rpc(nodeUrl, "hardhat_setBalance", [gateway.address, tenEth]);
    await rpc(nodeUrl, "hardhat_setBalance", [orchestrator.address, tenEth]);
    const broker: TicketBroker = TicketBroker__factory.connect(brokerAddress, gateway);
    await (
      await broker.fundDepositAndReserve(DEPOSIT, RESERVE, { value: DEPOSIT + RESERVE })
    ).wait();
    // The pool's owner (the deploying account of the node) makes the orchestrator eligible.
    const pool = RecipientPool__factory.connect(
      addresses["TicketBroker#RecipientPool"] ?? "",
      await chain.getSigner(0),
    );
    await (await pool.addRecipient(orchestrator.address)).wait();
    const fundedInfo = await broker.getSenderInfo(gateway.address);
    const fundedTotal = fundedInfo.deposit + fundedInfo.reserve;
    expect(fundedTotal).to.equal(DEPOSIT + RESERVE);
    const orchestratorBefore = await chain.getBalance(orchestrator.address);
    const firstBlock = await chain.getBlockNumber();

    // ---- The services, each its own process, on PostgreSQL. ----
    const signerDb = await pg.createDatabase();
    const payeeDb = await pg.createDatabase();
    const common = {
      rpcUrl: nodeUrl,
      broker: brokerAddress,
      port: "0",
      logLevel: "warn",
      apiKeys: API_KEYS,
    };
    const signer = startChild(
      "signer",
      ...serve("signer", {
        ...common,
        storeUrl: signerDb,
        sender: gateway.address,
        maxTicketEVWei: (10n ** 15n).toString(),
        maxTotalEVWei: (10n ** 16n).toString(),
      }),
      { ...env, TICKETBROKER_SIGNER_KEY: gateway.privateKey },
    );
    children.push(signer);
    const payee = startChild(
      "payee",
      ...serve("payee", {
        ...common,
        storeUrl: payeeDb,
        recipient: orchestrator.address,
        redeemer: "external",
        gasPriceWei: GAS_PRICE_WEI.toString(),
        targetEVWei: TARGET_EV_WEI.toString(),
        pricePerUnitWei: PRICE_PER_SECOND_WEI.toString(),
        priceUnit: "second",
        paramsLifetimeSeconds: PARAMS_LIFETIME.toString(),
      }),
      { ...env, TICKETBROKER_PAYEE_SECRET: randomBytes(32).toString("hex") },
    );
    children.push(payee);
    // Two redeemers on the payee's database (a fleet of one orchestrator), started at the same
    // time as the payee: the store applies its migrations under a lock, so the processes opening
    // the new database queue; the store's leader lock lets one of them act.
    const redeemers = [1, 2].map((n) =>
      startChild(
        `redeemer-${n}`,
        ...serve("redeemer", {
          rpcUrl: nodeUrl,
          broker: brokerAddress,
          storeUrl: payeeDb,
          // Each its own free port for /metrics, /healthz, /readyz (the default 8937 is one).
          port: "0",
          intervalMs: "1000",
          confirmations: "1",
          // Small batches: several transactions, each with its own account nonce, in one round.
          "max-batch-size": String(MAX_BATCH),
        }),
        { ...env, TICKETBROKER_REDEEMER_KEY: orchestrator.privateKey },
      ),
    );
    children.push(...redeemers);
    const [signerUrl, payeeUrl] = await Promise.all(
      [signer, payee].map(
        async (c) => (await c.waitFor(/listening on (http:\/\/\S+)/, 90_000))[1]!,
      ),
    );
    await Promise.all(redeemers.map((r) => r.waitFor(/redeemer started/, 90_000)));
    const servicesUp = Date.now();

    // ---- The gateway pays a stream of segments; the work server debits each one. ----
    const signerClient = new SignerClient({ baseUrl: signerUrl!, apiKey: KEYS.gateway });
    const payeeClient = new PayeeClient({ baseUrl: payeeUrl!, apiKey: KEYS.gateway });
    const workServer = new PayeeClient({ baseUrl: payeeUrl!, apiKey: KEYS.work });
    expect((await signerClient.sender()).sender).to.equal(gateway.address);
    for (const url of [signerUrl!, payeeUrl!]) {
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status, `${url}/readyz: ${await ready.text()}`).to.equal(200);
    }

    let tickets = 0;
    let winners = 0;
    let expectedWinners = Rational.ZERO;
    let nothingToPay = 0;
    let signedEV = Rational.ZERO;
    const acceptedEV = new Map<string, Rational>();
    const nonces = new Set<string>();
    const signerSessions = new Map<
      string,
      { balance: string; credited: string; debited: string }
    >();
    const stream = async (s: number) => {
      const sessionId = `stream-${s}`;
      let offer = await payeeClient.params(gateway.address);
      acceptedEV.set(sessionId, Rational.ZERO);
      for (let i = 0; i < SEGMENTS / STREAMS; i++) {
        if (i > 0 && i % PARAMS_EVERY === 0) offer = await payeeClient.params(gateway.address);
        const signed = await signerClient.pay({
          params: offer.params,
          sessionId,
          units: SEGMENT_SECONDS.toString(),
          pricePerUnit: offer.price.weiPerUnit,
        });
        expect(signed.fee).to.equal((PRICE_PER_SECOND_WEI * SEGMENT_SECONDS).toString());
        signerSessions.set(sessionId, signed.session);
        if (signed.nothingToPay) {
          expect(signed.tickets).to.deep.equal([]);
          nothingToPay++;
        } else {
          for (const t of signed.tickets) {
            nonces.add(t.ticket.senderNonce);
            const ev = ticketEV(BigInt(t.ticket.faceValue), BigInt(t.ticket.winProb));
            signedEV = signedEV.add(ev);
            expectedWinners = expectedWinners.add(
              Rational.of(BigInt(t.ticket.winProb), WIN_PROB_SCALE),
            );
          }
          const paid = await payeeClient.pay({
            sessionId,
            payment: {
              version: 1,
              sender: signed.sender,
              params: offer.params,
              tickets: signed.tickets,
            },
          });
          expect(paid.refused, JSON.stringify(paid.tickets)).to.equal(0);
          for (const t of paid.tickets) {
            tickets++;
            if (t.won) winners++;
            acceptedEV.set(sessionId, acceptedEV.get(sessionId)!.add(wei(t.ev)));
          }
        }
        await workServer.debit(sessionId, signed.fee);
      }
    };
    await Promise.all(Array.from({ length: STREAMS }, (_, s) => stream(s)));
    const paidAt = Date.now();

    // Credited once per accepted ticket: each payee session holds exactly the EV it accepted,
    // the same the signer signed, and both sides agree on every balance.
    let credited = Rational.ZERO;
    for (const [sessionId, ev] of acceptedEV) {
      const session = await workServer.session(sessionId);
      expect(wei(session.credited).equals(ev), sessionId).to.equal(true);
      expect(
        wei(session.debited).equals(
          Rational.of(PRICE_PER_SECOND_WEI * SEGMENT_SECONDS * BigInt(SEGMENTS / STREAMS)),
        ),
      ).to.equal(true);
      // The gateway's view (the signer's session) and the orchestrator's agree to the wei.
      const { balance, credited: c, debited: d } = session;
      expect({ balance, credited: c, debited: d }, sessionId).to.deep.equal(
        signerSessions.get(sessionId),
      );
      credited = credited.add(ev);
    }
    expect(credited.equals(signedEV)).to.equal(true);
    expect(tickets).to.be.greaterThan(SEGMENTS / 2);
    // The signer allocated every nonce once across the concurrent sessions.
    expect(nonces.size).to.equal(tickets);
    expect(nothingToPay, "no segment was paid from credit").to.be.greaterThan(0);
    const metrics = await (await fetch(`${payeeUrl}/metrics`)).text();
    expect(metrics).to.match(new RegExp(`^ticketbroker_payee_winners_total ${winners}$`, "m"));
    expect(winners, "no ticket won: nothing to redeem").to.be.greaterThan(0);

    // Every winner the payee accepted is in its store, waiting for its params to close.
    payeeStore = await openStore({ url: payeeDb });
    const stored = await payeeStore.winners.list();
    expect(stored).to.have.length(winners);
    expect(stored.every((w) => w.state === "pending")).to.equal(true);

    // ---- The acting redeemer dies (SIGKILL) before anything is due; the other takes over. ----
    const leaderLine = /"leader":true/;
    await until(
      "no redeemer became the leader",
      30_000,
      async () => (redeemers.some((r) => leaderLine.test(r.output())) ? true : undefined),
      outputs,
    );
    const leaders = redeemers.filter((r) => leaderLine.test(r.output()));
    expect(
      leaders.map((r) => r.name),
      "leaders",
    ).to.have.length(1);
    const [leader] = leaders;
    const survivor = redeemers.find((r) => r !== leader)!;
    await killChild(leader!.process);

    // ---- Chain time past every params deadline plus grace: the winners fall due. ----
    await rpc(nodeUrl, "evm_increaseTime", [Number(PARAMS_LIFETIME + GRACE + 30n)]);
    await rpc(nodeUrl, "evm_mine");
    const store = payeeStore;
    await until(
      "the redeemer did not redeem every winner",
      90_000,
      async () => {
        const redeemed = await store.winners.list({ state: "redeemed" });
        return redeemed.length === winners ? redeemed : undefined;
      },
      outputs,
    );
    const redeemedAt = Date.now();
    expect(survivor.output()).to.match(leaderLine);

    // ---- Every winner redeemed, each exactly once on chain. ----
    const final = await store.winners.list();
    expect(final.map((w) => w.state)).to.deep.equal(final.map(() => "redeemed"));
    const events = await broker.queryFilter(
      broker.filters.WinningTicketRedeemed(gateway.address, orchestrator.address),
      firstBlock,
      "latest",
    );
    const paidPerNonce = new Map<bigint, number>();
    let faceRedeemed = 0n;
    for (const e of events) {
      paidPerNonce.set(e.args.senderNonce, (paidPerNonce.get(e.args.senderNonce) ?? 0) + 1);
      faceRedeemed += e.args.faceValue;
    }
    expect([...paidPerNonce.keys()].sort((a, b) => (a < b ? -1 : 1))).to.deep.equal(
      final.map((w) => w.ticket.senderNonce).sort((a, b) => (a < b ? -1 : 1)),
    );
    expect([...paidPerNonce.values()].every((n) => n === 1)).to.equal(true);
    expect(faceRedeemed).to.equal(final.reduce((sum, w) => sum + w.ticket.faceValue, 0n));
    for (const w of final) {
      const event = events.find((e) => e.args.senderNonce === w.ticket.senderNonce);
      expect(w.txHash, `nonce ${w.ticket.senderNonce}`).to.equal(event?.transactionHash);
    }

    // ---- The money: the gateway's funds fell by Σ face value; the orchestrator got it, less gas. ----
    const afterInfo = await broker.getSenderInfo(gateway.address);
    expect(fundedTotal - (afterInfo.deposit + afterInfo.reserve)).to.equal(faceRedeemed);
    if (faceRedeemed > DEPOSIT) {
      // The deposit pays first; what it could not pay came from the reserve.
      expect(afterInfo.deposit).to.equal(0n);
      expect(RESERVE - afterInfo.reserve).to.equal(faceRedeemed - DEPOSIT);
    } else {
      expect(afterInfo.reserve).to.equal(RESERVE);
    }
    let gas = 0n;
    const transactions = new Set<string>();
    for (let b = firstBlock; b <= (await chain.getBlockNumber()); b++) {
      const block = await chain.getBlock(b, true);
      for (const tx of block?.prefetchedTransactions ?? []) {
        if (tx.from.toLowerCase() !== orchestrator.address.toLowerCase()) continue;
        const receipt = await chain.getTransactionReceipt(tx.hash);
        if (receipt === null) throw new Error(`no receipt for ${tx.hash}`);
        gas += receipt.gasUsed * receipt.gasPrice;
        transactions.add(tx.hash);
      }
    }
    expect(new Set(events.map((e) => e.transactionHash))).to.deep.equal(transactions);
    expect(transactions.size).to.equal(Math.ceil(winners / MAX_BATCH));
    const orchestratorAfter = await chain.getBalance(orchestrator.address);
    expect(orchestratorAfter - orchestratorBefore + gas).to.equal(faceRedeemed);

    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      `      system: ${tickets} tickets for ${SEGMENTS} segments (${nothingToPay} covered by credit), ` +
        `${winners} winners (expected ${expectedWinners.toDecimalString(1)}), ` +
        `${transactions.size} redemption transaction(s), face value ${faceRedeemed} wei ` +
        `(${RESERVE - afterInfo.reserve} from the reserve), gas ${gas} wei; ` +
        `deployed in ${seconds(deployed - started)}, services up in ${seconds(servicesUp - deployed)}, paid in ${seconds(paidAt - servicesUp)}, ` +
        `redeemed ${seconds(redeemedAt - paidAt)} after the payments`,
    );
  });
});
