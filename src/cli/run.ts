import { TicketBrokerError } from "../errors.js";
import { GLOBAL_BOOLEAN_OPTIONS, GLOBAL_VALUE_OPTIONS, parseArgs } from "./args.js";
import { commands, type Command, type CommandResult } from "./commands.js";
import type { CliDeps } from "./context.js";
import { CliUsageError } from "./errors.js";
import { commandHelp, messages, type CommandId } from "./messages.js";

/** Exit status of a command that did its job. */
export const EXIT_OK = 0;
/** Exit status of a command that failed at run time (network, contract, balance, file). */
export const EXIT_FAILURE = 1;
/** Exit status of a command line that was not understood. */
export const EXIT_USAGE = 2;

/** The network commands use when `--network` is not given. */
export const DEFAULT_NETWORK = "localhost";

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

function render(result: CommandResult): string {
  const width = Math.max(0, ...result.rows.map(([label]) => label.length));
  const lines = [
    result.title,
    ...result.rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
  ];
  return [...lines, ...(result.extraLines ?? [])].join("\n");
}

function findCommand(
  positionals: readonly string[],
): { command: Command; words: number } | undefined {
  const two = `${positionals[0] ?? ""} ${positionals[1] ?? ""}` as CommandId;
  if (two in commands) return { command: commands[two], words: 2 };
  const one = (positionals[0] ?? "") as CommandId;
  if (one in commands) return { command: commands[one], words: 1 };
  return undefined;
}

const ALL_VALUE_OPTIONS = [
  ...GLOBAL_VALUE_OPTIONS,
  ...new Set(Object.values(commands).flatMap((c) => c.options)),
];

function reportError(err: unknown, deps: CliDeps, json: boolean): number {
  const code = err instanceof CliUsageError ? EXIT_USAGE : EXIT_FAILURE;
  if (err instanceof TicketBrokerError) {
    if (json) {
      deps.io.out(
        toJson({
          error: { code: err.code, message: err.message, details: err.details, hint: err.hint },
        }),
      );
    } else {
      deps.io.err(`${messages.output.error}: ${err.message}\n${messages.output.hint}: ${err.hint}`);
    }
    return code;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (json) deps.io.out(toJson({ error: { code: "UnexpectedError", message } }));
  else deps.io.err(`${messages.output.error}: ${message}`);
  return EXIT_FAILURE;
}

/**
 * Runs one `ticketbroker` command line and returns its exit status. Everything outside the
 * arguments (network, accounts, clock, files, output) comes from `deps`.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const json = argv.includes("--json");
  try {
    const loose = parseArgs(argv, ALL_VALUE_OPTIONS, GLOBAL_BOOLEAN_OPTIONS);
    if (loose.positionals.length === 0) {
      if (loose.flags.has("--help")) {
        deps.io.out(messages.mainHelp());
        return EXIT_OK;
      }
      deps.io.err(messages.mainHelp());
      throw new CliUsageError(messages.usage.missingCommand, {
        hint: messages.usage.unknownCommandHint,
      });
    }
    const found = findCommand(loose.positionals);
    if (found === undefined) {
      const words = loose.positionals.slice(0, 2).join(" ");
      throw new CliUsageError(messages.usage.unknownCommand(words), {
        details: { command: words },
        hint: messages.usage.unknownCommandHint,
      });
    }
    const { command, words } = found;
    const args = parseArgs(
      argv,
      [...GLOBAL_VALUE_OPTIONS, ...command.options],
      GLOBAL_BOOLEAN_OPTIONS,
      command.id,
    );
    if (args.flags.has("--help")) {
      deps.io.out(messages.commandHelp(command.id));
      return EXIT_OK;
    }
    const positionals = args.positionals.slice(words);
    if (positionals.length < command.minArgs || positionals.length > command.maxArgs) {
      throw new CliUsageError(messages.usage.wrongArgumentCount(commandHelp[command.id].usage), {
        details: {
          command: command.id,
          given: positionals.length,
          min: command.minArgs,
          max: command.maxArgs,
        },
        hint: messages.usage.commandHint(command.id),
      });
    }
    const input = { positionals, values: args.values, dryRun: args.flags.has("--dry-run") };
    command.validate?.(input);

    const accountText = args.values.get("--account") ?? "0";
    if (!/^\d{1,4}$/.test(accountText)) {
      throw new CliUsageError(messages.usage.invalidInteger("--account", accountText), {
        details: { account: accountText },
        hint: messages.usage.integerHint("--account"),
      });
    }
    const ctx = await deps.connect({
      network: args.values.get("--network") ?? DEFAULT_NETWORK,
      account: Number(accountText),
      broker: args.values.get("--broker"),
      deploymentId: args.values.get("--deployment-id"),
    });
    const result = await command.run(ctx, deps, input);
    deps.io.out(json ? toJson(result.json) : render(result));
    return EXIT_OK;
  } catch (err) {
    deps.io.endProgress();
    return reportError(err, deps, json);
  }
}
