import { randomUUID } from "node:crypto";

import { MemoryStore } from "../../src/store/memory/memoryStore.js";
import { describeStoreConformance } from "./conformance.js";

describeStoreConformance({
  kind: "memory",
  shared: false,
  fresh(options = {}) {
    const lockScope = randomUUID();
    const store = new MemoryStore({ ...options, lockScope });
    return Promise.resolve({
      store,
      another: () => Promise.resolve(new MemoryStore({ lockScope })),
    });
  },
});
