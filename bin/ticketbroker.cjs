#!/usr/bin/env node
// Launcher for the `ticketbroker` command. Hardhat needs Node >= 22.13, but `npx` may start this
// file with an older system Node: then it re-runs itself with the Node 22 that the project
// installs (the `node` devDependency, in node_modules/.bin). The command itself is TypeScript
// (src/cli/main.ts), run through tsx.
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const MIN_MAJOR = 22;
const MIN_MINOR = 13;
const root = path.resolve(__dirname, "..");
const [major, minor] = process.versions.node.split(".").map(Number);
const modern = major > MIN_MAJOR || (major === MIN_MAJOR && minor >= MIN_MINOR);

function fail(message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

if (!modern) {
  const candidates = [
    path.join(root, "node_modules", ".bin", "node"),
    path.join(root, "..", ".bin", "node"),
  ];
  const node22 = candidates.find((file) => fs.existsSync(file));
  if (node22 === undefined || process.env.TICKETBROKER_REEXEC === "1") {
    fail(
      `ticketbroker needs Node >= ${MIN_MAJOR}.${MIN_MINOR} (this is ${process.versions.node}).\n` +
        "What to do: run `npm ci` in the project (it installs Node 22 as a dev dependency), or install Node 22.",
    );
  }
  const result = spawnSync(node22, [__filename, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, TICKETBROKER_REEXEC: "1" },
  });
  if (result.error !== undefined) fail(result.error.message);
  process.exit(result.status ?? 1);
}

let tsxLoader;
try {
  tsxLoader = require.resolve("tsx", { paths: [root] });
} catch {
  fail("tsx is not installed. What to do: run `npm ci` in the project.");
}
const { pathToFileURL } = require("node:url");
const result = spawnSync(
  process.execPath,
  [
    "--import",
    pathToFileURL(tsxLoader).href,
    path.join(root, "src", "cli", "main.ts"),
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);
if (result.error !== undefined) fail(result.error.message);
process.exit(result.status ?? 1);
