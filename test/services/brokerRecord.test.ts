/**
 * A service (or the redeemer) started without a `broker` setting finds the TicketBroker for its
 * chain's id in Ignition's record (`ignition/deployments/chain-<id>/deployed_addresses.json`),
 * as `npx hardhat ignition deploy` leaves it; without a record it says which file it looked for.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { RedeemerConfigError, startRedeemer } from "../../src/redeem/main.js";
import { connectChain, resolveServiceBroker } from "../../src/services/common/chain.js";
import { ServiceConfigError } from "../../src/services/common/errors.js";
import { deployBroker } from "../support/deployBroker.js";
import { jsonRpcEndpoint } from "../support/jsonRpcEndpoint.js";
import { payeeConfig } from "./support.js";

const { ethers, provider } = await network.create();

const ADDRESS = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const CHECKSUMMED = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

function record(root: string, chainId: bigint, content: string): string {
  const dir = path.join(root, "ignition", "deployments", `chain-${chainId}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "deployed_addresses.json");
  writeFileSync(file, content);
  return file;
}

const onChain = (chainId: bigint) => ({ getNetwork: () => Promise.resolve({ chainId }) });

/** A JSON-RPC endpoint that only knows its chain id. */
async function chainIdOnly(chainId: bigint): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const m = JSON.parse(body) as { id: unknown; method: string };
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify(
          m.method === "eth_chainId"
            ? { jsonrpc: "2.0", id: m.id, result: `0x${chainId.toString(16)}` }
            : { jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "not here" } },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const a = server.address();
  if (a === null || typeof a === "string") throw new Error("no address");
  return { url: `http://127.0.0.1:${a.port}`, server };
}

describe("the broker from Ignition's record", function () {
  this.timeout(60_000);
  let root: string;
  beforeEach(function () {
    root = mkdtempSync(path.join(tmpdir(), "tb-record-"));
  });
  afterEach(function () {
    rmSync(root, { recursive: true, force: true });
  });

  it("takes the broker of the chain's own record, checksummed", async function () {
    record(root, 777n, JSON.stringify({ "TicketBroker#TicketBroker": ADDRESS }));
    record(root, 778n, JSON.stringify({ "TicketBroker#TicketBroker": `0x${"11".repeat(20)}` }));
    expect(await resolveServiceBroker({ provider: onChain(777n), root })).to.equal(CHECKSUMMED);
  });

  it("names the record it looked for when there is none, or it holds no broker", async function () {
    for (const content of [undefined, "{not json", JSON.stringify({ "Other#Thing": ADDRESS })]) {
      if (content !== undefined) record(root, 777n, content);
      const err = await resolveServiceBroker({ provider: onChain(777n), root }).catch(
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ServiceConfigError);
      const e = err as ServiceConfigError;
      expect(e.message).to.contain("chain 777");
      expect(e.details["record"]).to.equal(
        path.join(root, "ignition", "deployments", "chain-777", "deployed_addresses.json"),
      );
      expect(e.hint).to.contain("TICKETBROKER_BROKER");
      expect(e.hint).to.contain(path.join("ignition", "deployments", "chain-777"));
    }
  });

  it("says the chain cannot be reached when the chain id cannot be read", async function () {
    const down = { getNetwork: () => Promise.reject(new Error("connect ECONNREFUSED")) };
    const err = await resolveServiceBroker({ provider: down, root }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ServiceConfigError);
    expect((err as ServiceConfigError).hint).to.contain("rpcUrl");
  });

  it("connects a service with no broker setting to the recorded broker", async function () {
    const [owner] = await ethers.getSigners();
    if (owner === undefined) throw new Error("no account");
    const broker = await deployBroker(owner);
    const address = await broker.getAddress();
    const chainId = (await ethers.provider.getNetwork()).chainId;
    record(root, chainId, JSON.stringify({ "TicketBroker#TicketBroker": address }));
    const endpoint = await jsonRpcEndpoint(provider);
    try {
      const chain = await connectChain(payeeConfig({ rpcUrl: endpoint.url }), { root });
      try {
        expect(chain.domain.verifyingContract).to.equal(address);
        expect(await chain.broker.getAddress()).to.equal(address);
      } finally {
        chain.provider.destroy();
      }
      // A record whose address holds no broker (a restarted local node): refused, with a hint.
      record(
        root,
        chainId,
        JSON.stringify({ "TicketBroker#TicketBroker": `0x${"22".repeat(20)}` }),
      );
      const err = await connectChain(payeeConfig({ rpcUrl: endpoint.url }), { root }).catch(
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ServiceConfigError);
      expect((err as ServiceConfigError).hint).to.contain("record");
    } finally {
      await endpoint.close();
    }
  });

  it("the redeemer without a broker setting names the record it looked for", async function () {
    const chain = await chainIdOnly(9_999_991n);
    try {
      const err = await startRedeemer({
        env: {
          TICKETBROKER_RPC_URL: chain.url,
          TICKETBROKER_STORE_URL: "memory:",
          TICKETBROKER_REDEEMER_KEY: `0x${"6b".repeat(32)}`,
        },
      }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(RedeemerConfigError);
      expect((err as RedeemerConfigError).message).to.contain("chain 9999991");
      expect((err as RedeemerConfigError).hint).to.contain("TICKETBROKER_BROKER");
      expect((err as RedeemerConfigError).hint).to.contain("chain-9999991");
    } finally {
      await new Promise((resolve) => chain.server.close(resolve));
    }
  });
});
