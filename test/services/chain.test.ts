/**
 * The signer and the payee on the in-process chain (a deployed TicketBroker read through
 * ContractBrokerReader), each on its own SQLite file: a gateway pays over HTTP only, winners
 * are stored durably by the payee, and the signer reports the deposit the chain holds.
 */
import { expect } from "chai";
import { Wallet, parseEther } from "ethers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";

import { ContractBrokerReader } from "../../src/chain/brokerReader.js";
import { RawKeyTicketSigner } from "../../src/ticket/signTicket.js";
import { buildPayeeApp } from "../../src/services/payee/payeeApp.js";
import { buildSignerApp } from "../../src/services/signer/signerApp.js";
import { openStore } from "../../src/store/openStore.js";
import { readTicketDomain } from "../../src/ticket/ticketTypes.js";
import { KEYS, call, listen, payeeConfig, signerConfig } from "./support.js";
import { deployBroker } from "../support/deployBroker.js";

const { ethers, networkHelpers } = await network.create();

const GATEWAY_KEY = `0x${"5a".repeat(32)}` as const;
const ORCHESTRATOR_KEY = `0x${"6b".repeat(32)}` as const;

describe("services on the in-process chain", function () {
  this.timeout(120_000);

  it("pays over HTTP against a deployed broker and stores the winners durably", async function () {
    const [owner] = await ethers.getSigners();
    if (owner === undefined) throw new Error("no account");
    const broker = await deployBroker(owner);
    const gateway = new Wallet(GATEWAY_KEY, ethers.provider);
    await networkHelpers.setBalance(gateway.address, parseEther("10"));
    await (await broker.connect(gateway).fundDeposit({ value: parseEther("1") })).wait();
    const domain = await readTicketDomain(broker);
    const reader = new ContractBrokerReader({ broker });
    const orchestrator = new RawKeyTicketSigner(ORCHESTRATOR_KEY).address;

    const dir = mkdtempSync(path.join(tmpdir(), "tb-chain-"));
    const signerStore = await openStore({ url: `sqlite:${path.join(dir, "signer.db")}` });
    const payeeStore = await openStore({ url: `sqlite:${path.join(dir, "payee.db")}` });
    // Face value 1e5 gas × 1e8 wei × 100 = 1e15 wei; target EV 4e14: each ticket wins 40 %.
    const payee = await listen(
      buildPayeeApp(payeeConfig({ recipient: orchestrator, targetEVWei: "400000000000000" }), {
        store: payeeStore,
        reader,
        domain,
        secret: new Uint8Array(32).fill(9),
        logger: false,
      }),
    );
    const signer = await listen(
      buildSignerApp(
        signerConfig({
          sender: gateway.address,
          maxTicketEVWei: "1000000000000000",
          maxTotalEVWei: "10000000000000000",
        }),
        {
          store: signerStore,
          reader,
          signer: new RawKeyTicketSigner(GATEWAY_KEY),
          domain,
          logger: false,
        },
      ),
    );
    try {
      const info = await call(`${signer.url}/v1/sender`, { key: KEYS.gateway });
      expect(info.body.deposit).to.equal(parseEther("1").toString());
      expect(info.body.broker).to.equal(await broker.getAddress());
      const offer = await call(`${payee.url}/v1/params`, {
        key: KEYS.gateway,
        body: { sender: gateway.address },
      });
      expect(offer.status).to.equal(200);
      let won = 0;
      let accepted = 0;
      let signedCount = 0;
      for (let i = 0; i < 4; i++) {
        const signed = await call(`${signer.url}/v1/payments`, {
          key: KEYS.gateway,
          idempotencyKey: `chain-${i}`,
          body: { params: offer.body.params, sessionId: "chain", fee: "1000000000000000" },
        });
        expect(signed.status, JSON.stringify(signed.body)).to.equal(200);
        signedCount += signed.body.ticketCount as number;
        const paid = await call(`${payee.url}/v1/payments`, {
          key: KEYS.gateway,
          body: {
            sessionId: "chain",
            payment: {
              version: 1,
              sender: gateway.address,
              params: offer.body.params,
              tickets: signed.body.tickets,
            },
          },
        });
        expect(paid.status, JSON.stringify(paid.body)).to.equal(200);
        accepted += paid.body.accepted;
        won += paid.body.tickets.filter((t: { won: boolean }) => t.won).length;
      }
      // 4 × 1e15 wei at 4e14 wei per ticket: 10 tickets, each accepted.
      expect(signedCount).to.equal(10);
      expect(accepted).to.equal(signedCount);
      const summary = await payeeStore.winners.pendingSummary();
      expect(summary.count).to.equal(won);
      expect(summary.faceValue).to.equal(BigInt(won) * 10n ** 15n);
    } finally {
      await Promise.all([signer.app.close(), payee.app.close()]);
      await Promise.all([signerStore.close(), payeeStore.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
