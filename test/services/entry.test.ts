/**
 * The entry points as `ticketbroker serve` calls them: configuration from a file and the
 * environment, the key from an encrypted keystore, the chain over JSON-RPC (the in-process
 * chain behind a JSON-RPC endpoint on loopback), SQLite stores; a segment paid over HTTP with
 * the typed clients, and the payee's in-process redeemer started and stopped with it.
 */
import { expect } from "chai";
import { Wallet, encryptKeystoreJson, parseEther } from "ethers";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";

import { PayeeClient } from "../../src/services/client/payeeClient.js";
import { SignerClient } from "../../src/services/client/signerClient.js";
import { loadServiceConfig } from "../../src/services/common/config.js";
import { SignerKeyError } from "../../src/services/common/errors.js";
import { startPayeeService } from "../../src/services/payee/startPayee.js";
import { loadSignerKey } from "../../src/services/signer/signerKey.js";
import { startSignerService } from "../../src/services/signer/startSigner.js";
import { MockV3Aggregator__factory } from "../../typechain-types/index.js";
import { jsonRpcEndpoint } from "../support/jsonRpcEndpoint.js";
import { API_KEYS, KEYS } from "./support.js";
import { deployBroker } from "../support/deployBroker.js";

const { ethers, networkHelpers, provider } = await network.create();

describe("service entry points over JSON-RPC", function () {
  this.timeout(120_000);

  it("loads the signing key from an encrypted keystore and refuses a wrong password", async function () {
    const dir = mkdtempSync(path.join(tmpdir(), "tb-key-"));
    try {
      const wallet = Wallet.createRandom();
      const json = await encryptKeystoreJson(
        { address: wallet.address, privateKey: wallet.privateKey },
        "correct horse",
        { scrypt: { N: 1024 } },
      );
      writeFileSync(path.join(dir, "key.json"), json);
      writeFileSync(path.join(dir, "pw"), "correct horse\n");
      writeFileSync(path.join(dir, "bad"), "wrong\n");
      const signer = await loadSignerKey({
        keystoreFile: path.join(dir, "key.json"),
        passwordFile: path.join(dir, "pw"),
        env: {},
      });
      expect(signer.address).to.equal(wallet.address);
      const err = await loadSignerKey({
        keystoreFile: path.join(dir, "key.json"),
        passwordFile: path.join(dir, "bad"),
        env: {},
      }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(SignerKeyError);
      expect(JSON.stringify(err)).to.not.contain("wrong");
      expect((err as SignerKeyError).message).to.not.contain("wrong");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("starts both services from a config file and the environment, pays a segment, and closes", async function () {
    const [owner] = await ethers.getSigners();
    if (owner === undefined) throw new Error("no account");
    const broker = await deployBroker(owner);
    const gatewayKey = `0x${"7c".repeat(32)}`;
    const orchestratorKey = `0x${"8d".repeat(32)}`;
    const gateway = new Wallet(gatewayKey, ethers.provider);
    const orchestrator = new Wallet(orchestratorKey);
    await networkHelpers.setBalance(gateway.address, parseEther("10"));
    await (await broker.connect(gateway).fundDeposit({ value: parseEther("1") })).wait();
    // ETH at 2,000 USD, 8 decimals, as Chainlink's ETH / USD feed.
    const aggregator = await new MockV3Aggregator__factory(owner).deploy(
      8,
      "ETH / USD",
      2000n * 10n ** 8n,
    );
    const rpc = await jsonRpcEndpoint(provider);
    const dir = mkdtempSync(path.join(tmpdir(), "tb-entry-"));
    const common = {
      rpcUrl: rpc.url,
      broker: await broker.getAddress(),
      apiKeys: API_KEYS,
      logLevel: "silent",
      port: 0,
    };
    writeFileSync(
      path.join(dir, "signer.json"),
      JSON.stringify({
        ...common,
        sender: gateway.address,
        maxTicketEVWei: "10000000000000",
        maxTotalEVWei: "100000000000000",
        priceFeedAddress: await aggregator.getAddress(),
      }),
    );
    writeFileSync(path.join(dir, "secret"), "ab".repeat(32));
    const signerConfig = loadServiceConfig({
      service: "signer",
      file: path.join(dir, "signer.json"),
      env: { TICKETBROKER_STORE_URL: `sqlite:${path.join(dir, "signer.db")}` },
      flags: {},
    });
    const payeeConfig = loadServiceConfig({
      service: "payee",
      env: {
        TICKETBROKER_STORE_URL: `sqlite:${path.join(dir, "payee.db")}`,
        TICKETBROKER_API_KEYS: JSON.stringify(API_KEYS),
      },
      flags: {
        ...common,
        apiKeys: undefined,
        recipient: orchestrator.address,
        secretFile: path.join(dir, "secret"),
        targetEVWei: "1000000000000",
        gasPriceWei: "100000000",
        redeemGas: "100000",
        pricePerUnitWei: "0.5",
      },
    });
    const signer = await startSignerService(signerConfig, {
      env: { TICKETBROKER_SIGNER_KEY: gatewayKey },
    });
    const payee = await startPayeeService(payeeConfig, {
      env: { TICKETBROKER_REDEEMER_KEY: orchestratorKey },
    });
    try {
      const signerClient = new SignerClient({ baseUrl: signer.url, apiKey: KEYS.gateway });
      const payeeClient = new PayeeClient({ baseUrl: payee.url, apiKey: KEYS.gateway });
      const sender = await signerClient.sender();
      expect(sender.deposit).to.equal(parseEther("1").toString());
      const offer = await payeeClient.params(gateway.address);
      const signed = await signerClient.pay({
        params: offer.params,
        sessionId: "entry",
        units: "5000000000000",
        pricePerUnit: offer.price.weiPerUnit,
      });
      expect(signed.ticketCount).to.equal(3);
      // 0.5 wei per pixel is 1e-15 USD at 2,000 USD per ETH: a lower USD ceiling refuses it.
      const refused = await signerClient
        .pay({
          params: offer.params,
          sessionId: "entry",
          units: "1",
          pricePerUnit: offer.price.weiPerUnit,
          maxPricePerUnit: "0.00000000000000099",
          maxPricePerUnitCurrency: "USD",
        })
        .catch((e: unknown) => e);
      expect((refused as { problemCode?: string }).problemCode).to.equal("PriceAboveCeilingError");
      const ready = (await (await fetch(`${signer.url}/readyz`)).json()) as {
        checks: { name: string; ok: boolean }[];
      };
      expect(ready.checks.find((c) => c.name === "priceFeed")?.ok).to.equal(true);
      const paid = await payeeClient.pay({
        sessionId: "entry",
        payment: {
          version: 1,
          sender: signed.sender,
          params: offer.params,
          tickets: signed.tickets,
        },
      });
      expect(paid.accepted).to.equal(3);
      expect(paid.credited).to.equal(signed.ev);
      expect((await fetch(`${payee.url}/readyz`)).status).to.equal(200);
    } finally {
      await Promise.all([signer.close(), payee.close()]);
      await rpc.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to start the in-process redeemer without the recipient's key", async function () {
    const config = loadServiceConfig({
      service: "payee",
      env: {},
      flags: { recipient: Wallet.createRandom().address, targetEVWei: "1", pricePerUnitWei: "1" },
    });
    const err = await startPayeeService(config, {
      env: { TICKETBROKER_PAYEE_SECRET: "ab".repeat(32) },
    }).catch((e: unknown) => e);
    expect((err as Error).message).to.contain("in-process redeemer has no key");
  });
});
