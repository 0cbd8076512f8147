import { createRequire } from "node:module";

import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

// The repository's tooling (Hardhat 3) needs Node >= 22.13; the package itself runs on Node 20.
// npm scripts and npx use the Node 22 the repository installs (node_modules/.bin/node).
const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split(".").map(Number);
if (nodeMajor < 22 || (nodeMajor === 22 && nodeMinor < 13)) {
  throw new Error(
    `The repository's tooling (Hardhat 3) needs Node >= 22.13; this is Node ${process.versions.node}. ` +
      "Run it through `npm run ...` or `npx hardhat ...` in the repository (they use the Node 22 in " +
      "node_modules/.bin), or install Node 22. Consumers of the package need only Node >= 20.19.",
  );
}

/**
 * The compiler is the solc-js build shipped by the pinned npm `solc` package, so a build never
 * downloads anything. Keep `SOLC_VERSION` equal to the `solc` version in package.json.
 */
const SOLC_VERSION = "0.8.30";
const SOLC_PATH = require.resolve("solc/soljson.js");

/** Arbitrum runs the Cancun instruction set (transient storage included). */
const EVM_VERSION = "cancun";

/**
 * Several checkouts of tooling may build at once (tests, benchmarks, the gas report);
 * HARDHAT_BUILD_DIR lets each use its own artifacts and cache.
 */
const buildDir = process.env.HARDHAT_BUILD_DIR;

/**
 * CI (CI=true) runs the deep campaigns: 5,000 runs per fuzz test and 160 runs × 64 calls =
 * 10,240 handler calls per invariant. Locally the shallow defaults keep `npm test` quick;
 * TICKETBROKER_DEEP_FUZZ=1 asks for the deep ones anywhere.
 */
const deepFuzz = process.env.CI === "true" || process.env.TICKETBROKER_DEEP_FUZZ === "1";

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    profiles: {
      default: {
        version: SOLC_VERSION,
        path: SOLC_PATH,
        settings: {
          evmVersion: EVM_VERSION,
          optimizer: { enabled: true, runs: 200 },
        },
      },
      production: {
        version: SOLC_VERSION,
        path: SOLC_PATH,
        settings: {
          evmVersion: EVM_VERSION,
          // Tuned for call cost over deployment size: redemptions run millions of times.
          optimizer: { enabled: true, runs: 1_000_000 },
        },
      },
    },
  },
  paths:
    buildDir === undefined
      ? {}
      : { artifacts: `${buildDir}/artifacts`, cache: `${buildDir}/cache` },
  typechain: {
    outDir: "typechain-types",
  },
  test: {
    solidity: {
      // The shared ticket vectors, read by test/vectors/TicketVectors.t.sol.
      fsPermissions: { readFile: ["test/vectors/tickets.json"] },
      // The seed is fixed so every run (and CI) sees the same inputs and a failure reproduces;
      // change it locally to explore other inputs.
      fuzz: {
        runs: deepFuzz ? 5_000 : 256,
        seed: "0x7469636b657462726f6b65722d736f6c69646974792d74657374732d30303031",
      },
      // Each invariant_* runs its own campaign of runs × depth handler calls; sized so the
      // whole Solidity suite stays within a few minutes on a 2-core machine.
      invariant: { runs: deepFuzz ? 160 : 48, depth: 64, failOnRevert: false },
    },
  },
  networks: {
    // A `hardhat node` started separately. TICKETBROKER_LOCALHOST_URL points it elsewhere
    // (the end-to-end test runs its node on a free port).
    localhost: {
      type: "http",
      chainType: "generic",
      url: process.env.TICKETBROKER_LOCALHOST_URL ?? "http://127.0.0.1:8545",
    },
    arbitrumSepolia: {
      type: "http",
      chainType: "generic",
      chainId: 421614,
      url: configVariable("ARBITRUM_SEPOLIA_RPC_URL"),
      accounts: [configVariable("ARBITRUM_SEPOLIA_PRIVATE_KEY")],
    },
  },
  verify: {
    etherscan: {
      apiKey: configVariable("ARBISCAN_API_KEY"),
    },
  },
});
