/**
 * Entry point of the `ticketbroker` command. bin/ticketbroker.cjs runs the built copy
 * (dist/src/cli/main.js) with plain Node.js, or, inside the repository, this file through tsx.
 */
import { processDeps } from "./process.js";
import { runCli } from "./run.js";

const code = await runCli(process.argv.slice(2), processDeps());
// A JSON-RPC provider or a Hardhat connection may keep timers alive; the command is done.
process.exit(code);
