/**
 * Child processes for the tests that start real programs. `startChild` starts one detached (its
 * own process group, so a stop reaches the `ticketbroker` launcher and the Node process it runs),
 * keeps its output for the failure message, waits until it prints a line that says it is ready;
 * `stopChild` stops it with SIGTERM, escalating to SIGKILL. `run` runs a command to its end and
 * gives its exit code and output.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const BIN = path.join(ROOT, "node_modules", ".bin");

/** `env` (default: this process's) with the repository's node_modules/.bin first on PATH. */
export function withBinPath(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: `${BIN}${path.delimiter}${env["PATH"] ?? ""}` };
}

/** What a command run to its end printed, and its exit code (-1 when killed by a signal). */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command args` to its end in `cwd` (default: the repository), stdin closed. */
export function run(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // stdin is closed: nothing may wait for a terminal.
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

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
