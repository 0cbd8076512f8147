/**
 * `ticketbroker serve redeemer` over HTTP: `/metrics` with the redeemer's series, `/healthz`
 * with the last round and the role (leader, or standby behind another redeemer on the same
 * database), `/readyz` with the store and the chain; the chain over JSON-RPC from the
 * in-process network.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";
import { network } from "hardhat";

import { startRedeemer } from "../../src/redeem/main.js";
import { jsonRpcEndpoint } from "../support/jsonRpcEndpoint.js";
import { deployBroker } from "../support/deployBroker.js";

const { ethers, provider } = await network.create();

interface Health {
  status: string;
  role: string;
  leader: boolean;
  rounds: number;
  lastRoundAt: string | null;
  lastRoundError?: string;
}

/** GETs `url` until `done` holds for its JSON (or 20 s pass); returns the last answer. */
async function until<T>(url: string, done: (body: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const body = (await (await fetch(url)).json()) as T;
    if (done(body) || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("redeemer process over HTTP", function () {
  this.timeout(120_000);

  it("serves /metrics, /healthz (leader or standby, last round) and /readyz (store, chain)", async function () {
    const [owner] = await ethers.getSigners();
    if (owner === undefined) throw new Error("no account");
    const broker = await deployBroker(owner);
    const rpc = await jsonRpcEndpoint(provider);
    const dir = await mkdtemp(path.join(tmpdir(), "tb-redeemer-http-"));
    const env = {
      TICKETBROKER_RPC_URL: rpc.url,
      TICKETBROKER_BROKER: await broker.getAddress(),
      TICKETBROKER_STORE_URL: `sqlite:${path.join(dir, "payee.db")}`,
      TICKETBROKER_REDEEMER_KEY: Wallet.createRandom().privateKey,
      TICKETBROKER_HOST: "127.0.0.1",
      TICKETBROKER_PORT: "0",
      TICKETBROKER_LOG_LEVEL: "silent",
      TICKETBROKER_INTERVAL_MS: "200",
    };
    const first = await startRedeemer({ env });
    // A second redeemer for the same recipient on the same database waits behind the first.
    const second = await startRedeemer({ env });
    try {
      expect(first.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(first.url).to.not.equal("http://127.0.0.1:0");
      const leader = await until<Health>(`${first.url}/healthz`, (h) => h.rounds > 0);
      expect(leader).to.include({ status: "ok", role: "leader", leader: true });
      expect(Date.parse(leader.lastRoundAt ?? "")).to.be.closeTo(Date.now(), 10_000);
      const standby = await until<Health>(`${second.url}/healthz`, (h) => h.rounds > 0);
      expect(standby).to.include({ status: "ok", role: "standby", leader: false });

      const metrics = await fetch(`${first.url}/metrics`);
      expect(metrics.status).to.equal(200);
      expect(metrics.headers.get("content-type")).to.contain("text/plain");
      const text = await metrics.text();
      expect(text).to.match(/^ticketbroker_redeemer_leader 1$/m);
      expect(text).to.match(/^ticketbroker_redeemer_pending_winners 0$/m);
      expect(text).to.contain("ticketbroker_redeemer_process_cpu_seconds_total");
      expect(await (await fetch(`${second.url}/metrics`)).text()).to.match(
        /^ticketbroker_redeemer_leader 0$/m,
      );

      const ready = await fetch(`${first.url}/readyz`);
      expect(ready.status).to.equal(200);
      expect(await ready.json()).to.deep.equal({
        status: "ready",
        checks: [
          { name: "store", ok: true },
          { name: "chain", ok: true },
        ],
      });
      expect((await fetch(`${first.url}/nothing`)).status).to.equal(404);
      expect((await fetch(`${first.url}/metrics`, { method: "POST" })).status).to.equal(405);

      // The chain goes away: not ready (the chain check names it), still alive, rounds fail.
      await rpc.close();
      const down = await fetch(`${first.url}/readyz`);
      expect(down.status).to.equal(503);
      const body = (await down.json()) as { checks: { name: string; ok: boolean }[] };
      expect(body.checks.map((c) => [c.name, c.ok])).to.deep.equal([
        ["store", true],
        ["chain", false],
      ]);
      const failing = await until<Health>(
        `${first.url}/healthz`,
        (h) => h.lastRoundError !== undefined,
      );
      expect(failing.status).to.equal("ok");
      expect(failing.lastRoundError).to.be.a("string");
    } finally {
      await Promise.all([first.close(), second.close()]);
      await rpc.close();
      await rm(dir, { recursive: true, force: true });
    }
    // Closed: the port no longer answers.
    const after = await fetch(`${first.url}/healthz`).catch((e: unknown) => e);
    expect(after).to.be.instanceOf(Error);
  });
});
