import { CliUsageError } from "./errors.js";
import { messages } from "./messages.js";

/** Options every command accepts. */
export const GLOBAL_VALUE_OPTIONS = [
  "--network",
  "--account",
  "--broker",
  "--deployment-id",
] as const;
export const GLOBAL_BOOLEAN_OPTIONS = ["--json", "--dry-run", "--help"] as const;

export interface ParsedArgs {
  /** Words that are not options, in order (the command words first). */
  readonly positionals: string[];
  /** `--flag value` / `--flag=value` options, by flag (with its dashes). */
  readonly values: Map<string, string>;
  /** Boolean options present. */
  readonly flags: Set<string>;
}

/**
 * Splits argv into positionals and options. `valueOptions` take a value; `booleanOptions` do not.
 * Any other `--x` is an error, so a typo never silently changes what a command does.
 */
export function parseArgs(
  argv: readonly string[],
  valueOptions: readonly string[],
  booleanOptions: readonly string[],
  commandId?: string,
): ParsedArgs {
  const hint =
    commandId === undefined
      ? messages.usage.unknownCommandHint
      : messages.usage.commandHint(commandId);
  const positionals: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-h") {
      flags.add("--help");
      continue;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (booleanOptions.includes(flag)) {
      if (eq !== -1) {
        throw new CliUsageError(messages.usage.unknownOption(arg), {
          details: { option: arg },
          hint,
        });
      }
      flags.add(flag);
      continue;
    }
    if (!valueOptions.includes(flag)) {
      throw new CliUsageError(messages.usage.unknownOption(flag), {
        details: { option: flag },
        hint,
      });
    }
    let value: string | undefined;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) {
      throw new CliUsageError(messages.usage.missingValue(flag), {
        details: { option: flag },
        hint,
      });
    }
    if (values.has(flag)) {
      throw new CliUsageError(messages.usage.repeatedOption(flag), {
        details: { option: flag },
        hint,
      });
    }
    values.set(flag, value);
  }
  return { positionals, values, flags };
}
