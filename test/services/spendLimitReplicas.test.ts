/**
 * A key's spend limit holds across signer replicas on one database: two signer services on the
 * same store, paid concurrently with the same key, sign no more EV than the limit allows (the
 * ledger decides the limit with the insert, atomically), on SQLite and on PostgreSQL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { buildPayeeApp } from "../../src/services/payee/payeeApp.js";
import { buildSignerApp } from "../../src/services/signer/signerApp.js";
import { MemoryStore } from "../../src/store/memory/memoryStore.js";
import { openStore } from "../../src/store/openStore.js";
import type { Store } from "../../src/store/types.js";
import { FakeReader, SECRET, domain, senderSigner } from "../support/flowFixtures.js";
import { startPostgres } from "../support/postgres.js";
import { KEYS, call, listen, payeeConfig, signerConfig, type Running } from "./support.js";

/** The "poor" key may sign 3e12 wei of EV per hour; each payment below needs just over 2e12. */
const LIMIT = 3_000_000_000_000n;

async function replicasRun(url: string): Promise<void> {
  const reader = new FakeReader();
  reader.time = BigInt(Math.floor(Date.now() / 1000));
  const payee = await listen(
    buildPayeeApp(payeeConfig(), {
      store: new MemoryStore(),
      reader,
      domain,
      secret: SECRET,
      logger: false,
    }),
  );
  const stores: Store[] = [await openStore({ url }), await openStore({ url })];
  const replicas: Running[] = [];
  for (const store of stores) {
    replicas.push(
      await listen(
        buildSignerApp(signerConfig(), {
          store,
          reader,
          signer: senderSigner,
          domain,
          logger: false,
        }),
      ),
    );
  }
  try {
    const offer = await call(`${payee.url}/v1/params`, {
      key: KEYS.gateway,
      body: { sender: senderSigner.address },
    });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(`${replicas[i % 2]!.url}/v1/payments`, {
          key: KEYS.poor,
          idempotencyKey: `r-${i}`,
          body: { params: offer.body.params, sessionId: `s-${i}`, fee: "1500000000000" },
        }),
      ),
    );
    const paid = answers.filter((a) => a.status === 200);
    // One payment fits the limit; a second would take the key past it, whichever replica.
    expect(paid).to.have.length(1);
    for (const a of answers) {
      if (a.status !== 200) {
        expect(a.status).to.equal(403);
        expect(a.body.code).to.equal("SpendLimitExceededError");
      }
    }
    const spent = await stores[0]!.ledger.spentSince("poor", 0n);
    expect(spent > 0n && spent <= LIMIT).to.equal(true);
  } finally {
    await Promise.all([payee.app.close(), ...replicas.map((r) => r.app.close())]);
    await Promise.all(stores.map((s) => s.close()));
  }
}

describe("spend limits across signer replicas", function () {
  this.timeout(120_000);

  it("two replicas on one SQLite file sign no more than the key's limit", async function () {
    const dir = mkdtempSync(path.join(tmpdir(), "tb-replicas-"));
    try {
      await replicasRun(`sqlite:${path.join(dir, "signer.db")}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("two replicas on one PostgreSQL database sign no more than the key's limit", async function () {
    const pg = await startPostgres();
    try {
      await replicasRun(await pg.createDatabase());
    } finally {
      await pg.stop();
    }
  });
});
