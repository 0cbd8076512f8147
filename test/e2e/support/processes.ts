/**
 * Child processes for the end-to-end tests: each started detached (its own process group, so a
 * stop reaches the `ticketbroker` launcher and the Node process it runs), with its output kept
 * for the failure message, waited on until it prints a line that says it is ready, and stopped
 * with SIGTERM, escalating to SIGKILL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
export const BIN = path.join(ROOT, "node_modules", ".bin");

/** The most output kept per process (the tail is what explains a failure). */
const KEEP_CHARS = 64_000;

/** A started child process and what it printed. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** stdout and stderr interleaved, the last {@link KEEP_CHARS} characters. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
}

/** Process groups to kill if this process exits before the test stops them. */
const groups = new Set<number>();
let exitHook = false;

/**
 * Kills `child`'s process group (SIGKILL) if this process exits while it runs: a test run that
 * is interrupted or crashes leaves no node, service or database behind.
 */
export function killOnExit(child: ChildProcess): void {
  if (child.pid === undefined) return;
  groups.add(child.pid);
  child.once("exit", () => groups.delete(child.pid ?? 0));
  if (exitHook) return;
  exitHook = true;
  process.once("exit", () => {
    for (const pid of groups) signalGroup(pid, "SIGKILL");
  });
}

/** Starts `command args` in its own process group with exactly `env`. */
export function startChild(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Child {
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let text = "";
  const waiters = new Set<() => void>();
  const append = (d: Buffer) => {
    text += d.toString();
    if (text.length > 2 * KEEP_CHARS) text = text.slice(-KEEP_CHARS);
    for (const w of waiters) w();
  };
  killOnExit(child);
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  child.once("exit", () => {
    for (const w of waiters) w();
  });
  return {
    name,
    process: child,
    output: () => text.slice(-KEEP_CHARS),
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match !== null) {
            done();
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(
              new Error(
                `${name} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${text.slice(-4_000)}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `${name} did not print ${pattern} within ${timeoutMs} ms:\n${text.slice(-4_000)}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    return false;
  }
}

/**
 * Stops the child's process group: SIGTERM (the services finish in-flight work and close their
 * stores), SIGKILL to whatever is left after `graceMs`. Resolves once no process of the group is
 * left; a group already gone is not an error.
 */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (!signalGroup(pid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (signalGroup(pid, 0)) {
    if (Date.now() > deadline) {
      signalGroup(pid, "SIGKILL");
      if (Date.now() > deadline + 5_000) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kills the child's process group at once (SIGKILL, a crash) and resolves once it is gone. */
export async function killChild(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  signalGroup(pid, "SIGKILL");
  const deadline = Date.now() + 5_000;
  while (signalGroup(pid, 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
}
