import { PostgresStore } from "../../src/store/postgres/postgresStore.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { describeStoreConformance } from "./conformance.js";
import { itAgreesWithMemoryModel } from "./model.js";
import { describeMultiProcess } from "./processes.js";

describe("PostgreSQL store", function () {
  this.timeout(120_000);
  let server: TestPostgres;

  before(async function () {
    server = await startPostgres();
  });

  after(async function () {
    await server?.stop();
  });

  describeStoreConformance({
    kind: "postgres",
    shared: true,
    async fresh(options = {}) {
      const url = await server.createDatabase();
      const store = await PostgresStore.open({ url, ...options });
      return { store, another: () => PostgresStore.open({ url, ...options }) };
    },
  });

  describeMultiProcess("PostgreSQL", () => server.createDatabase(), { blockSize: 1n });

  describe("memory model", function () {
    itAgreesWithMemoryModel(
      async () => PostgresStore.open({ url: await server.createDatabase(), blockSize: 4n }),
      25,
    );
  });
});
