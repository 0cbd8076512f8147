/**
 * The OpenAPI documents under docs/openapi/ are what the services generate from their route
 * schemas. Regenerate with `UPDATE_OPENAPI=1 npx hardhat test mocha test/services/openapi.test.ts`.
 */
import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";

import { format, resolveConfig } from "prettier";

import { buildPayeeApp } from "../../src/services/payee/payeeApp.js";
import { buildSignerApp } from "../../src/services/signer/signerApp.js";
import { MemoryStore } from "../../src/store/memory/memoryStore.js";
import { FakeReader, SECRET, domain, senderSigner } from "../support/flowFixtures.js";
import { call, listen, payeeConfig, signerConfig } from "./support.js";

const apps = {
  signer: () =>
    buildSignerApp(signerConfig(), {
      store: new MemoryStore(),
      reader: new FakeReader(),
      signer: senderSigner,
      domain,
      logger: false,
    }),
  payee: () =>
    buildPayeeApp(payeeConfig(), {
      store: new MemoryStore(),
      reader: new FakeReader(),
      domain,
      secret: SECRET,
      logger: false,
    }),
};

describe("OpenAPI documents", function () {
  for (const [name, build] of Object.entries(apps)) {
    it(`docs/openapi/${name}.json is what the ${name} serves at /openapi.json`, async function () {
      const running = await listen(build());
      try {
        const res = await call(`${running.url}/openapi.json`);
        expect(res.status).to.equal(200);
        const file = `docs/openapi/${name}.json`;
        if (process.env["UPDATE_OPENAPI"] === "1") {
          const options = (await resolveConfig(file)) ?? {};
          writeFileSync(
            file,
            await format(JSON.stringify(res.body), { ...options, filepath: file }),
          );
        }
        expect(
          JSON.parse(readFileSync(file, "utf8")),
          `${file} is stale: regenerate it (see the top of this file)`,
        ).to.deep.equal(res.body);
        // Every documented error answer is a problem document with a code and a hint.
        const paths = res.body.paths as Record<
          string,
          Record<
            string,
            {
              responses: Record<
                string,
                { content?: Record<string, { schema?: { required?: string[] } }> }
              >;
            }
          >
        >;
        expect(Object.keys(paths).length).to.be.greaterThan(1);
        for (const operations of Object.values(paths)) {
          for (const op of Object.values(operations)) {
            const schema = op.responses["401"]?.content?.["application/problem+json"]?.schema;
            expect(schema?.required ?? []).to.include.members(["code", "hint"]);
          }
        }
      } finally {
        await running.app.close();
      }
    });
  }
});
