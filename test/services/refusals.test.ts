/**
 * The signer and the payee over real HTTP on loopback, on SQLite (a temporary file) and on
 * PostgreSQL (a real server): a segment paid gateway → signer → payee, and every refusal a
 * client can provoke answered with a problem document while nothing is signed or credited.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { payeeSessionKey, signerSessionKey } from "../../src/services/common/sessionKeys.js";
import { openStore } from "../../src/store/openStore.js";
import type { Store } from "../../src/store/types.js";
import { senderSigner } from "../support/flowFixtures.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import type { TicketParamsJson } from "../../src/wire/index.js";
import { KEYS, call, startPair, type Reply } from "./support.js";

type Pair = Awaited<ReturnType<typeof startPair>>;

const PROBLEM = "application/problem+json";

/** Asserts a problem document with `status` and `code`. */
function expectProblem(res: Reply, status: number, code: string): void {
  expect(res.headers.get("content-type") ?? "").to.contain(PROBLEM);
  expect(res.body.code, JSON.stringify(res.body)).to.equal(code);
  expect(res.status).to.equal(status);
  expect(res.body.status).to.equal(status);
  expect(res.body.type).to.equal(`https://ticketbroker.dev/problems/${code}`);
  expect(res.body.hint).to.be.a("string").and.not.equal("");
}

const backends: {
  name: string;
  open: () => Promise<() => Promise<Store>>;
  stop: () => Promise<void>;
}[] = (() => {
  let dir = "";
  let pg: TestPostgres | undefined;
  return [
    {
      name: "SQLite",
      async open() {
        dir = mkdtempSync(path.join(tmpdir(), "tb-services-"));
        let n = 0;
        return () => openStore({ url: `sqlite:${path.join(dir, `store-${n++}.db`)}` });
      },
      async stop() {
        rmSync(dir, { recursive: true, force: true });
      },
    },
    {
      name: "PostgreSQL",
      async open() {
        pg = await startPostgres();
        return async () => openStore({ url: await pg!.createDatabase() });
      },
      async stop() {
        await pg?.stop();
      },
    },
  ];
})();

