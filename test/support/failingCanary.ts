/**
 * A test that fails on purpose, for test/surface/exitCode.test.ts: it runs only when
 * TICKETBROKER_FAILING_CANARY=1 (the test runner loads every file under test/), after starting and
 * stopping a test PostgreSQL, whose package once turned a failing run's exit status into 0.
 */
import { expect } from "chai";

import { startPostgres } from "./postgres.js";

if (process.env["TICKETBROKER_FAILING_CANARY"] === "1") {
  describe("failing canary", function () {
    it("fails after a PostgreSQL server has run in this process", async function () {
      this.timeout(60_000);
      const server = await startPostgres();
      await server.stop();
      expect("this canary").to.equal("a failing test");
    });
  });
}
