/**
 * The signer and the payee on ONE store (as when both use the same SQLite file or database):
 * each keeps its sessions under its own prefix, so no session id a client chooses on one
 * service names a session of the other.
 */
import { expect } from "chai";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { balanceJson } from "../../src/services/common/amounts.js";
import {
  PAYEE_SESSION_PREFIX,
  SIGNER_SESSION_PREFIX,
  payeeSessionKey,
  signerSessionKey,
} from "../../src/services/common/sessionKeys.js";
import { MemoryStore } from "../../src/store/memory/memoryStore.js";
import { openStore } from "../../src/store/openStore.js";
import type { Store } from "../../src/store/types.js";
import { senderSigner } from "../support/flowFixtures.js";
import { KEYS, call, startPair } from "./support.js";

describe("session ids on a store the signer and the payee share", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tb-shared-store-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const backends: [string, () => Promise<Store>][] = [
    ["memory", async () => new MemoryStore()],
    ["SQLite", () => openStore({ url: `sqlite:${path.join(dir, "shared.db")}` })],
  ];

  for (const [name, open] of backends) {
    it(`${name}: each service's sessions live under its own prefix, none under the client's id`, async function () {
      const store = await open();
      const pair = await startPair({ signerStore: store, payeeStore: store });
      try {
        const offer = await call(`${pair.payee.url}/v1/params`, {
          key: KEYS.gateway,
          body: { sender: senderSigner.address },
        });
        const params = offer.body.params;
        const signed = await call(`${pair.signer.url}/v1/payments`, {
          key: KEYS.gateway,
          idempotencyKey: "shared-1",
          body: { params, sessionId: "seg", units: "5000000000000", pricePerUnit: "1/2" },
        });
        expect(signed.status).to.equal(200);
        const paid = await call(`${pair.payee.url}/v1/payments`, {
          key: KEYS.gateway,
          body: {
            sessionId: "seg",
            payment: {
              version: 1,
              sender: senderSigner.address,
              params,
              tickets: signed.body.tickets,
            },
          },
        });
        expect(paid.status).to.equal(200);
        const signerRow = await store.sessions.get(signerSessionKey("gateway", "seg"));
        const payeeRow = await store.sessions.get(payeeSessionKey("seg"));
        expect(balanceJson(signerRow!)).to.deep.equal(signed.body.session);
        expect(balanceJson(payeeRow!)).to.deep.equal(paid.body.session);
        // Signer: credit = EV, debit = fee. Payee: credit = EV, no debit yet. Apart, not summed.
        expect(signerRow!.debited.equals(2_500_000_000_000n)).to.equal(true);
        expect(payeeRow!.debited.isZero()).to.equal(true);
        for (const bare of ["seg", "gateway/seg"]) {
          expect(await store.sessions.get(bare), bare).to.equal(undefined);
        }
        // The API still speaks the client's id.
        expect(paid.body.sessionId).to.equal("seg");
        const got = await call(`${pair.payee.url}/v1/sessions/seg`, { key: KEYS.work });
        expect(got.body).to.include({ sessionId: "seg", closed: false });
      } finally {
        await pair.close();
        await store.close();
      }
    });
  }

  it("no payee store id equals any signer store id, whatever the ids", function () {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (payeeId, clientId, sessionId) => {
        const payee = payeeSessionKey(payeeId);
        const signer = signerSessionKey(clientId, sessionId);
        expect(payee.startsWith(PAYEE_SESSION_PREFIX)).to.equal(true);
        expect(signer.startsWith(SIGNER_SESSION_PREFIX)).to.equal(true);
        expect(payee).to.not.equal(signer);
      }),
    );
    // The attack the prefixes close: a payee client naming its session like a signer key's.
    expect(payeeSessionKey("gateway-1/x")).to.not.equal(signerSessionKey("gateway-1", "x"));
  });
});
