/**
 * The whole system on the in-process chain, in well under a minute:
 *
 *   npm run demo        (= hardhat run scripts/demo.ts)
 *
 * The broker is deployed with its Ignition module and a gateway funded; the signer service (the
 * gateway's ticket-signing key) and two payee services (transcoding orchestrators) listen on
 * loopback with SQLite files in a temporary directory, next to an inference API priced per
 * token with the x402 lottery scheme. The gateway streams segments through the signer to the
 * payees over HTTP, an agent calls the inference API with the lottery fetch wrapper, the chain
 * moves past the params' deadlines, and each orchestrator's redeemer redeems its winners in
 * batches. The summary printed at the end is measured from what happened (scripts/demo/).
 *
 * DEMO_SEGMENTS and DEMO_REQUESTS change the amount of work; DEMO_KEEP_STORES=1 keeps the SQLite
 * files (deleted at the end otherwise).
 */
import { brokenInvariants, formatReport } from "./demo/report.js";
import { runDemo } from "./demo/runDemo.js";

const title = "0. The system, as it runs";
console.log(`${title}\n${"-".repeat(title.length)}`);
const summary = await runDemo({
  segments: Number(process.env.DEMO_SEGMENTS ?? 100),
  requests: Number(process.env.DEMO_REQUESTS ?? 150),
  log: (line) => console.log(`  ${line}`),
  keepStores: process.env.DEMO_KEEP_STORES === "1",
});
for (const line of formatReport(summary)) console.log(line);
const broken = brokenInvariants(summary);
if (broken.length > 0) {
  console.error(`\nThe figures do not add up:\n${broken.map((b) => `  - ${b}`).join("\n")}`);
  process.exitCode = 1;
}
