/**
 * Prints the line coverage of contracts/ without the test mocks, from the lcov report that
 * `hardhat test --coverage` writes, and fails below the floor. Run by `npm test`.
 */
import { readFile } from "node:fs/promises";

const FLOOR_PERCENT = 95;
const report = await readFile(new URL("../coverage/lcov.info", import.meta.url), "utf8");

let file = "";
const totals = new Map<string, { found: number; hit: number }>();
for (const line of report.split("\n")) {
  if (line.startsWith("SF:")) file = line.slice(3).replace(/^.*?(contracts\/)/, "$1");
  else if (line.startsWith("LF:") || line.startsWith("LH:")) {
    const entry = totals.get(file) ?? { found: 0, hit: 0 };
    if (line.startsWith("LF:")) entry.found += Number(line.slice(3));
    else entry.hit += Number(line.slice(3));
    totals.set(file, entry);
  }
}

const counted = [...totals].filter(
  ([name]) => name.startsWith("contracts/") && !name.startsWith("contracts/mocks/"),
);
if (counted.length === 0) {
  console.error("No contracts/ files in coverage/lcov.info: run `hardhat test --coverage` first.");
  process.exit(1);
}
let found = 0;
let hit = 0;
for (const [name, entry] of counted) {
  found += entry.found;
  hit += entry.hit;
  console.log(`  ${name.padEnd(40)} ${((100 * entry.hit) / entry.found).toFixed(2)}%`);
}
const percent = (100 * hit) / found;
console.log(
  `Line coverage of contracts/ (mocks excluded): ${percent.toFixed(2)}% (${hit}/${found} lines)`,
);
if (percent < FLOOR_PERCENT) {
  console.error(`Below the ${FLOOR_PERCENT}% floor: add tests for the uncovered lines above.`);
  process.exit(1);
}
