#!/usr/bin/env node
// Launcher for the `ticketbroker` command.
//
// Where the package is installed, it runs the built command (dist/src/cli/main.js) with the Node
// that started it (>= 20.19): give it a node with --rpc-url (or TICKETBROKER_RPC_URL) and a key
// (TICKETBROKER_PRIVATE_KEY, or --keystore with --password-file). Neither tsx nor Hardhat is
// needed.
//
// Inside the repository (tsx and Hardhat installed beside it), it runs the TypeScript source
// (src/cli/main.ts) through tsx under Node >= 22.13, so --network names the networks of
// hardhat.config.ts; an older Node re-runs this file with the Node 22 the repository installs.
// TICKETBROKER_CLI_BUILD=1 makes the repository use the built command too.
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const root = path.resolve(__dirname, "..");
const [major, minor] = process.versions.node.split(".").map(Number);
const atLeast = (M, m) => major > M || (major === M && minor >= m);

function fail(message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

function resolvable(name) {
  try {
    require.resolve(name, { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

const built = path.join(root, "dist", "src", "cli", "main.js");
const source = path.join(root, "src", "cli", "main.ts");
const inRepository =
  process.env.TICKETBROKER_CLI_BUILD !== "1" &&
  !root.split(path.sep).includes("node_modules") &&
  fs.existsSync(source) &&
  resolvable("tsx") &&
  resolvable("hardhat");

if (!inRepository) {
  if (!atLeast(20, 19)) {
    fail(
      `ticketbroker needs Node >= 20.19 (this is ${process.versions.node}).\n` +
        "What to do: install Node 20.19 or later (Node 22 LTS recommended) and run the command again.",
    );
  }
  if (!fs.existsSync(built)) {
    fail(
      `the built command ${path.relative(process.cwd(), built)} is missing.\n` +
        "What to do: in the repository run `npm run build:lib`; an installed package always ships it.",
    );
  }
  import(pathToFileURL(built).href).catch((err) => fail(err instanceof Error ? err.stack : err));
} else {
  if (!atLeast(22, 13)) {
    const candidates = [
      path.join(root, "node_modules", ".bin", "node"),
      path.join(root, "..", ".bin", "node"),
    ];
    const node22 = candidates.find((file) => fs.existsSync(file));
    if (node22 === undefined || process.env.TICKETBROKER_REEXEC === "1") {
      fail(
        `inside the repository ticketbroker runs under Node >= 22.13 (this is ${process.versions.node}).\n` +
          "What to do: run the set-up command of the README (it installs Node 22 as a dev dependency), or install Node 22.",
      );
    }
    const result = spawnSync(node22, [__filename, ...process.argv.slice(2)], {
      stdio: "inherit",
      env: { ...process.env, TICKETBROKER_REEXEC: "1" },
    });
    if (result.error !== undefined) fail(result.error.message);
    process.exit(result.status ?? 1);
  }
  const tsxLoader = require.resolve("tsx", { paths: [root] });
  const result = spawnSync(
    process.execPath,
    ["--import", pathToFileURL(tsxLoader).href, source, ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  if (result.error !== undefined) fail(result.error.message);
  process.exit(result.status ?? 1);
}
