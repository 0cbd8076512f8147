/**
 * The configurations in examples/config/ that the README starts the services with on a local
 * `hardhat node`: each one loads as its service's settings, names the Hardhat test accounts it
 * says, and configures the API keys its README gives.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";

import { Wallet } from "ethers";

import { ApiKeyRing } from "../../src/services/common/apiKeys.js";
import { loadServiceConfig } from "../../src/services/common/config.js";
import { loadRedeemerConfig } from "../../src/redeem/main.js";

const DIR = "examples/config";
const BROKER = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
/** Hardhat's test accounts #0 and #1 (printed by every `hardhat node`). */
const ACCOUNT_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ACCOUNT_1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const env = { TICKETBROKER_BROKER: BROKER };

function keyIds(ring: ApiKeyRing, key: string): { id: string; scopes: readonly string[] } {
  const client = ring.authenticate(`Bearer ${key}`);
  return { id: client.id, scopes: client.scopes };
}

describe("examples/config", function () {
  it("signer.local.json: account #0 as sender, the gateway key with pay, its own SQLite file", function () {
    const config = loadServiceConfig({
      service: "signer",
      file: `${DIR}/signer.local.json`,
      env,
      flags: {},
    });
    expect(config.sender).to.equal(new Wallet(ACCOUNT_0).address);
    expect(config.broker).to.equal(BROKER);
    expect(config).to.include({
      rpcUrl: "http://127.0.0.1:8545",
      port: 8935,
      storeUrl: "sqlite:./signer.local.db",
    });
    const ring = new ApiKeyRing({ keys: config.apiKeys });
    expect(keyIds(ring, "local-gateway-key")).to.deep.equal({ id: "gateway-1", scopes: ["pay"] });
    expect(() => ring.authenticate("Bearer local-work-key")).to.throw("Unknown API key");
  });

  it("payee.local.json: account #1 as recipient, gateway and work-server keys, its own SQLite file", function () {
    const config = loadServiceConfig({
      service: "payee",
      file: `${DIR}/payee.local.json`,
      env,
      flags: {},
    });
    expect(config.recipient).to.equal(new Wallet(ACCOUNT_1).address);
    expect(config).to.include({
      rpcUrl: "http://127.0.0.1:8545",
      port: 8936,
      storeUrl: "sqlite:./payee.local.db",
      redeemer: "in-process",
    });
    const ring = new ApiKeyRing({ keys: config.apiKeys });
    expect(keyIds(ring, "local-gateway-key")).to.deep.equal({ id: "gateway-1", scopes: ["pay"] });
    expect(keyIds(ring, "local-work-key")).to.deep.equal({
      id: "work-server",
      scopes: ["charge"],
    });
  });

  it("redeemer.local.json: the payee's database and node", function () {
    const payee = JSON.parse(readFileSync(`${DIR}/payee.local.json`, "utf8")) as {
      storeUrl: string;
      rpcUrl: string;
    };
    const config = loadRedeemerConfig({ configFile: `${DIR}/redeemer.local.json`, env });
    expect(config).to.include({
      storeUrl: payee.storeUrl,
      rpcUrl: payee.rpcUrl,
      broker: BROKER,
      intervalMs: 5000,
      port: 8937,
    });
  });
});
