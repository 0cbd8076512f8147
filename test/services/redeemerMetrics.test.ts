/**
 * The payee's in-process redeemer, started by the entry point over JSON-RPC: its series on the
 * payee's `/metrics` and its log lines, tagged `component: "redeemer"`, in the payee's log.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { Registry } from "prom-client";

import { observeRedeemer } from "../../src/redeem/observe.js";
import { loadServiceConfig } from "../../src/services/common/config.js";
import { startPayeeService } from "../../src/services/payee/startPayee.js";
import { jsonRpcEndpoint } from "../support/jsonRpcEndpoint.js";
import { deployBroker } from "../support/deployBroker.js";

const { ethers, provider } = await network.create();

/** Polls `url` until `done(text)` holds (or 20 s pass) and returns the last text. */
async function until(url: string, done: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 20_000;
  let text = "";
  while (Date.now() < deadline) {
    text = await (await fetch(url)).text();
    if (done(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return text;
}

describe("payee: the in-process redeemer's metrics and logs", function () {
  this.timeout(120_000);

  it("exposes the ticketbroker_redeemer_* series on the payee's /metrics", async function () {
    const [owner] = await ethers.getSigners();
    if (owner === undefined) throw new Error("no account");
    const broker = await deployBroker(owner);
    const orchestrator = Wallet.createRandom();
    const rpc = await jsonRpcEndpoint(provider);
    const dir = mkdtempSync(path.join(tmpdir(), "tb-payee-redeemer-"));
    const config = loadServiceConfig({
      service: "payee",
      env: { TICKETBROKER_STORE_URL: `sqlite:${path.join(dir, "payee.db")}` },
      flags: {
        rpcUrl: rpc.url,
        broker: await broker.getAddress(),
        recipient: orchestrator.address,
        targetEVWei: "1000000000000",
        gasPriceWei: "100000000",
        pricePerUnitWei: "0.5",
        logLevel: "silent",
        port: 0,
      },
    });
    const payee = await startPayeeService(config, {
      env: {
        TICKETBROKER_PAYEE_SECRET: "ab".repeat(32),
        TICKETBROKER_REDEEMER_KEY: orchestrator.privateKey,
      },
    });
    try {
      // The first round runs when the app is ready; its snapshot sets the gauges.
      const text = await until(`${payee.url}/metrics`, (t) =>
        /^ticketbroker_redeemer_leader 1$/m.test(t),
      );
      expect(text).to.match(/^ticketbroker_redeemer_leader 1$/m);
      expect(text).to.match(/^ticketbroker_redeemer_pending_winners 0$/m);
      expect(text).to.match(/^ticketbroker_redeemer_pending_face_value_wei 0$/m);
      expect(text).to.match(/^ticketbroker_redeemer_senders_cannot_pay 0$/m);
      expect(text).to.match(/^ticketbroker_redeemer_winners_near_expiry 0$/m);
      expect(text).to.match(/^ticketbroker_redeemer_redeemed_winners_total 0$/m);
      for (const series of ["unredeemable_winners_total", "cost_ratio", "round_errors_total"]) {
        expect(text).to.contain(`# TYPE ticketbroker_redeemer_${series}`);
      }
      // The payee's own series are still there, in the same registry.
      expect(text).to.contain("ticketbroker_payee_payments_total");
    } finally {
      await payee.close();
      await rpc.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("logs each round at info, a failed one at warn, and records the status /healthz reports", function () {
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const logger = {
      info: (fields: Record<string, unknown>, message: string) =>
        lines.push({ level: "info", fields, message }),
      warn: (fields: Record<string, unknown>, message: string) =>
        lines.push({ level: "warn", fields, message }),
    };
    let now = 1_000;
    const registry = new Registry();
    const observer = observeRedeemer({ registry, logger, clock: () => now });
    expect(observer.status()).to.deep.equal({
      rounds: 0,
      lastRoundAt: undefined,
      leader: false,
      lastError: undefined,
    });
    const snapshot = {
      leader: true,
      pendingCount: 2,
      pendingFaceValue: 5n,
      submittedCount: 0,
      redeemedCount: 0,
      redeemedFaceValue: 0n,
      unredeemableByReason: { SenderRevokedError: 1 },
      costRatio: 0.25,
      l1CostWei: 0n,
      l2CostWei: 0n,
      sendersCannotPay: 1,
      nearExpiry: 0,
      gasUsed: 0n,
    };
    observer.metrics.onRound?.(snapshot);
    now = 2_000;
    observer.metrics.onRound?.({ ...snapshot, leader: false, error: "RPC down" });
    expect(lines.map((l) => [l.level, l.message])).to.deep.equal([
      ["info", "redeemer round"],
      ["warn", "redeemer round"],
    ]);
    expect(lines[0]!.fields).to.include({ pending: 2, pendingFaceValue: "5", sendersCannotPay: 1 });
    expect(lines[1]!.fields).to.include({ error: "RPC down" });
    expect(observer.status()).to.deep.equal({
      rounds: 2,
      lastRoundAt: 2_000,
      leader: false,
      lastError: "RPC down",
    });
    observer.log({ action: "wait" }, "redemption decision");
    expect(lines[2]).to.deep.equal({
      level: "info",
      fields: { action: "wait" },
      message: "redemption decision",
    });
  });
});
