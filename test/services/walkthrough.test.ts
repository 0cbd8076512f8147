/**
 * Runs the `sh` blocks of docs/walkthrough-curl.md, in order, in one bash process with curl and
 * jq, against a signer and a payee started here on loopback.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { senderSigner } from "../support/flowFixtures.js";
import { KEYS, startPair } from "./support.js";

const run = promisify(execFile);

/** The fenced blocks tagged `sh`, in order. */
export function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
}

describe("docs/walkthrough-curl.md", function () {
  this.timeout(60_000);

  it("pays a segment with the documented curl commands", async function () {
    const blocks = shellBlocks(readFileSync("docs/walkthrough-curl.md", "utf8"));
    expect(blocks.length).to.be.greaterThan(5);
    const pair = await startPair();
    const dir = mkdtempSync(path.join(tmpdir(), "tb-walkthrough-"));
    try {
      const { stdout } = await run("bash", ["-euo", "pipefail", "-c", blocks.join("\n")], {
        cwd: dir,
        env: {
          PATH: process.env["PATH"] ?? "/usr/bin:/bin",
          SIGNER: pair.signer.url,
          PAYEE: pair.payee.url,
          GATEWAY_KEY: KEYS.gateway,
          WORK_KEY: KEYS.work,
          SENDER: senderSigner.address,
        },
      });
      expect(stdout).to.contain('{"fee":"62208000","ticketCount":1,"nothingToPay":false}');
      expect(stdout).to.contain("same tickets");
      expect(stdout).to.contain('{"accepted":1,"refused":0');
      expect(stdout).to.contain("422 TicketNonceReusedError");
      expect(stdout).to.contain("balances agree");
      expect(stdout).to.match(/^ticketbroker_signer_payments_total 1$/m);
      expect(stdout).to.match(/^ticketbroker_payee_ev_credited_wei_total \d+$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await pair.close();
    }
  });
});
