/**
 * Every piece of text the `ticketbroker` command line shows a person: help, results, progress
 * and errors. Commands never build user-facing sentences themselves.
 */
import { DEFAULT_GRACE_SECONDS } from "../recipient/defaults.js";

const AMOUNT_FORMS = "1.5eth, 20gwei or 1000wei";

const KEYS = `Keys (never prompted for; everything works without a terminal):
  TICKETBROKER_PRIVATE_KEY            a 0x-prefixed private key; signs when set.
  --keystore <file> + --password-file <file> (or TICKETBROKER_KEYSTORE and
  TICKETBROKER_PASSWORD_FILE)         an encrypted JSON keystore and a file holding its password.
  Otherwise the node's own accounts sign (--account <index>): the unlocked test accounts of a
  \`hardhat node\`; inside the repository, --network arbitrumSepolia reads
  ARBITRUM_SEPOLIA_PRIVATE_KEY from the environment or the Hardhat keystore.`;

const NETWORK = `Network: --rpc-url <url> (or TICKETBROKER_RPC_URL) talks to any JSON-RPC node with plain
Node.js. Without it, inside the repository, --network <name> picks a network from
hardhat.config.ts (default: localhost, a node started with \`npx hardhat node\`).`;

export interface CommandHelp {
  readonly summary: string;
  readonly description?: string;
  readonly examples: readonly string[];
}

