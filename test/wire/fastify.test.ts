/**
 * The wire schemas are plain JSON Schema that Fastify validates with and @fastify/swagger
 * documents: a route whose body is a Payment refuses a malformed one with 400 and names the
 * field, and the OpenAPI document carries the schema's title and field descriptions.
 */
import swagger from "@fastify/swagger";
import { expect } from "chai";
import Fastify from "fastify";

import { PaymentSchema, TicketParamsSchema, encodePayment } from "../../src/wire/index.js";
import { SAMPLE_PAYMENT } from "./arbitraries.js";

describe("wire schemas in Fastify", function () {
  it("validate request bodies and appear in the OpenAPI document", async () => {
    const app = Fastify();
    await app.register(swagger, { openapi: { info: { title: "wire", version: "1" } } });
    app.post("/payments", { schema: { body: PaymentSchema } }, async () => ({ ok: true }));
    app.post("/params", { schema: { body: TicketParamsSchema } }, async () => ({ ok: true }));
    await app.ready();
    try {
      const good = encodePayment(SAMPLE_PAYMENT);
      const ok = await app.inject({ method: "POST", url: "/payments", payload: good });
      expect(ok.statusCode).to.equal(200);

      const bad = structuredClone(good) as unknown as { tickets: { signature: string }[] };
      bad.tickets[0]!.signature = "0x1234";
      const refused = await app.inject({ method: "POST", url: "/payments", payload: bad });
      expect(refused.statusCode).to.equal(400);
      expect(refused.json<{ message: string }>().message).to.contain("/tickets/0/signature");

      const text = JSON.stringify(app.swagger());
      expect(text).to.contain("Signed tickets with the params they were made on.");
      expect(text).to.contain("Win probability × 2^256");
      expect(text).to.contain("^(0|[1-9][0-9]*)$");
    } finally {
      await app.close();
    }
  });
});
