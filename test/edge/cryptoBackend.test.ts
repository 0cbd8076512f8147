/**
 * The crypto backend is visible: cryptoBackend() says which implementation runs, and the
 * pure-JavaScript fallback warns once per process unless TICKETBROKER_ALLOW_JS_CRYPTO=1.
 * Each case runs in a child process because the backend is chosen when the module loads.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { cryptoBackend, JS_CRYPTO_WARNING_CODE } from "../../src/internal/cryptoBackend.js";

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), "cryptoBackendWorker.ts");

interface Seen {
  backend: { keccak: string; secp256k1: string };
  again: boolean;
  warnings: { name: string; code: unknown; message: string }[];
}

function run(env: Record<string, string>): Promise<Seen> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const key of ["TICKET_CRYPTO_NO_NATIVE", "TICKETBROKER_ALLOW_JS_CRYPTO"]) {
    if (!(key in env)) delete childEnv[key];
  }
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", worker],
      { env: childEnv, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Seen);
      },
    );
  });
}

describe("edge: cryptoBackend", function () {
  this.timeout(120_000);

  it("reports native add-ons in this process (the test machine has them built)", function () {
    expect(cryptoBackend()).to.deep.equal({ keccak: "native", secp256k1: "native" });
  });

  it("with the native add-ons: reports native and warns nothing", async function () {
    const seen = await run({});
    expect(seen.backend).to.deep.equal({ keccak: "native", secp256k1: "native" });
    expect(seen.warnings.filter((w) => w.code === JS_CRYPTO_WARNING_CODE)).to.deep.equal([]);
  });

  it("on the JavaScript fallback: reports js and warns exactly once, naming both and the way out", async function () {
    const seen = await run({ TICKET_CRYPTO_NO_NATIVE: "1" });
    expect(seen.backend).to.deep.equal({ keccak: "js", secp256k1: "js" });
    const ours = seen.warnings.filter((w) => w.code === JS_CRYPTO_WARNING_CODE);
    expect(ours).to.have.length(1);
    expect(seen.again).to.equal(false);
    expect(ours[0]?.message)
      .to.match(/keccak/)
      .and.match(/secp256k1/);
    expect(ours[0]?.message).to.include("TICKETBROKER_ALLOW_JS_CRYPTO=1");
  });

  it("on the JavaScript fallback with TICKETBROKER_ALLOW_JS_CRYPTO=1: reports js, warns nothing", async function () {
    const seen = await run({ TICKET_CRYPTO_NO_NATIVE: "1", TICKETBROKER_ALLOW_JS_CRYPTO: "1" });
    expect(seen.backend).to.deep.equal({ keccak: "js", secp256k1: "js" });
    expect(seen.warnings.filter((w) => w.code === JS_CRYPTO_WARNING_CODE)).to.deep.equal([]);
  });
});
