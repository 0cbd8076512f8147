/**
 * The package's public surface is reviewed like code: the runtime exports of src/index.ts must
 * equal the committed list. After an intended change, regenerate it with
 *   UPDATE_PUBLIC_SURFACE=1 npx hardhat test mocha test/surface/publicSurface.test.ts
 */
import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";

import * as library from "../../src/index.js";

const SNAPSHOT = new URL("./publicSurface.json", import.meta.url);

describe("public surface", function () {
  it("exports exactly the committed names", async function () {
    const names = Object.keys(library).sort();
    if (process.env.UPDATE_PUBLIC_SURFACE === "1") {
      await writeFile(SNAPSHOT, `${JSON.stringify(names, null, 2)}\n`);
    }
    const committed = JSON.parse(await readFile(SNAPSHOT, "utf8")) as string[];
    expect(names).to.deep.equal(committed);
  });

  it("exports no undefined value", function () {
    const missing = Object.entries(library)
      .filter(([, value]) => value === undefined)
      .map(([name]) => name);
    expect(missing).to.deep.equal([]);
  });
});