for (const backend of backends) {
  describe(`services over HTTP on ${backend.name}`, function () {
    this.timeout(120_000);
    let fresh: () => Promise<Store>;
    let pair: Pair;
    let params: TicketParamsJson;

    before(async function () {
      fresh = await backend.open();
    });
    after(async function () {
      await backend.stop();
    });
    beforeEach(async function () {
      pair = await startPair({ signerStore: await fresh(), payeeStore: await fresh() });
      const res = await call(`${pair.payee.url}/v1/params`, {
        key: KEYS.gateway,
        body: { sender: senderSigner.address },
      });
      expect(res.status).to.equal(200);
      params = res.body.params;
    });
    afterEach(async function () {
      await pair.close();
      await Promise.all([pair.signerStore.close(), pair.payeeStore.close()]);
    });

    const pay = (body: Record<string, unknown>, idem: string, key: string = KEYS.gateway) =>
      call(`${pair.signer.url}/v1/payments`, {
        key,
        idempotencyKey: idem,
        body: { params, sessionId: "seg", ...body },
      });
    const deliver = (tickets: unknown[], sessionId = "seg") =>
      call(`${pair.payee.url}/v1/payments`, {
        key: KEYS.gateway,
        body: { sessionId, payment: { version: 1, sender: senderSigner.address, params, tickets } },
      });
    /** Nothing signed: no ledger entry, no session on the signer. */
    const expectNothingSigned = async (clientId = "gateway") => {
      expect(await pair.signerStore.ledger.spentSince(clientId, 0n)).to.equal(0n);
      expect(await pair.signerStore.sessions.get(signerSessionKey(clientId, "seg"))).to.equal(
        undefined,
      );
    };

    it("pays a segment gateway → signer → payee over HTTP and debits the fee", async function () {
      const signed = await pay({ units: "5000000000000", pricePerUnit: "1/2" }, "seg-1");
      expect(signed.status).to.equal(200);
      expect(signed.body.fee).to.equal("2500000000000");
      expect(signed.body.ticketCount).to.equal(3);
      const paid = await deliver(signed.body.tickets);
      expect(paid.status).to.equal(200);
      expect(paid.body.accepted).to.equal(3);
      // The payee credits exactly the EV the signer signed.
      expect(paid.body.credited).to.equal(signed.body.ev);
      const check = await call(`${pair.payee.url}/v1/sessions/seg/check`, {
        key: KEYS.work,
        body: { fee: "2500000000000" },
      });
      expect(check.body.canPay).to.equal(true);
      const debit = await call(`${pair.payee.url}/v1/sessions/seg/debit`, {
        key: KEYS.work,
        idempotencyKey: "debit-1",
        body: { fee: "2500000000000" },
      });
      expect(debit.status).to.equal(200);
      // Both sides hold the same balance after the fee.
      expect(debit.body.session).to.deep.equal(signed.body.session);
    });

    it("refuses a request without an API key (401) and signs nothing", async function () {
      const res = await call(`${pair.signer.url}/v1/payments`, {
        idempotencyKey: "anon",
        body: { params, sessionId: "seg", fee: "1000" },
      });
      expectProblem(res, 401, "ApiKeyMissingError");
      const wrong = await pay({ fee: "1000" }, "bad-key", "not-a-configured-key");
      expectProblem(wrong, 401, "ApiKeyMissingError");
      await expectNothingSigned();
    });

    it("refuses a key without the route's scope (403) on both services", async function () {
      expectProblem(await pay({ fee: "1000" }, "scope", KEYS.work), 403, "ApiKeyScopeError");
      await expectNothingSigned("work");
      const debit = await call(`${pair.payee.url}/v1/sessions/seg/debit`, {
        key: KEYS.gateway,
        idempotencyKey: "d",
        body: { fee: "1" },
      });
      expectProblem(debit, 403, "ApiKeyScopeError");
    });

    it("refuses a payment that takes a key past its spend limit (403) and signs nothing more", async function () {
      // poor: 3e12 wei per hour; one ticket carries just over 1e12 wei of EV.
      const first = await pay({ fee: "1500000000000" }, "p-1", KEYS.poor);
      expect(first.status).to.equal(200);
      expect(first.body.ticketCount).to.equal(2);
      const spent = await pair.signerStore.ledger.spentSince("poor", 0n);
      const second = await pay({ fee: "1500000000000" }, "p-2", KEYS.poor);
      expectProblem(second, 403, "SpendLimitExceededError");
      expect(await pair.signerStore.ledger.spentSince("poor", 0n)).to.equal(spent);
      expect(await pair.signerStore.ledger.get("p-2", "poor")).to.equal(undefined);
    });

    it("answers a retried Idempotency-Key with the same tickets and refuses it with another body (409)", async function () {
      const first = await pay({ fee: "2500000000000" }, "same");
      const again = await pay({ fee: "2500000000000" }, "same");
      expect(again.status).to.equal(200);
      expect(again.headers.get("idempotent-replayed")).to.equal("true");
      expect(again.body).to.deep.equal(first.body);
      const other = await pay({ fee: "2500000000001" }, "same");
      expectProblem(other, 409, "IdempotencyKeyReusedError");
      const missing = await call(`${pair.signer.url}/v1/payments`, {
        key: KEYS.gateway,
        body: { params, sessionId: "seg", fee: "1" },
      });
      expectProblem(missing, 400, "IdempotencyKeyMissingError");
      // Only the first request signed: the next payment's first nonce follows its last one.
      const next = await pay({ fee: "3500000000000" }, "next");
      const lastNonce = BigInt(first.body.tickets.at(-1).ticket.senderNonce);
      expect(BigInt(next.body.tickets[0].ticket.senderNonce)).to.equal(lastNonce + 1n);
    });

    it("refuses an oversized body (413), malformed JSON and schema errors (400), another content type (415)", async function () {
      const big = await call(`${pair.signer.url}/v1/payments`, {
        key: KEYS.gateway,
        idempotencyKey: "big",
        body: { params, sessionId: "seg", fee: "1", workId: "x".repeat(70_000) },
      });
      expectProblem(big, 413, "PayloadTooLargeError");
      const syntax = await call(`${pair.signer.url}/v1/payments`, {
        key: KEYS.gateway,
        idempotencyKey: "syntax",
        body: '{"params": ',
      });
      expectProblem(syntax, 400, "RequestValidationError");
      const field = await pay({ fee: "1", params: { ...params, faceValue: 5 } }, "field");
      expectProblem(field, 400, "RequestValidationError");
      expect(field.body.details.field).to.equal("/body/params/faceValue");
      const text = await call(`${pair.signer.url}/v1/payments`, {
        key: KEYS.gateway,
        idempotencyKey: "text",
        body: JSON.stringify({ params, sessionId: "seg", fee: "1" }),
        headers: { "content-type": "text/plain" },
      });
      expectProblem(text, 415, "UnsupportedContentTypeError");
      const badPayment = await call(`${pair.payee.url}/v1/payments`, {
        key: KEYS.gateway,
        body: {
          sessionId: "seg",
          payment: { version: 1, sender: senderSigner.address, params, tickets: [] },
        },
      });
      expectProblem(badPayment, 400, "RequestValidationError");
      await expectNothingSigned();
      expect(await pair.payeeStore.sessions.get(payeeSessionKey("seg"))).to.equal(undefined);
    });

    it("answers a client that sends its body too slowly with 408 and a problem document", async function () {
      const { port } = new URL(pair.signer.url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), "127.0.0.1", () => {
          socket.write(
            `POST /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEYS.gateway}\r\nIdempotency-Key: slow\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"params":`,
          );
        });
        let data = "";
        socket.on("data", (d) => (data += d.toString()));
        socket.on("close", () => resolve(data));
        socket.on("error", reject);
        setTimeout(() => socket.destroy(), 5_000);
      });
      expect(answer).to.match(/^HTTP\/1\.1 408/);
      expect(answer).to.contain(PROBLEM);
      expect(answer).to.contain('"code":"RequestTimeoutError"');
      await expectNothingSigned();
    });

    it("answers the cases a gateway acts on with distinct codes", async function () {
      const ceiling = await pay(
        { units: "10", pricePerUnit: "1/2", maxPricePerUnit: "0.4" },
        "ceiling",
      );
      expectProblem(ceiling, 422, "PriceAboveCeilingError");
      // 20 tickets is the cap; a fee needing 21 is refused.
      const many = await pay({ fee: "21000000000000" }, "many");
      expectProblem(many, 422, "TooManyTicketsError");
      expect(many.body.details.ticketCount).to.equal("21");
      const cap = await pay({ fee: "19500000000000" }, "cap");
      expect(cap.status).to.equal(200);
      expect(cap.body.ticketCount).to.equal(20);
      // The credit left over pays a small fee: no ticket.
      const covered = await pay({ fee: "400000000000" }, "covered");
      expect(covered.status).to.equal(200);
      expect(covered.body.nothingToPay).to.equal(true);
      expect(covered.body.tickets).to.deep.equal([]);
      pair.reader.time = BigInt(params.expirationTime) + 1n;
      const expired = await pay({ fee: "1000000000000000" }, "expired");
      expectProblem(expired, 422, "TicketParamsExpiredError");
    });

    it("credits a payment once: the same tickets again are refused and credit nothing", async function () {
      const signed = await pay({ fee: "2500000000000" }, "once");
      const first = await deliver(signed.body.tickets);
      expect(first.status).to.equal(200);
      const again = await deliver(signed.body.tickets);
      expectProblem(again, 422, "TicketNonceReusedError");
      const session = await call(`${pair.payee.url}/v1/sessions/seg`, { key: KEYS.work });
      expect(session.body.credited).to.equal(signed.body.ev);
      // A ticket altered after signing is refused, credited nothing.
      const forged = structuredClone(signed.body.tickets[0]);
      forged.ticket.senderNonce = "999";
      const refused = await deliver([forged], "other");
      expect(refused.status).to.equal(422);
      expect(await pair.payeeStore.sessions.get(payeeSessionKey("other"))).to.equal(undefined);
    });

    it("closes a live session when its credit runs out, with the reason on both sides", async function () {
      const signed = await pay({ fee: "1000000000000" }, "live-1");
      await deliver(signed.body.tickets);
      const credit = await call(`${pair.payee.url}/v1/sessions/seg`, { key: KEYS.work });
      const over = await call(`${pair.payee.url}/v1/sessions/seg/debit`, {
        key: KEYS.work,
        idempotencyKey: "live-d1",
        body: { fee: "2000000000000", live: true },
      });
      expectProblem(over, 402, "InsufficientSessionBalanceError");
      expect(over.body.details.closedReason).to.equal("credit-exhausted");
      const after = await call(`${pair.payee.url}/v1/sessions/seg`, { key: KEYS.gateway });
      expect(after.body.closedReason).to.equal("credit-exhausted");
      expect(after.body.balance).to.equal(credit.body.balance);
      const more = await pay({ fee: "3000000000000" }, "live-2");
      const refused = await deliver(more.body.tickets);
      expectProblem(refused, 409, "SessionClosedError");
      expect(refused.body.details.reason).to.equal("credit-exhausted");
    });
  });
}
