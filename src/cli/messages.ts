/**
 * Every piece of text the `ticketbroker` command line shows a person: help, results, progress
 * and errors. Commands never build user-facing sentences themselves.
 */

const AMOUNT_FORMS = "1.5eth, 20gwei or 1000wei";

const GLOBAL_OPTIONS = `Options (every command):
  --network <name>    Network from hardhat.config.ts. Default: localhost, a node you start with
                      \`npx hardhat node\` (the in-process network starts empty on every run, so
                      it never has a broker). Also: arbitrumSepolia.
  --account <index>   Which of the network's accounts signs (default 0). Ignored when
                      TICKETBROKER_PRIVATE_KEY is set.
  --broker <address>  Use the TicketBroker at this address instead of the recorded deployment.
  --deployment-id <id>  Read the broker from ignition/deployments/<id>/ (the --deployment-id
                      you gave \`hardhat ignition deploy\`; default chain-<chainId>).
  --dry-run           Show the transaction and its gas estimate; send nothing.
  --json              Print the result (or the error) as JSON on stdout.
  -h, --help          Show help for a command: \`npx ticketbroker sender deposit --help\`.`;

const KEYS = `Keys: TICKETBROKER_PRIVATE_KEY (an environment variable) signs when set. Otherwise the
network's own accounts sign: the node's unlocked test accounts on localhost, and on
arbitrumSepolia the key in the Hardhat keystore (\`npx hardhat keystore set ARBITRUM_SEPOLIA_PRIVATE_KEY\`).`;

export interface CommandHelp {
  readonly usage: string;
  readonly summary: string;
  readonly description: string;
  readonly examples: readonly string[];
}

/** Help for each command, keyed by `<group> <command>`. */
export const commandHelp = {
  "sender deposit": {
    usage: "sender deposit <amount>",
    summary: "Add to your deposit (pays your winning tickets first)",
    description:
      "Sends <amount> to the broker as your deposit. Funding your own account cancels an unlock in progress.",
    examples: [
      "npx ticketbroker sender deposit 1.5eth",
      "npx ticketbroker sender deposit 0.1eth --dry-run",
    ],
  },
  "sender reserve": {
    usage: "sender reserve <amount>",
    summary: "Add to your reserve (penalty escrow shared among recipients)",
    description:
      "Sends <amount> to the broker as your reserve. When your deposit cannot pay a winning ticket, each eligible recipient may claim its share of the reserve per round.",
    examples: ["npx ticketbroker sender reserve 0.5eth"],
  },
  "sender fund": {
    usage: "sender fund <sender-address> --deposit <amount> --reserve <amount>",
    summary: "Fund another sender's deposit and reserve",
    description:
      "Pays into <sender-address>'s deposit and reserve from your account. It never changes that sender's unlock. Give --deposit, --reserve or both (0wei for none).",
    examples: [
      "npx ticketbroker sender fund 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --deposit 1eth --reserve 0.5eth",
    ],
  },
  "sender unlock": {
    usage: "sender unlock",
    summary: "Start the unlock period before withdrawing",
    description:
      "Starts your unlock period. Your tickets stay redeemable until it ends; then run `sender withdraw`. `sender cancel-unlock` (or funding your own account) stops it.",
    examples: ["npx ticketbroker sender unlock"],
  },
  "sender cancel-unlock": {
    usage: "sender cancel-unlock",
    summary: "Cancel your unlock",
    description: "Cancels an unlock in progress; your tickets are redeemable again.",
    examples: ["npx ticketbroker sender cancel-unlock"],
  },
  "sender withdraw": {
    usage: "sender withdraw",
    summary: "Take back your deposit and reserve after the unlock period",
    description:
      "Sends your whole deposit and reserve back to your account. Needs a completed unlock.",
    examples: ["npx ticketbroker sender withdraw"],
  },
  "sender status": {
    usage: "sender status [sender-address]",
    summary: "Show a sender's deposit, reserve and unlock state",
    description:
      "Shows the deposit, reserve and unlock state of <sender-address> (default: your account).",
    examples: [
      "npx ticketbroker sender status",
      "npx ticketbroker sender status 0xf39F…2266 --json",
    ],
  },
  "recipient status": {
    usage: "recipient status [recipient-address]",
    summary: "Show a recipient's credited earnings and pool membership",
    description:
      "Shows whether <recipient-address> (default: your account) is in the recipient pool, the earnings credited to it and the current reserve round.",
    examples: ["npx ticketbroker recipient status"],
  },
  "recipient claimable": {
    usage: "recipient claimable <sender-address> [recipient-address]",
    summary: "Show what a recipient may still claim from a sender's reserve this round",
    description:
      "Shows how much of <sender-address>'s reserve <recipient-address> (default: your account) can still claim in the current round.",
    examples: ["npx ticketbroker recipient claimable 0xf39F…2266"],
  },
  "recipient redeem": {
    usage: "recipient redeem <winner-store-file> [--batch-size <n>] [--grace-seconds <s>]",
    summary: "Redeem stored winning tickets in batches",
    description:
      "Redeems the winning tickets in <winners-file> (the JSON file a WinnerStore writes: a list of {ticket, signature, recipientRand}). Tickets are sent in ascending nonce order per sender, --batch-size per transaction (default 20). Each failed ticket is reported with its decoded reason and stays redeemable.",
    examples: [
      "npx ticketbroker recipient redeem ./winners.json",
      "npx ticketbroker recipient redeem ./winners.json --dry-run",
    ],
  },
  "recipient withdraw-earnings": {
    usage: "recipient withdraw-earnings [--to <address>]",
    summary: "Withdraw earnings the broker credited to you",
    description:
      "Sends your credited earnings (payouts your address could not receive directly) to --to (default: your account).",
    examples: ["npx ticketbroker recipient withdraw-earnings"],
  },
  "pool add": {
    usage: "pool add <recipient-address>",
    summary: "Add a recipient to the pool (pool owner only)",
    description:
      "Makes <recipient-address> eligible to share senders' reserves. Only the pool owner can do this.",
    examples: ["npx ticketbroker pool add 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"],
  },
  "pool remove": {
    usage: "pool remove <recipient-address>",
    summary: "Remove a recipient from the pool (pool owner only)",
    description:
      "Removes <recipient-address> from the recipient pool. Only the pool owner can do this.",
    examples: ["npx ticketbroker pool remove 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"],
  },
  "pool list": {
    usage: "pool list",
    summary: "List the recipients in the pool",
    description: "Lists the recipients in the pool and the pool's owner.",
    examples: ["npx ticketbroker pool list --json"],
  },
  info: {
    usage: "info",
    summary: "Show the network, the broker and its parameters",
    description:
      "Shows the chain id, the broker and pool addresses, the unlock period and the round length.",
    examples: ["npx ticketbroker info", "npx ticketbroker info --network arbitrumSepolia"],
  },
} as const satisfies Record<string, CommandHelp>;

