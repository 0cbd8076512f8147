import { Command as Commander, CommanderError, type Option } from "commander";

import { TicketBrokerError } from "../errors.js";
import { commands, type Command, type CommandInput, type CommandResult } from "./commands.js";
import type { CliDeps } from "./context.js";
import { CliUsageError } from "./errors.js";
import { commandHelp, groupHelp, messages, type CommandId } from "./messages.js";

/** Exit status of a command that did its job. */
export const EXIT_OK = 0;
/** Exit status of a command that failed at run time (network, contract, balance, file). */
export const EXIT_FAILURE = 1;
/** Exit status of a command line that was not understood. */
export const EXIT_USAGE = 2;

/** The network commands use when neither `--rpc-url` nor `--network` is given. */
export const DEFAULT_NETWORK = "localhost";

/**
 * JSON for `--json`: every integer (bigint or number) is a decimal string, so one kind of
 * value always has one shape, whatever its size.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) =>
      typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v)) ? String(v) : v,
    2,
  );
}

function render(result: CommandResult): string {
  const width = Math.max(0, ...result.rows.map(([label]) => label.length));
  const lines = [
    result.title,
    ...result.rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
  ];
  return [...lines, ...(result.extraLines ?? [])].join("\n");
}

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

/** A chosen command and the Commander node that parsed it. */
interface Selection {
  readonly command: Command;
  readonly node: Commander;
}

/** Options every command accepts (given before or after the command words). */
function addGlobalOptions(program: Commander): void {
  const o = messages.options;
  program
    .option("--rpc-url <url>", o.rpcUrl)
    .option("--network <name>", o.network)
    .option("--account <index>", o.account)
    .option("--broker <address>", o.broker)
    .option("--deployment-id <id>", o.deploymentId)
    .option("--keystore <file>", o.keystore)
    .option("--password-file <file>", o.passwordFile)
    .option("--dry-run", o.dryRun)
    .option("--json", o.json);
}

/** Builds the command tree: groups (`sender`, `sender signer`, …) and one leaf per command. */
function buildProgram(deps: CliDeps, path: string[], select: (s: Selection) => void): Commander {
  const program = new Commander("ticketbroker");
  program
    .description("Operate a TicketBroker: probabilistic micropayments with lottery tickets.")
    .usage("<group> <command> [arguments] [options]")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.io.out(text.trimEnd()),
      writeErr: (text) => deps.io.err(text.trimEnd()),
      // Errors are reported once, with a hint, by runCli.
      outputError: () => undefined,
    })
    .helpOption("-h, --help", "show help")
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .addHelpText("after", messages.mainHelpAfter);
  addGlobalOptions(program);
  const groups = new Map<string, Commander>([["", program]]);
  const groupOf = (words: readonly string[]): Commander => {
    const key = words.join(" ");
    const known = groups.get(key);
    if (known !== undefined) return known;
    const parent = groupOf(words.slice(0, -1));
    const group = parent
      .command(words[words.length - 1] ?? "")
      .description(groupHelp[key as keyof typeof groupHelp] ?? "")
      .usage("<command> [arguments] [options]")
      .helpCommand(false);
    group.hook("preSubcommand", (_self, sub) => void path.push(sub.name()));
    groups.set(key, group);
    return group;
  };
  program.hook("preSubcommand", (_self, sub) => void path.push(sub.name()));
  for (const command of Object.values(commands)) {
    const words = command.id.split(" ");
    const help = commandHelp[command.id as CommandId];
    const leaf = groupOf(words.slice(0, -1))
      .command(words[words.length - 1] ?? "")
      .summary(help.summary)
      .description(`${help.summary}.${"description" in help ? `\n\n${help.description}` : ""}`);
    for (const arg of command.args) leaf.argument(arg);
    for (const option of command.options ?? []) leaf.option(option.flags, option.description);
    if (command.passThrough === true) leaf.allowExcessArguments(true).allowUnknownOption(true);
    leaf.addHelpText("after", messages.commandHelpAfter(command.id));
    leaf.action((...args: unknown[]) => {
      select({ command, node: args[args.length - 1] as Commander });
    });
  }
  return program;
}

