/** Service configuration, API keys, rate limits and idempotency hashing, without HTTP. */
import { expect } from "chai";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { ApiKeyRing, hashApiKey } from "../../src/services/common/apiKeys.js";
import { loadServiceConfig, parseServiceConfig } from "../../src/services/common/config.js";
import { ServiceConfigError } from "../../src/services/common/errors.js";
import { requestHash } from "../../src/services/common/idempotency.js";
import { RateLimiter } from "../../src/services/common/rateLimiter.js";
import { senderSigner } from "../support/flowFixtures.js";

const required = {
  sender: senderSigner.address,
  maxTicketEVWei: "1000",
  maxTotalEVWei: "10000",
};

function configError(fn: () => unknown): ServiceConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ServiceConfigError);
    return err as ServiceConfigError;
  }
  throw new Error("expected a ServiceConfigError");
}

describe("service configuration", function () {
  it("merges file < environment < flags and converts text to numbers", function () {
    const dir = mkdtempSync(path.join(tmpdir(), "tb-config-"));
    const file = path.join(dir, "signer.json");
    writeFileSync(file, JSON.stringify({ ...required, port: 1000, depositMultiplier: 3 }));
    const config = loadServiceConfig({
      service: "signer",
      file,
      env: { TICKETBROKER_PORT: "2000", TICKETBROKER_STORE_URL: "memory:" },
      flags: { port: "3000" },
    });
    expect(config.port).to.equal(3000);
    expect(config.depositMultiplier).to.equal(3);
    expect(config.storeUrl).to.equal("memory:");
    expect(config.host).to.equal("127.0.0.1");
    expect(config.bodyLimitBytes).to.equal(65_536);
  });

  it("names every missing or malformed setting and where to set it", function () {
    const err = configError(() =>
      loadServiceConfig({ service: "signer", env: { TICKETBROKER_PORT: "70000" }, flags: {} }),
    );
    expect(err.message).to.contain("sender");
    expect(err.message).to.contain("TICKETBROKER_SENDER");
    expect(err.message).to.contain("maxTotalEVWei");
    expect(err.message).to.contain("port");
    expect(err.hint).to.contain("docs/services.md");
  });

  it("refuses an API key id with a colon (the payee's ledger namespace is charge:<id>)", function () {
    const key = (id: string) => ({ id, sha256: "ab".repeat(32), scopes: ["pay"] });
    const err = configError(() =>
      parseServiceConfig("signer", { ...required, apiKeys: [key("charge:work")] }),
    );
    expect(err.message).to.contain("apiKeys");
    expect(
      parseServiceConfig("signer", { ...required, apiKeys: [key("gateway-1.eu_2")] }).apiKeys,
    ).to.have.length(1);
  });

  it("refuses an unknown setting and a malformed JSON list", function () {
    expect(
      configError(() =>
        loadServiceConfig({ service: "signer", env: {}, flags: { ...required, prot: "1" } }),
      ).message,
    ).to.contain("--prot");
    expect(
      configError(() =>
        loadServiceConfig({
          service: "signer",
          env: { TICKETBROKER_API_KEYS: "[{" },
          flags: required,
        }),
      ).message,
    ).to.contain("TICKETBROKER_API_KEYS");
  });

  it("refuses to listen beyond loopback without API keys, and accepts it with one", function () {
    const err = configError(() =>
      loadServiceConfig({
        service: "payee",
        env: {},
        flags: {
          host: "0.0.0.0",
          recipient: senderSigner.address,
          targetEVWei: "1",
          pricePerUnitWei: "1",
        },
      }),
    );
    expect(err.message).to.contain("0.0.0.0");
    const config = loadServiceConfig({
      service: "payee",
      env: {
        TICKETBROKER_API_KEYS: JSON.stringify([
          { id: "work", sha256: hashApiKey("k"), scopes: ["charge"] },
        ]),
      },
      flags: {
        host: "0.0.0.0",
        recipient: senderSigner.address,
        targetEVWei: "1",
        pricePerUnitWei: "1",
      },
    });
    expect(config.apiKeys).to.have.length(1);
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "localhost"]) {
      expect(
        loadServiceConfig({ service: "signer", env: {}, flags: { ...required, host } }).host,
      ).to.equal(host);
    }
  });
});

describe("API keys", function () {
  const ring = new ApiKeyRing({
    keys: [
      { id: "gw", sha256: hashApiKey("gateway-secret"), scopes: ["pay"] },
      { id: "ops", sha256: hashApiKey("ops-secret"), scopes: ["admin"] },
    ],
    anonymousScopes: [],
  });

  it("matches a key by its hash and checks scopes; admin holds every scope", function () {
    const gw = ring.authenticate("Bearer gateway-secret");
    expect(gw.id).to.equal("gw");
    ApiKeyRing.requireScope(gw, "pay");
    expect(() => ApiKeyRing.requireScope(gw, "charge")).to.throw('lacks the "charge" scope');
    ApiKeyRing.requireScope(ring.authenticate("Bearer ops-secret"), "charge");
  });

  it("refuses an unknown key, a non-bearer header, and anonymous calls when keys exist", function () {
    expect(() => ring.authenticate("Bearer gateway-secreT")).to.throw("Unknown API key");
    expect(() => ring.authenticate("Basic abc")).to.throw("bearer");
    expect(() => ApiKeyRing.requireScope(ring.authenticate(undefined), "pay")).to.throw(
      "needs an API key",
    );
  });

  it("lets anonymous calls do everything only when no key is configured (loopback)", function () {
    const open = new ApiKeyRing({ keys: [] });
    ApiKeyRing.requireScope(open.authenticate(undefined), "charge");
  });
});

describe("rate limiter", function () {
  it("allows exactly `burst` requests at once, then one per 1/rate seconds", function () {
    let now = 0;
    const limiter = new RateLimiter({ now: () => now });
    const limit = { ratePerSecond: 2, burst: 3 };
    for (let i = 0; i < 3; i++) limiter.take("k", limit);
    expect(() => limiter.take("k", limit)).to.throw("over its rate limit");
    now = 499;
    expect(() => limiter.take("k", limit)).to.throw("over its rate limit");
    now = 1000; // 0.5 s after the refused call at 499 ms → one token
    limiter.take("k", limit);
    limiter.take("other", limit);
  });
});

describe("idempotency hash", function () {
  it("is the same for the same body in any key order, and differs for another body", function () {
    expect(requestHash("r", { a: 1, b: { c: "2", d: [1, 2] } })).to.equal(
      requestHash("r", { b: { d: [1, 2], c: "2" }, a: 1 }),
    );
    expect(requestHash("r", { a: 1 })).to.not.equal(requestHash("r", { a: 2 }));
    expect(requestHash("r", { a: 1 })).to.not.equal(requestHash("s", { a: 1 }));
  });
});

describe("typed clients", function () {
  it("import nothing at run time but each other and the error base class (no ethers, no fastify)", function () {
    const dir = "src/services/client";
    for (const file of readdirSync(dir)) {
      const source = readFileSync(path.join(dir, file), "utf8");
      for (const m of source.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gms)) {
        const [, typeOnly, spec] = m;
        if (typeOnly !== undefined) continue;
        expect(spec, `${file} imports ${spec}`).to.match(
          /^\.\/[\w]+\.js$|^\.\.\/\.\.\/errors\.js$/,
        );
      }
    }
  });
});
