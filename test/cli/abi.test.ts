import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";
import hre from "hardhat";

import { recipientPoolAbi, ticketBrokerAbi } from "../../src/contract/abi.js";
import { CHAIN_IDS, DEPLOYMENTS, getDeployment } from "../../src/contract/deployments.js";
import { ABI_EXPORTS } from "../../scripts/generate-abis.js";

describe("package bindings", function () {
  it("src/contract/abi.ts equals the compiled ABIs (regenerate with scripts/generate-abis.ts)", async function () {
    const exported: Record<string, unknown> = { ticketBrokerAbi, recipientPoolAbi };
    for (const entry of ABI_EXPORTS) {
      const artifact = await hre.artifacts.readArtifact(entry.contract);
      expect(exported[entry.exportName], `${entry.exportName} is stale`).to.deep.equal(
        artifact.abi,
      );
    }
  });

  it("src/contract/deployments.ts lists exactly the committed public Ignition deployments", async function () {
    const root = path.resolve(import.meta.dirname, "..", "..");
    const dir = path.join(root, "ignition", "deployments");
    const recorded: Record<number, { ticketBroker: string; recipientPool: string }> = {};
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const name of entries) {
      const match = /^chain-(\d+)$/.exec(name);
      if (match === null || Number(match[1]) === CHAIN_IDS.hardhat) continue;
      const file = path.join(dir, name, "deployed_addresses.json");
      const addresses = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
      recorded[Number(match[1])] = {
        ticketBroker: addresses["TicketBroker#TicketBroker"] ?? "",
        recipientPool: addresses["TicketBroker#RecipientPool"] ?? "",
      };
    }
    const listed = Object.fromEntries(
      Object.values(DEPLOYMENTS).map((d) => [
        d!.chainId,
        { ticketBroker: d!.ticketBroker, recipientPool: d!.recipientPool },
      ]),
    );
    for (const chainId of Object.keys(recorded)) {
      expect(
        listed,
        `ignition/deployments/chain-${chainId}/ is not listed in src/contract/deployments.ts. If a ` +
          `rehearsal against a local node started with --chain-id ${chainId} wrote it, move it ` +
          `aside (it is not a deployment; rehearse with --deployment-id rehearsal-${chainId}). ` +
          "If it is the real deployment, add its addresses to src/contract/deployments.ts.",
      ).to.have.property(chainId);
    }
    expect(listed).to.deep.equal(recorded);
    expect(getDeployment(CHAIN_IDS.hardhat)).to.equal(undefined);
  });
});
