/**
 * Replicas on one PostgreSQL database: two signers for one sender never hand out the same
 * nonce, and two payees for one orchestrator credit a ticket sent to both exactly once.
 */
import { expect } from "chai";

import { buildPayeeApp } from "../../src/services/payee/payeeApp.js";
import { buildSignerApp } from "../../src/services/signer/signerApp.js";
import { openStore } from "../../src/store/openStore.js";
import type { Store } from "../../src/store/types.js";
import { FakeReader, SECRET, domain, senderSigner } from "../support/flowFixtures.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { KEYS, call, listen, payeeConfig, signerConfig, type Running } from "./support.js";

describe("service replicas on one PostgreSQL database", function () {
  this.timeout(120_000);
  let pg: TestPostgres;
  const stores: Store[] = [];
  const apps: Running[] = [];

  before(async function () {
    pg = await startPostgres();
  });
  afterEach(async function () {
    await Promise.all(apps.splice(0).map((a) => a.app.close()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  after(async function () {
    await pg?.stop();
  });

  async function replicas(
    n: number,
  ): Promise<{ reader: FakeReader; signers: Running[]; payees: Running[] }> {
    const signerUrl = await pg.createDatabase();
    const payeeUrl = await pg.createDatabase();
    const reader = new FakeReader();
    reader.time = BigInt(Math.floor(Date.now() / 1000));
    const signers: Running[] = [];
    const payees: Running[] = [];
    for (let i = 0; i < n; i++) {
      const s = await openStore({ url: signerUrl, blockSize: 10n });
      const p = await openStore({ url: payeeUrl });
      stores.push(s, p);
      signers.push(
        await listen(
          buildSignerApp(signerConfig(), {
            store: s,
            reader,
            signer: senderSigner,
            domain,
            logger: false,
          }),
        ),
      );
      payees.push(
        await listen(
          buildPayeeApp(payeeConfig(), { store: p, reader, domain, secret: SECRET, logger: false }),
        ),
      );
    }
    apps.push(...signers, ...payees);
    return { reader, signers, payees };
  }

  it("two signers on one sender sign disjoint nonces under concurrent payments", async function () {
    const { signers, payees } = await replicas(2);
    const offer = await call(`${payees[0]!.url}/v1/params`, {
      key: KEYS.gateway,
      body: { sender: senderSigner.address },
    });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call(`${signers[i % 2]!.url}/v1/payments`, {
          key: KEYS.gateway,
          idempotencyKey: `r-${i}`,
          body: { params: offer.body.params, sessionId: `s-${i}`, fee: "2500000000000" },
        }),
      ),
    );
    const nonces = answers.flatMap((a) => {
      expect(a.status, JSON.stringify(a.body)).to.equal(200);
      return (a.body.tickets as { ticket: { senderNonce: string } }[]).map(
        (t) => t.ticket.senderNonce,
      );
    });
    expect(nonces).to.have.length(120);
    expect(new Set(nonces).size).to.equal(120);
  });

  it("two payees credit a payment sent to both at once exactly once", async function () {
    const { signers, payees } = await replicas(2);
    const offer = await call(`${payees[0]!.url}/v1/params`, {
      key: KEYS.gateway,
      body: { sender: senderSigner.address },
    });
    const signed = await call(`${signers[0]!.url}/v1/payments`, {
      key: KEYS.gateway,
      idempotencyKey: "both",
      body: { params: offer.body.params, sessionId: "both", fee: "2500000000000" },
    });
    const body = {
      sessionId: "both",
      payment: {
        version: 1,
        sender: senderSigner.address,
        params: offer.body.params,
        tickets: signed.body.tickets,
      },
    };
    const [a, b] = await Promise.all(
      payees.map((p) => call(`${p.url}/v1/payments`, { key: KEYS.gateway, body })),
    );
    const accepted = [a!, b!].reduce(
      (n, r) => n + (r.status === 200 ? (r.body.accepted as number) : 0),
      0,
    );
    expect(accepted).to.equal(3);
    const session = await call(`${payees[1]!.url}/v1/sessions/both`, { key: KEYS.work });
    expect(session.body.credited).to.equal(signed.body.ev);
  });
});