/** Help for each command, keyed by its words. */
export const commandHelp = {
  "sender deposit": {
    summary: "Add to your deposit (pays your winning tickets first)",
    description:
      "Sends <amount> to the broker as your deposit. Funding your own account cancels an unlock in progress.",
    examples: [
      "npx ticketbroker sender deposit 1.5eth",
      "npx ticketbroker sender deposit 0.1eth --dry-run",
    ],
  },
  "sender reserve": {
    summary: "Add to your reserve (penalty escrow shared among recipients)",
    description:
      "Sends <amount> to the broker as your reserve. When your deposit cannot pay a winning ticket, each eligible recipient may claim its share of the reserve per round.",
    examples: ["npx ticketbroker sender reserve 0.5eth"],
  },
  "sender fund": {
    summary: "Fund another sender's deposit and reserve",
    description:
      "Pays into <sender-address>'s deposit and reserve from your account. It never changes that sender's unlock. Give --deposit, --reserve or both.",
    examples: [
      "npx ticketbroker sender fund 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --deposit 1eth --reserve 0.5eth",
    ],
  },
  "sender unlock": {
    summary: "Start the unlock period before withdrawing",
    description:
      "Starts your unlock period. Your tickets stay redeemable until it ends; then run `sender withdraw`. `sender cancel-unlock` (or funding your own account) stops it.",
    examples: ["npx ticketbroker sender unlock"],
  },
  "sender cancel-unlock": {
    summary: "Cancel your unlock",
    description: "Cancels an unlock in progress; your tickets are redeemable again.",
    examples: ["npx ticketbroker sender cancel-unlock"],
  },
  "sender withdraw": {
    summary: "Take back your deposit and reserve after the unlock period",
    description:
      "Sends your whole deposit and reserve back to your account. Needs a completed unlock.",
    examples: ["npx ticketbroker sender withdraw"],
  },
  "sender status": {
    summary: "Show a sender's deposit, reserve and unlock state",
    description:
      "Shows the deposit, reserve and unlock state of <sender-address> (default: your account).",
    examples: [
      "npx ticketbroker sender status",
      "npx ticketbroker sender status 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 --json",
    ],
  },
  "sender signer authorize": {
    summary: "Let a hot key sign tickets for your deposit",
    description:
      "Authorises <key-address> to sign tickets on your behalf (a delegate key for a signing service), so the key that holds your funds can stay offline.",
    examples: [
      "npx ticketbroker sender signer authorize 0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    ],
  },
  "sender signer revoke": {
    summary: "Revoke a signing key",
    description:
      "Revokes <key-address>. Its tickets stay redeemable for one unlock period (so winners already accepted get paid); recipients take no new payment from it.",
    examples: ["npx ticketbroker sender signer revoke 0x90F79bf6EB2c4f870365E785982E1f101E93b906"],
  },
  "sender signer status": {
    summary: "Show whether a key may sign for a sender",
    description:
      "Shows whether <key-address> may sign tickets for <sender-address> (default: your account): active, revoked with the time its tickets stop being honoured, or never authorised.",
    examples: ["npx ticketbroker sender signer status 0x90F79bf6EB2c4f870365E785982E1f101E93b906"],
  },
  "recipient status": {
    summary: "Show a recipient's credited earnings and pool membership",
    description:
      "Shows whether <recipient-address> (default: your account) is in the recipient pool, the earnings credited to it and the current reserve round.",
    examples: ["npx ticketbroker recipient status"],
  },
  "recipient claimable": {
    summary: "Show what a recipient may still claim from a sender's reserve this round",
    description:
      "Shows how much of <sender-address>'s reserve <recipient-address> (default: your account) can still claim in the current round.",
    examples: ["npx ticketbroker recipient claimable 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"],
  },
  "recipient redeem": {
    summary: "Redeem the due winning tickets of a winner store",
    description:
      "Redeems the winners in <winner-store-file>, the file a recipient's FileWinnerStore writes (one framed record per line; files of the previous JSON-lines format are read too). Any other file (a JSON list of tickets, say) is refused and left untouched. Tickets are sent in ascending nonce order per sender, --batch-size per transaction (default 20), only once their params' deadline plus --grace-seconds has passed. Each failed ticket is reported with its decoded reason and stays in the store. --dry-run opens the store read-only and shows only what would be sent now, and when the rest becomes due. The store is locked while this runs: it refuses to run beside a recipient process that holds it.",
    examples: [
      "npx ticketbroker recipient redeem ./winners.log --dry-run",
      "npx ticketbroker recipient redeem ./winners.log",
    ],
  },
  "recipient winners list": {
    summary: "List the winners in a winner store (read-only, no network)",
    description:
      "Lists every winner in <winner-store-file> with its status; --status keeps one status. Opens the store read-only, so it is safe beside a running recipient.",
    examples: ["npx ticketbroker recipient winners list ./winners.log --status pending"],
  },
  "recipient winners export": {
    summary: "Export the winners of a winner store as JSON (read-only, no network)",
    description:
      "Prints the winners of <winner-store-file> as one JSON document (bigints as decimal strings, with status, last error and paying transaction).",
    examples: ["npx ticketbroker recipient winners export ./winners.log > winners.json"],
  },
  "recipient withdraw-earnings": {
    summary: "Withdraw earnings the broker credited to you",
    description:
      "Sends your credited earnings (payouts your address could not receive directly) to --to (default: your account).",
    examples: ["npx ticketbroker recipient withdraw-earnings"],
  },
  "pool add": {
    summary: "Add a recipient to the pool (pool owner only)",
    description:
      "Makes <recipient-address> eligible to share senders' reserves. Only the pool owner can do this.",
    examples: ["npx ticketbroker pool add 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"],
  },
  "pool remove": {
    summary: "Remove a recipient from the pool (pool owner only)",
    description:
      "Removes <recipient-address> from the recipient pool. Only the pool owner can do this.",
    examples: ["npx ticketbroker pool remove 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"],
  },
  "pool list": {
    summary: "List the recipients in the pool",
    examples: ["npx ticketbroker pool list --json"],
  },
  info: {
    summary: "Show the network, the broker and its parameters",
    description:
      "Shows the chain id, the broker and pool addresses, the unlock period and the round length.",
    examples: [
      "npx ticketbroker info",
      "npx ticketbroker info --rpc-url https://sepolia-rollup.arbitrum.io/rpc",
    ],
  },
  "serve signer": {
    summary: "Run the signer service (holds a sender's signing key)",
    examples: ["npx ticketbroker serve signer --config signer.json"],
  },
  "serve payee": {
    summary: "Run the payee service (issues params, takes payments for a recipient)",
    examples: ["npx ticketbroker serve payee --config payee.json"],
  },
  "serve redeemer": {
    summary: "Run the redeemer daemon (redeems a recipient's winners as they fall due)",
    examples: ["npx ticketbroker serve redeemer --config redeemer.json"],
  },
  "store import": {
    summary: "Move the file stores' nonces and winners into a SQLite or PostgreSQL store",
    description:
      "Reads a FileNonceStore directory (--nonce-dir) and/or a FileWinnerStore file (--winners-file) and writes their state into the store at --into (sqlite:<file> or postgres://...). For each (sender, recipient) pair the new store reserves one block above the highest nonce the files may have signed, so no nonce is issued twice; winners keep their status. Stop every process that uses the files first (the winner file is locked while this runs). Running it twice changes nothing more.",
    examples: [
      "npx ticketbroker store import --into sqlite:./state.db --nonce-dir ./nonces --winners-file ./winners.log",
    ],
  },
} as const satisfies Record<string, CommandHelp>;

export type CommandId = keyof typeof commandHelp;

/** Help for each group of commands. */
export const groupHelp = {
  sender: "Commands for senders (gateways that pay with tickets)",
  "sender signer": "Delegate ticket signing to a hot key, revoke it, inspect it",
  recipient: "Commands for recipients (orchestrators paid with tickets)",
  "recipient winners": "Read a recipient's winner store (read-only)",
  pool: "Commands for the recipient pool's owner",
  serve: "Long-running services",
  store: "Move state between stores",
} as const;

/** Every command with its summary, for the top-level help. */
function overview(): string {
  const ids = Object.keys(commandHelp) as CommandId[];
  const width = Math.max(...ids.map((id) => id.length));
  return ids.map((id) => `  ${id.padEnd(width)}  ${commandHelp[id].summary}`).join("\n");
}

export const messages = {
  mainHelpAfter: `
All commands:
${overview()}

Amounts always carry a unit, e.g. ${AMOUNT_FORMS}.
Times are shown as a UTC date next to Unix seconds; in --json every integer is a decimal
string, every amount is in wei, and every time is {"unix": "<seconds>", "iso": "<UTC>"}.

${NETWORK}

${KEYS}

Start here: in one terminal \`npx hardhat node\`; in another
  npx hardhat ignition deploy ignition/modules/TicketBroker.ts --network localhost --parameters ignition/parameters/localhost.json
  npx ticketbroker sender deposit 1eth
  npx ticketbroker sender status
Run \`npx ticketbroker <group> --help\` (sender, recipient, pool, serve) for its commands.`,

  commandHelpAfter: (id: CommandId) => {
    const help: CommandHelp = commandHelp[id];
    return `
Examples:
${help.examples.map((e) => `  ${e}`).join("\n")}

Amounts always carry a unit, e.g. ${AMOUNT_FORMS}.

${KEYS}`;
  },

  options: {
    network: "network from hardhat.config.ts, inside the repository (default: localhost)",
    rpcUrl:
      "JSON-RPC URL of a node; runs with plain Node.js, no Hardhat (env TICKETBROKER_RPC_URL)",
    account: "which of the node's accounts signs, from 0 (ignored when a key is given)",
    broker: "use the TicketBroker at this address instead of the recorded deployment",
    deploymentId: "read the broker from ignition/deployments/<id>/ (default chain-<chainId>)",
    keystore: "encrypted JSON keystore that signs (env TICKETBROKER_KEYSTORE)",
    passwordFile: "file holding the keystore's password (env TICKETBROKER_PASSWORD_FILE)",
    dryRun: "show what would be sent and its gas estimate; send nothing",
    json: "print the result (or the error) as JSON on stdout",
    batchSize: "most tickets per transaction (default 20)",
    graceSeconds: `seconds after a params deadline before its tickets are due (default ${DEFAULT_GRACE_SECONDS})`,
    status: "only winners with this status: pending, redeemed or unredeemable",
    into: "the store to write to: sqlite:<file> or postgres://user:password@host/db",
    nonceDir: "a FileNonceStore directory to import",
    winnersFile: "a FileWinnerStore file to import",
    to: "where the earnings go (default: your account)",
    deposit: "amount for the deposit",
    reserve: "amount for the reserve",
    config: "configuration file of the service",
  },

  usage: {
    importNeedsInto: "store import needs --into <store-url>",
    importNeedsSource: "store import needs --nonce-dir and/or --winners-file",
    importHint:
      "Example: ticketbroker store import --into sqlite:./state.db --nonce-dir ./nonces --winners-file ./winners.log",
    unknownCommand: (words: string) => `Unknown command "${words}".`,
    unknownCommandHint: "Run `npx ticketbroker --help` to see every command.",
    groupHint: (group: string) => `Run \`npx ticketbroker ${group} --help\` to see its commands.`,
    missingCommand: "No command given.",
    commandHint: (id: string) =>
      `Run \`npx ticketbroker ${id} --help\` for the arguments and an example.`,
    invalidAddress: (what: string, value: string) =>
      `The ${what} "${value}" is not an Ethereum address.`,
    addressHint:
      "Give a 0x-prefixed 20-byte hex address, e.g. 0x70997970C51812dc3A010C7d01b50e0d17dc79C8.",
    badChecksum: (what: string, value: string) =>
      `The ${what} "${value}" has a bad checksum: its mixed upper and lower case does not match the address.`,
    badChecksumHint:
      "A character was probably mistyped or changed: copy the address again from its source. (An all-lowercase address carries no checksum and is accepted as it is.)",
    invalidInteger: (flag: string, value: string) =>
      `${flag} must be a positive whole number, not "${value}".`,
    integerHint: (flag: string) => `For example ${flag} 20.`,
    invalidAccount: (value: string) =>
      `--account must be an account index: a whole number from 0, not "${value}".`,
    accountHint: "Use --account 0 for the first account, 1 for the second, and so on.",
    invalidStatus: (value: string) =>
      `--status must be pending, redeemed or unredeemable, not "${value}".`,
    statusHint: "For example --status pending.",
    fundNeedsAmount: "Give --deposit, --reserve or both.",
    fundHint: "For example: npx ticketbroker sender fund 0x… --deposit 1eth --reserve 0.5eth",
  },

  amount: {
    invalid: (what: string, value: string) =>
      `The ${what} amount "${value}" has no unit or is not a number.`,
    tooPrecise: (what: string, value: string, unit: string) =>
      `The ${what} amount "${value}" has more decimals than a ${unit} amount can carry.`,
    hint: `Write an amount with its unit, e.g. ${AMOUNT_FORMS} (a bare number is refused so that 1 is never mistaken for 1 ETH or 1 wei).`,
    zero: (what: string) => `The ${what} amount is zero.`,
    zeroHint: "Give an amount above zero, e.g. 0.1eth.",
  },

  network: {
    unknown: (name: string) => `There is no network named "${name}".`,
    unknownHint: (known: readonly string[]) =>
      `Use one of: ${known.join(", ")} (defined in hardhat.config.ts); the default is localhost.`,
    unreachable: (name: string, url: string) => `Cannot reach the ${name} network at ${url}.`,
    variableMissing: (name: string, variable: string) =>
      `The ${name} network needs the configuration variable ${variable}, which is not set.`,
    variableMissingHint: (variable: string) =>
      `Set the environment variable ${variable} (or \`npx hardhat keystore set ${variable}\`): Hardhat reads every variable of the network when connecting, even for a command that only reads. Or connect with --rpc-url <url>, which needs no key to read.`,
    unreachableHint: (name: string) =>
      name === "localhost"
        ? "Start a node in another terminal with `npx hardhat node`, then run the command again."
        : "Check the RPC URL (`npx hardhat keystore set ARBITRUM_SEPOLIA_RPC_URL`) and your connection.",
  },

  deployment: {
    none: (network: string, chainId: bigint) =>
      `No TicketBroker is deployed on ${network} (chain id ${chainId}).`,
    noneHint: (network: string) =>
      /^chain \d+$/.test(network)
        ? // Connected with --rpc-url: there is no Hardhat network name to suggest.
          "Pass --broker <address>, or --deployment-id <id> naming a deployment recorded under ignition/deployments/, or deploy one with `npx hardhat ignition deploy ignition/modules/TicketBroker.ts --network <name>` on a network of hardhat.config.ts."
        : `Deploy one with \`npx hardhat ignition deploy ignition/modules/TicketBroker.ts --network ${network} --parameters ignition/parameters/${network}.json\`, or pass --broker <address>.`,
    noCode: (address: string, network: string) =>
      `The recorded TicketBroker address ${address} has no contract on ${network}.`,
    noCodeHint: (network: string) =>
      `The node was probably restarted since the deployment. Deploy again (add --reset to the ignition command for ${network}) or pass --broker <address>.`,
    noCodePublic: (address: string, network: string, record: string) =>
      `The TicketBroker address ${address} recorded in ${record} has no contract on ${network}: that record is not a deployment on this chain.`,
    noCodePublicHint: (record: string) =>
      `It was probably written by a rehearsal against a local node started with this chain id. Move ${record} aside (it is not the real deployment), rehearse with --deployment-id rehearsal-<chainId> next time, and deploy for real; or pass --broker <address>.`,
  },

  signer: {
    none: (network: string) => `No account is available to sign on ${network}.`,
    noneHint:
      "Set TICKETBROKER_PRIVATE_KEY, or add accounts for the network in hardhat.config.ts (kept in the Hardhat keystore).",
    badIndex: (index: number, count: number) =>
      `Account ${index} does not exist; the network has ${count}.`,
    badIndexHint: (count: number) =>
      count === 1
        ? "Use --account 0, the only account, or give a key."
        : `Use --account 0 to ${count - 1}, or give a key.`,
    noneRpcHint:
      "Give a key: TICKETBROKER_PRIVATE_KEY=0x…, or --keystore <file> with --password-file <file> (nothing is prompted for).",
    keystoreNeedsPassword: (file: string) =>
      `The keystore ${file} needs its password, and no password file was given.`,
    keystoreNeedsPasswordHint:
      "Give --password-file <file> (or TICKETBROKER_PASSWORD_FILE, or the password itself in TICKETBROKER_KEYSTORE_PASSWORD); the command never prompts.",
    keystoreUnreadable: (file: string, reason: string) =>
      `Cannot open the keystore ${file}: ${reason}`,
    keystoreUnreadableHint:
      "Check the keystore file (an encrypted JSON keystore, as geth, ethers or cast write) and its password file.",
    badKey: "TICKETBROKER_PRIVATE_KEY is not a valid private key.",
    badKeyHint: "Give a 32-byte hex key, 0x-prefixed.",
  },

  balance: {
    insufficient: (account: string, balance: string, needed: string) =>
      `Account ${account} has ${balance}, but this transaction needs up to ${needed} (value plus gas).`,
    nodeRefused: "The node refused the transaction: the account cannot pay its value and gas.",
    hint: "Fund the account, lower the amount, or pick another account with --account.",
  },

  revert: {
    decoded: (name: string, args: Record<string, unknown>) => {
      const values = Object.entries(args)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(", ");
      return `The contract refused: ${name}(${values}).`;
    },
    /** What to do about a RecipientPool error (the broker's come with the library's hint). */
    hint: (name: string) =>
      poolRevertHints[name] ??
      "See the error's NatSpec in contracts/interfaces/IRecipientPool.sol.",
    undecoded: (data: string) => `The contract refused with an unknown error (data ${data}).`,
    noData: (reason: string) => `The transaction reverted: ${reason}`,
    undecodedHint:
      "Check that --broker points at a TicketBroker and that your package version matches it.",
    failedReceipt: (hash: string) => `Transaction ${hash} was mined but reverted.`,
  },

  winners: {
    empty: "No pending winners for this account in the winner store; nothing to redeem.",
    dryRun: (tickets: number, batches: number) =>
      `redeem ${tickets} winner(s) due now in ${batches} transaction(s)`,
    notDueLine: (sender: string, count: number, when: string) =>
      `  ${count} winner(s) from ${sender} not due yet: due from ${when}`,
    heldLine: (sender: string, count: number, reason: string) =>
      `  ${count} winner(s) from ${sender} held back: ${reason}`,
    deadLine: (sender: string, count: number, reason: string) =>
      `  ${count} winner(s) from ${sender} can never be redeemed (${reason}); a real run marks them unredeemable`,
    listTitle: (count: number, file: string) => `${count} winner(s) in ${file}`,
    listLine: (w: {
      status: string;
      sender: string;
      nonce: bigint;
      face: string;
      error?: string;
    }) =>
      `  ${w.status.padEnd(12)} nonce ${w.nonce} from ${w.sender}, face value ${w.face}${w.error === undefined ? "" : ` (last error: ${w.error})`}`,
  },

  earnings: {
    nothing: (recipient: string) =>
      `No earnings are credited to ${recipient}; nothing to withdraw.`,
    nothingHint:
      "Winning tickets pay the recipient directly; the broker credits earnings only when that payment could not be delivered. Check with `npx ticketbroker recipient status`.",
  },

  serve: {
    missingPackage: (service: string, pkg: string) =>
      `The ${service} service needs the package ${pkg}, which is not installed.`,
    missingPackageHint:
      "The HTTP services' packages (fastify and its plugins) are optional dependencies: an install on Node 20 with --engine-strict skips them (one of their dependencies declares Node >= 22). Install the package on Node 22, or add them: npm install fastify@5 @fastify/swagger@9 @fastify/type-provider-typebox@6.",
    unavailable: (service: string) => `The ${service} service is not available in this build.`,
    unavailableHint: (service: string) =>
      `This version of ticketbroker does not include \`serve ${service}\`; upgrade the package, or use the library directly.`,
  },

  progress: {
    sent: (hash: string) => `Sent transaction ${hash}`,
    waiting: (seconds: number) => `Waiting for confirmation… ${seconds}s`,
    confirmed: (block: number, gasUsed: bigint) =>
      `Confirmed in block ${block} (gas used ${gasUsed}).`,
    batch: (index: number, tickets: number) => `Redeeming batch ${index}: ${tickets} ticket(s)…`,
  },

  output: {
    dryRunTitle: (label: string) => `Dry run: ${label} (nothing sent)`,
    transaction: "Transaction",
    from: "from",
    to: "to",
    value: "value",
    call: "call",
    data: "data",
    gasEstimate: "gas estimate",
    maxFeePerGas: "max fee per gas",
    maxCost: "max gas cost",
    done: (label: string) => `Done: ${label}.`,
    hash: "transaction",
    block: "block",
    gasUsed: "gas used",
    network: "network",
    chainId: "chain id",
    broker: "broker",
    pool: "recipient pool",
    poolOwner: "pool owner",
    unlockPeriod: "unlock period",
    roundLength: "round length",
    currentRound: "current round",
    signer: "signer",
    signerState: "state",
    signerActive: "active: may sign tickets",
    signerNever: "never authorised",
    signerRevoked: (until: string) => `revoked; its tickets are honoured until ${until}`,
    signerExpired: (until: string) => `revoked; its tickets stopped being honoured at ${until}`,
    blockTime: "block time",
    sender: "sender",
    deposit: "deposit",
    reserve: "reserve",
    unlock: "unlock",
    locked: "locked (tickets redeemable)",
    unlocking: (end: string) => `unlocking, can withdraw from ${end}`,
    unlocked: (end: string) => `unlocked since ${end}: run \`sender withdraw\``,
    recipient: "recipient",
    inPool: "in recipient pool",
    yes: "yes",
    no: "no",
    eligibleCount: "eligible recipients",
    credited: "credited earnings",
    walletBalance: "account balance",
    claimable: "claimable this round",
    recipients: (n: number) => `${n} recipient(s) in the pool`,
    redeemed: (count: number, total: string) => `Redeemed ${count} ticket(s), paid ${total}.`,
    failedTicket: (nonce: bigint, sender: string, reason: string, retry: boolean) =>
      `  not redeemed: nonce ${nonce} from ${sender}: ${reason} (${retry ? "stays pending, retried next run" : "can never be redeemed; kept in the store"})`,
    notDue: "winners not yet due",
    error: "Error",
    hint: "What to do",
  },
} as const;

/**
 * What to do about each RecipientPool error, by its Solidity name. The TicketBroker's errors are
 * not here: their hint is the library's (src/contract/contractErrors.ts), the one source for both.
 */
const poolRevertHints: Record<string, string> = {
  OwnableInvalidOwner: "Give the pool a non-zero owner address.",
  OwnableUnauthorizedAccount: "Only the pool owner can change the pool: use the owner's key.",
  RecipientPoolAlreadyEligible: "The recipient is already in the pool.",
  RecipientPoolNotEligible: "The recipient is not in the pool.",
  RecipientPoolZeroAddress: "Give a non-zero recipient address.",
};
