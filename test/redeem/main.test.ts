/** The redeemer process's settings: file, environment, defaults, and what is refused. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { RedeemerConfigError, loadRedeemerConfig, startRedeemer } from "../../src/redeem/main.js";
import { parseServiceConfig } from "../../src/services/common/config.js";

const BROKER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("redeemer process settings", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "redeemer-config-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the file, lets the environment override it, and fills the defaults", async () => {
    const file = path.join(dir, "redeemer.json");
    await writeFile(
      file,
      JSON.stringify({
        rpcUrl: "http://file",
        broker: BROKER,
        storeUrl: "memory:",
        marginBps: 2500,
      }),
    );
    const config = loadRedeemerConfig({
      configFile: file,
      env: { TICKETBROKER_RPC_URL: "http://env", TICKETBROKER_EXPIRY_MARGIN_SECONDS: "600" },
    });
    expect(config).to.deep.equal({
      rpcUrl: "http://env",
      broker: BROKER,
      storeUrl: "memory:",
      intervalMs: 15_000,
      marginBps: 2_500n,
      expiryMarginSeconds: 600n,
      maxBatchSize: 50,
      confirmations: 1,
      graceSeconds: 60n,
      host: "127.0.0.1",
      port: 8937,
      logLevel: "info",
    });
  });

  it("redeems from the payee's default store and listens where TICKETBROKER_HOST/PORT say", () => {
    const env = { TICKETBROKER_RPC_URL: "http://x", TICKETBROKER_BROKER: BROKER };
    const defaults = loadRedeemerConfig({ env });
    expect(defaults.storeUrl).to.equal("sqlite:./ticketbroker-payee.db");
    expect(defaults.storeUrl).to.equal(
      parseServiceConfig("payee", {
        recipient: BROKER,
        targetEVWei: "1",
        pricePerUnitWei: "1",
      }).storeUrl,
    );
    expect([defaults.host, defaults.port]).to.deep.equal(["127.0.0.1", 8937]);
    const moved = loadRedeemerConfig({
      env: { ...env, TICKETBROKER_HOST: "0.0.0.0", TICKETBROKER_PORT: "9000" },
      flags: { port: "65535" },
    });
    expect([moved.host, moved.port]).to.deep.equal(["0.0.0.0", 65535]);
    expect(() => loadRedeemerConfig({ env: { ...env, TICKETBROKER_PORT: "65536" } }))
      .to.throw(RedeemerConfigError, /port must be at most 65535/)
      .with.property("hint")
      .that.contains("TICKETBROKER_PORT");
    expect(() => loadRedeemerConfig({ env: { ...env, TICKETBROKER_LOG_LEVEL: "loud" } })).to.throw(
      RedeemerConfigError,
      /logLevel/,
    );
  });

  it("names the variable of a missing setting and refuses a malformed one", () => {
    // The broker may be left out (found in Ignition's record at start: brokerRecord.test.ts);
    // the chain may not.
    expect(() => loadRedeemerConfig({ env: { TICKETBROKER_BROKER: BROKER } }))
      .to.throw(RedeemerConfigError)
      .with.property("hint")
      .that.contains("TICKETBROKER_RPC_URL");
    expect(loadRedeemerConfig({ env: { TICKETBROKER_RPC_URL: "http://x" } }).broker).to.equal(
      undefined,
    );
    expect(() =>
      loadRedeemerConfig({
        env: {
          TICKETBROKER_RPC_URL: "http://x",
          TICKETBROKER_BROKER: BROKER,
          TICKETBROKER_STORE_URL: "memory:",
          TICKETBROKER_MARGIN_BPS: "-1",
        },
      }),
    ).to.throw(RedeemerConfigError, /marginBps/);
  });

  it("refuses to start without the recipient's key", async () => {
    const err = await startRedeemer({
      env: {
        TICKETBROKER_RPC_URL: "http://127.0.0.1:1",
        TICKETBROKER_BROKER: BROKER,
        TICKETBROKER_STORE_URL: "memory:",
      },
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RedeemerConfigError);
    expect((err as RedeemerConfigError).hint).to.contain("TICKETBROKER_REDEEMER_KEY");
  });
});
