import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { SqliteStore } from "../../src/store/sqlite/sqliteStore.js";
import { describeStoreConformance } from "./conformance.js";
import { itAgreesWithMemoryModel } from "./model.js";
import { describeMultiProcess } from "./processes.js";

const root = mkdtempSync(path.join(tmpdir(), "tb-sqlite-"));
let n = 0;

after(function () {
  rmSync(root, { recursive: true, force: true });
});

describeStoreConformance({
  kind: "sqlite",
  shared: true,
  fresh(options = {}) {
    const file = path.join(root, `store-${++n}.db`);
    const store = SqliteStore.open({ file, ...options });
    return Promise.resolve({
      store,
      another: () => Promise.resolve(SqliteStore.open({ file, ...options })),
    });
  },
});

describe("SQLite store: memory model", function () {
  itAgreesWithMemoryModel(
    () =>
      Promise.resolve(
        SqliteStore.open({ file: path.join(root, `model-${++n}.db`), blockSize: 4n }),
      ),
    60,
  );
});

describeMultiProcess(
  "SQLite",
  () => Promise.resolve(`sqlite:${path.join(root, `procs-${++n}.db`)}`),
  { blockSize: 1n },
);
