/**
 * Entry point of the `ticketbroker` command (bin/ticketbroker.js runs this file under Node 22).
 */
import { processDeps } from "./hardhatContext.js";
import { runCli } from "./run.js";

process.exitCode = await runCli(process.argv.slice(2), processDeps());