/** Every option value of `node` and its parents, by long flag (`--batch-size`). */
function optionValues(node: Commander): Map<string, string> {
  const values = new Map<string, string>();
  const opts = node.optsWithGlobals() as Record<string, unknown>;
  for (let n: Commander | null = node; n !== null; n = n.parent) {
    for (const option of n.options as readonly Option[]) {
      const value = opts[option.attributeName()];
      if (typeof value === "string" && option.long !== undefined) values.set(option.long, value);
    }
  }
  return values;
}

/** Turns a Commander parse error into a usage error with a hint. */
function usageError(err: CommanderError, path: readonly string[]): CliUsageError {
  const where = path.join(" ");
  const text = err.message.replace(/^error: /, "");
  if (err.code === "commander.help") {
    return new CliUsageError(messages.usage.missingCommand, {
      details: { command: where },
      hint: where === "" ? messages.usage.unknownCommandHint : messages.usage.groupHint(where),
    });
  }
  if (err.code === "commander.unknownCommand") {
    const word = /unknown command '([^']*)'/.exec(text)?.[1] ?? "";
    const suggestion = /\(Did you mean ([^?]+)\?\)/.exec(text)?.[1];
    const words = [...path, word].join(" ");
    return new CliUsageError(
      `${messages.usage.unknownCommand(words)}${suggestion === undefined ? "" : ` Did you mean "${[...path, suggestion].join(" ")}"?`}`,
      {
        details: { command: words },
        hint: where === "" ? messages.usage.unknownCommandHint : messages.usage.groupHint(where),
      },
    );
  }
  const sentence = `${text.charAt(0).toUpperCase()}${text.slice(1)}`.replace(/\n/g, " ");
  return new CliUsageError(sentence.endsWith(".") ? sentence : `${sentence}.`, {
    details: { command: where, reason: err.code },
    hint: where === "" ? messages.usage.unknownCommandHint : messages.usage.commandHint(where),
  });
}

function accountIndex(values: ReadonlyMap<string, string>): number {
  const text = values.get("--account") ?? "0";
  if (!/^\d{1,4}$/.test(text)) {
    throw new CliUsageError(messages.usage.invalidAccount(text), {
      details: { account: text },
      hint: messages.usage.accountHint,
    });
  }
  return Number(text);
}

/**
 * Runs one `ticketbroker` command line and returns its exit status. Everything outside the
 * arguments (network, accounts, clock, files, output) comes from `deps`.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const json = argv.includes("--json");
  const path: string[] = [];
  let selected: Selection | undefined;
  const program = buildProgram(deps, path, (s) => (selected = s));
  try {
    try {
      await program.parseAsync([...argv], { from: "user" });
    } catch (err) {
      if (!(err instanceof CommanderError)) throw err;
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") {
        return EXIT_OK;
      }
      throw usageError(err, path);
    }
    if (selected === undefined) {
      throw new CliUsageError(messages.usage.missingCommand, {
        hint: messages.usage.unknownCommandHint,
      });
    }
    const { command, node } = selected;
    const values = optionValues(node);
    const input: CommandInput = {
      positionals: node.args,
      values,
      dryRun: values.has("--dry-run") || node.optsWithGlobals()["dryRun"] === true,
      json,
    };
    const account = accountIndex(values);
    command.validate?.(input);
    let result: CommandResult;
    if (command.runLocal !== undefined) {
      result = await command.runLocal(deps, input);
    } else {
      const ctx = await deps.connect({
        network: values.get("--network") ?? DEFAULT_NETWORK,
        rpcUrl: values.get("--rpc-url"),
        keystore: values.get("--keystore"),
        passwordFile: values.get("--password-file"),
        account,
        broker: values.get("--broker"),
        deploymentId: values.get("--deployment-id"),
      });
      try {
        result = await command.run(ctx, deps, input);
      } finally {
        ctx.close?.();
      }
    }
    if (result.raw === true) deps.io.out(JSON.stringify(result.json, null, 2));
    else deps.io.out(json ? toJson(result.json) : render(result));
    return EXIT_OK;
  } catch (err) {
    deps.io.endProgress();
    return reportError(err, deps, json);
  }
}