export type CommandId = keyof typeof commandHelp;

function groupLines(prefix: string): string {
  return Object.entries(commandHelp)
    .filter(([id]) => id.startsWith(prefix))
    .map(([, help]) =>
      help.usage.length <= 44
        ? `  ${help.usage.padEnd(44)}  ${help.summary}`
        : `  ${help.usage}\n  ${"".padEnd(44)}  ${help.summary}`,
    )
    .join("\n");
}

export const messages = {
  mainHelp: () => `ticketbroker: operate a TicketBroker (probabilistic micropayments).

Usage: npx ticketbroker <command> [arguments] [options]

Senders (gateways that pay with tickets):
${groupLines("sender ")}

Recipients (orchestrators paid with tickets):
${groupLines("recipient ")}

Pool owner:
${groupLines("pool ")}

${groupLines("info")}

Amounts always carry a unit, e.g. ${AMOUNT_FORMS}.

${GLOBAL_OPTIONS}

${KEYS}

Start here: in one terminal \`npx hardhat node\`; in another
  npx hardhat ignition deploy ignition/modules/TicketBroker.ts --network localhost --parameters ignition/parameters/localhost.json
  npx ticketbroker sender deposit 1eth
  npx ticketbroker sender status`,

  commandHelp: (id: CommandId) => {
    const help: CommandHelp = commandHelp[id];
    return `${help.summary}.

Usage: npx ticketbroker ${help.usage} [options]

${help.description}

Examples:
${help.examples.map((e) => `  ${e}`).join("\n")}

Amounts always carry a unit, e.g. ${AMOUNT_FORMS}.

${GLOBAL_OPTIONS}

${KEYS}`;
  },

  usage: {
    unknownCommand: (words: string) => `Unknown command "${words}".`,
    unknownCommandHint: "Run `npx ticketbroker --help` to see every command.",
    missingCommand: "No command given.",
    unknownOption: (flag: string) => `Unknown option "${flag}".`,
    missingValue: (flag: string) => `Option ${flag} needs a value.`,
    repeatedOption: (flag: string) => `Option ${flag} is given twice.`,
    wrongArgumentCount: (usage: string) =>
      `Wrong number of arguments. Usage: npx ticketbroker ${usage}`,
    commandHint: (id: string) =>
      `Run \`npx ticketbroker ${id} --help\` for the arguments and an example.`,
    invalidAddress: (what: string, value: string) =>
      `The ${what} "${value}" is not an Ethereum address.`,
    addressHint:
      "Give a 0x-prefixed 20-byte hex address, e.g. 0x70997970C51812dc3A010C7d01b50e0d17dc79C8.",
    invalidInteger: (flag: string, value: string) =>
      `${flag} must be a positive whole number, not "${value}".`,
    integerHint: (flag: string) => `For example ${flag} 20.`,
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
    unreachableHint: (name: string) =>
      name === "localhost"
        ? "Start a node in another terminal with `npx hardhat node`, then run the command again."
        : "Check the RPC URL (`npx hardhat keystore set ARBITRUM_SEPOLIA_RPC_URL`) and your connection.",
  },

  deployment: {
    none: (network: string, chainId: bigint) =>
      `No TicketBroker is deployed on ${network} (chain id ${chainId}).`,
    noneHint: (network: string) =>
      `Deploy one with \`npx hardhat ignition deploy ignition/modules/TicketBroker.ts --network ${network} --parameters ignition/parameters/${network}.json\`, or pass --broker <address>.`,
    noCode: (address: string, network: string) =>
      `The recorded TicketBroker address ${address} has no contract on ${network}.`,
    noCodeHint: (network: string) =>
      `The node was probably restarted since the deployment. Deploy again (add --reset to the ignition command for ${network}) or pass --broker <address>.`,
  },

  signer: {
    none: (network: string) => `No account is available to sign on ${network}.`,
    noneHint:
      "Set TICKETBROKER_PRIVATE_KEY, or add accounts for the network in hardhat.config.ts (kept in the Hardhat keystore).",
    badIndex: (index: number, count: number) =>
      `Account ${index} does not exist; the network has ${count}.`,
    badIndexHint: "Pick --account between 0 and the number of accounts minus one.",
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
    cliHint: (name: string): string | undefined => revertHints[name],
    hint: (name: string) =>
      revertHints[name] ?? "See the error's NatSpec in contracts/interfaces/ITicketBroker.sol.",
    undecoded: (data: string) => `The contract refused with an unknown error (data ${data}).`,
    noData: (reason: string) => `The transaction reverted: ${reason}`,
    undecodedHint:
      "Check that --broker points at a TicketBroker and that your package version matches it.",
    failedReceipt: (hash: string) => `Transaction ${hash} was mined but reverted.`,
  },

  winners: {
    unreadable: (file: string, reason: string) => `Cannot read the winners file ${file}: ${reason}`,
    unreadableHint: "Give the path of the winner store file (JSON lines) your orchestrator writes.",
    empty: "No pending winners for this account in the winner store; nothing to redeem.",
    dryRun: (tickets: number, batches: number) =>
      `redeem ${tickets} pending winner(s) in ${batches} transaction(s)`,
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
    seconds: (s: bigint) => `${s} s`,
    sender: "sender",
    deposit: "deposit",
    reserve: "reserve",
    unlock: "unlock",
    locked: "locked (tickets redeemable)",
    unlocking: (end: bigint) =>
      `unlocking, can withdraw from ${new Date(Number(end) * 1000).toISOString()}`,
    unlocked: (end: bigint) =>
      `unlocked since ${new Date(Number(end) * 1000).toISOString()}: run \`sender withdraw\``,
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

/** What to do about each contract error, by its Solidity name. */
const revertHints: Record<string, string> = {
  TicketBrokerZeroValue: "Send an amount above zero.",
  TicketBrokerValueMismatch: "The value sent must equal the deposit plus the reserve amount.",
  TicketBrokerZeroAddress: "Give a non-zero address.",
  TicketBrokerAmountTooLarge: "Fund a smaller amount.",
  TicketBrokerNoFunds: "The sender has no deposit or reserve: fund it first (`sender deposit`).",
  TicketBrokerAlreadyUnlocking:
    "An unlock is already running or complete: wait for it and `sender withdraw`, or `sender cancel-unlock`.",
  TicketBrokerNotUnlocking: "Start an unlock first with `sender unlock`.",
  TicketBrokerUnlockPending:
    "The unlock period has not ended yet (see unlockEnd, Unix seconds); try again after it.",
  TicketBrokerCallerNotRecipient:
    "Only the ticket's recipient can redeem it: sign with the recipient's key.",
  TicketBrokerTicketExpired: "The ticket expired and can no longer be redeemed.",
  TicketBrokerRandMismatch:
    "The stored recipientRand does not match the ticket; the winner store entry is corrupt.",
  TicketBrokerNonceAlreadyRedeemed:
    "A ticket with this or a higher nonce was already redeemed for this sender.",
  TicketBrokerNonceTooLarge:
    "The ticket's nonce exceeds 96 bits; the sender issued an invalid ticket.",
  TicketBrokerInvalidSignature: "The signature does not match the ticket.",
  TicketBrokerUnauthorizedSigner: "The ticket was signed by a key the sender never authorised.",
  TicketBrokerTicketNotWinning: "The ticket did not win; only winning tickets can be redeemed.",
  TicketBrokerSenderUnlocked:
    "The sender completed its unlock; its tickets can no longer be redeemed.",
  TicketBrokerInsufficientFunds:
    "The sender's deposit plus your reserve share cannot pay the face value now; retry in a later round.",
  TicketBrokerTransferFailed:
    "The receiving address refused ether; use withdraw-earnings with --to another address.",
  TicketBrokerSignerNotAuthorized: "That signer is not authorised for the sender.",
  OwnableUnauthorizedAccount: "Only the pool owner can change the pool: use the owner's key.",
  RecipientPoolAlreadyEligible: "The recipient is already in the pool.",
  RecipientPoolNotEligible: "The recipient is not in the pool.",
  RecipientPoolZeroAddress: "Give a non-zero recipient address.",
};
