/** /healthz and /metrics name the crypto implementation the service validates tickets with. */
import { expect } from "chai";

import { cryptoBackend } from "../../src/internal/cryptoBackend.js";
import { call, startPair } from "./support.js";

describe("services: crypto backend in /healthz and /metrics", function () {
  it("reports keccak and secp256k1 as native or js, the same as cryptoBackend()", async function () {
    const pair = await startPair();
    try {
      const backend = cryptoBackend();
      expect(["native", "js"]).to.include(backend.keccak);
      expect(["native", "js"]).to.include(backend.secp256k1);
      for (const url of [pair.signer.url, pair.payee.url]) {
        const health = await call(`${url}/healthz`);
        expect(health.status).to.equal(200);
        expect(health.body).to.deep.equal({ status: "ok", crypto: backend });
        const metrics = String((await call(`${url}/metrics`)).body);
        expect(metrics).to.contain(
          `ticketbroker_crypto_backend_info{keccak="${backend.keccak}",secp256k1="${backend.secp256k1}"} 1\n`,
        );
        expect(metrics.match(/^ticketbroker_crypto_backend_info\{/gm)).to.have.length(1);
      }
    } finally {
      await pair.close();
    }
  });
});
