import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { crc32 } from "node:zlib";

import { InvalidInputError, assertObject, assertString, describeValue } from "../ticket/inputs.js";
import type { Ticket } from "../ticket/ticketTypes.js";
import { WinnerStoreError } from "./errors.js";
import {
  WinnerLedger,
  refusal,
  winnerStoreArgs,
  type StoredWinner,
  type WinnerEvent,
  type WinnerStatus,
  type WinnerStore,
  type WinningTicket,
} from "./winnerStore.js";

/** The file is not a winner store (e.g. a JSON list of tickets); it was left untouched. */
export class WinnerStoreFormatError extends WinnerStoreError {}

/** Another process holds the store for writing (its lock file names the pid). */
export class WinnerStoreLockedError extends WinnerStoreError {}

/** A write was attempted on a store opened read-only. */
export class WinnerStoreReadOnlyError extends WinnerStoreError {}

/** Marker that starts every record this version writes. */
export const FRAME_MARKER = "TBW2";

/** What the file store writes, named in errors about files in another format. */
export const WINNER_STORE_FORMAT =
  "ticketbroker winner store: one record per line, `TBW2 <length> <crc32> <json>` (older files: JSON lines of {type, ...} events)";

const FRAME = /^TBW2 (\d{1,9}) ([0-9a-f]{8}) /;
/** Prefixes of a frame header that a write interrupted before the body began. */
const TORN_HEADER = /^(T|TB|TBW|TBW2|TBW2 \d{0,9}|TBW2 \d{1,9} [0-9a-f]{0,8})$/;
const EVENT_TYPES = new Set(["winner", "redeemed", "failed", "unredeemable"]);

/** What the lock file holds. */
interface LockRecord {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** How one line of the file reads. */
type Line =
  | { kind: "framed"; event: WinnerEvent }
  | { kind: "legacy"; event: WinnerEvent }
  | { kind: "blank" };

/**
 * A durable {@link WinnerStore}: an append-only file, one {@link WinnerEvent} per line (bigints as
 * decimal strings). Every change is written and fsync'd before its promise resolves, so a winner
 * the recipient was told is stored survives a crash. Nothing is ever rewritten or deleted.
 *
 * Each record is framed as `TBW2 <byte length> <crc32 hex> <json>\n`, so a write a crash
 * interrupted is recognisable: on open for writing, only a last line that is a proper prefix of
 * such a frame is cut off. Anything else the store cannot prove is its own torn write is
 * refused and the file left byte for byte as it was: a file in another format (a JSON list, say)
 * raises {@link WinnerStoreFormatError}, a damaged record {@link WinnerStoreError}.
 *
 * Files written by the previous version (unframed JSON lines) are read as they are; new records
 * are appended framed after them, so such a file is never rewritten.
 *
 * One writer at a time: opening for writing creates `<file>.lock` holding the pid and refuses
 * ({@link WinnerStoreLockedError}) while a live process holds it; a lock left by a dead process
 * on this host is taken over. `readOnly: true` opens without the lock and never writes (for
 * listing and dry runs beside a running recipient).
 *
 * @example
 * ```ts
 * const store = await FileWinnerStore.open({ file: "/var/lib/orchestrator/winners.log" });
 * await store.add(winner);
 * await store.close();
 * const view = await FileWinnerStore.open({ file, readOnly: true });
 * ```
 */
export class FileWinnerStore implements WinnerStore {
  readonly file: string;
  readonly readOnly: boolean;
  readonly #ledger: WinnerLedger;
  readonly #handle: fs.FileHandle | undefined;
  /** Bytes of complete, acknowledged records: a failed write is cut back to here. */
  #size: number;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(
    file: string,
    ledger: WinnerLedger,
    handle: fs.FileHandle | undefined,
    size: number,
  ) {
    this.file = file;
    this.readOnly = handle === undefined;
    this.#ledger = ledger;
    this.#handle = handle;
    this.#size = size;
  }

  /** The lock file that marks a writer: `<file>.lock`. */
  static lockFile(file: string): string {
    return `${file}.lock`;
  }

  /**
   * Opens the store at `file` and replays it. For writing (the default) it creates the file if
   * needed and takes the lock; with `readOnly` the file must exist and is only read.
   */
  static async open(options: { file: string; readOnly?: boolean }): Promise<FileWinnerStore> {
    assertObject(options, "FileWinnerStore options");
    assertString(options.file, "file", { nonEmpty: true });
    if (options.readOnly !== undefined && typeof options.readOnly !== "boolean") {
      throw new InvalidInputError("readOnly must be a boolean", {
        details: { field: "readOnly", received: describeValue(options.readOnly) },
        hint: "Pass readOnly: true to list or export without taking the writer's lock, or leave it out.",
      });
    }
    const file = options.file;
    if (options.readOnly === true) {
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(file);
      } catch (err) {
        throw openError(file, err);
      }
      const { ledger } = replay(bytes, file);
      return new FileWinnerStore(file, ledger, undefined, bytes.length);
    }
    let lockTaken = false;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await takeLock(file);
      lockTaken = true;
      let bytes = Buffer.alloc(0);
      try {
        bytes = await fs.readFile(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
      const { ledger, tail } = replay(bytes, file);
      const handle = await fs.open(file, "a");
      let size = bytes.length;
      try {
        if (tail === "torn") {
          // A proper prefix of a frame: a write a crash interrupted, never acknowledged.
          size = bytes.lastIndexOf(0x0a) + 1;
          await handle.truncate(size);
        } else if (tail === "unterminated") {
          // A whole record without its newline: keep it and end the line.
          await handle.appendFile("\n");
          size += 1;
        }
        await handle.sync();
        const dir = await fs.open(path.dirname(file), "r");
        try {
          await dir.sync();
        } finally {
          await dir.close();
        }
      } catch (err) {
        await handle.close();
        throw err;
      }
      return new FileWinnerStore(file, ledger, handle, size);
    } catch (err) {
      if (lockTaken) await releaseLock(file);
      throw openError(file, err);
    }
  }

  add(winner: WinningTicket): Promise<void> {
    return refusal(() => winnerStoreArgs.add(winner)) ?? this.#append({ type: "winner", winner });
  }

  list(filter?: { status?: WinnerStatus; sender?: `0x${string}` }): Promise<StoredWinner[]> {
    const refused = refusal(() => winnerStoreArgs.filter(filter));
    if (refused !== undefined) return refused;
    // A failed write must not block reads: the ledger holds only acknowledged records.
    return this.#queue.catch(() => undefined).then(() => this.#ledger.list(filter));
  }

  pendingFaceValue(args: { sender: `0x${string}`; recipient: `0x${string}` }): Promise<bigint> {
    const refused = refusal(() => winnerStoreArgs.pair(args));
    if (refused !== undefined) return refused;
    return this.#queue
      .catch(() => undefined)
      .then(() => this.#ledger.pendingFaceValue(args.sender, args.recipient));
  }

  markRedeemed(args: { digest: `0x${string}`; txHash: string }): Promise<void> {
    return (
      refusal(() => winnerStoreArgs.redeemed(args)) ??
      this.#append({ type: "redeemed", digest: args.digest, txHash: args.txHash })
    );
  }

  recordFailure(args: { digest: `0x${string}`; code: string; message: string }): Promise<void> {
    return (
      refusal(() => winnerStoreArgs.failure(args)) ??
      this.#append({ type: "failed", digest: args.digest, code: args.code, message: args.message })
    );
  }

  markUnredeemable(args: { digest: `0x${string}`; code: string; message: string }): Promise<void> {
    return (
      refusal(() => winnerStoreArgs.failure(args)) ??
      this.#append({
        type: "unredeemable",
        digest: args.digest,
        code: args.code,
        message: args.message,
      })
    );
  }

  /** Waits for pending writes, closes the file and releases the lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    if (this.#handle !== undefined) {
      await this.#handle.close();
      await releaseLock(this.file);
    }
  }

  #append(event: WinnerEvent): Promise<void> {
    const handle = this.#handle;
    if (handle === undefined || this.#closed) {
      return Promise.reject(
        new WinnerStoreReadOnlyError(
          this.#closed ? "The winner store is closed" : "The winner store is open read-only",
          {
            details: { file: this.file, record: event.type },
            hint: "Open the store without readOnly (one writer at a time) to add or update winners.",
          },
        ),
      );
    }
    const run = this.#queue
      .catch(() => undefined)
      .then(async () => {
        if (!this.#ledger.changes(event)) return;
        if (event.type !== "winner" && !this.#ledger.has(event.digest)) {
          throw new WinnerStoreError("No stored winner has this digest", {
            details: { digest: event.digest },
            hint: "Pass the digest of a winner previously added to this store.",
          });
        }
        const line = frame(encodeEvent(event));
        try {
          // appendFile writes every byte (a short write is retried, not silently accepted).
          await handle.appendFile(line);
          await handle.sync();
          this.#size += line.length;
        } catch (err) {
          // Cut back the part of this record that reached the file (our own bytes, past the
          // last acknowledged record), so the next write starts on a clean line.
          await handle.truncate(this.#size).catch(() => undefined);
          throw new WinnerStoreError("Cannot write to the winner store", {
            details: { file: this.file, reason: (err as Error).message },
            hint: "Free disk space or fix permissions; stop accepting tickets until writes succeed.",
            cause: err,
          });
        }
        this.#ledger.apply(event);
      });
    this.#queue = run;
    return run;
  }
}

/** `TBW2 <length> <crc32> <json>\n` for one record. */
function frame(record: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(record), "utf8");
  const crc = crc32(body).toString(16).padStart(8, "0");
  return Buffer.concat([
    Buffer.from(`${FRAME_MARKER} ${body.length} ${crc} `, "utf8"),
    body,
    Buffer.from("\n"),
  ]);
}

function openError(file: string, err: unknown): WinnerStoreError {
  if (err instanceof WinnerStoreError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new WinnerStoreError(
    code === "ENOENT" ? "The winner store file does not exist" : "Cannot open the winner store",
    {
      details: { file, reason: (err as Error).message },
      hint:
        code === "ENOENT"
          ? "Check the path: it is the file your recipient (orchestrator) writes its winners to."
          : "Check that the file's directory exists and is writable; do not accept tickets until it opens.",
      cause: err,
    },
  );
}

/** Reads every record; says what the last, unterminated line is. Never changes the file. */
function replay(
  bytes: Buffer,
  file: string,
): { ledger: WinnerLedger; tail: "none" | "torn" | "unterminated" } {
  const ledger = new WinnerLedger();
  checkFormat(bytes, file);
  let start = 0;
  let lineNumber = 0;
  let tail: "none" | "torn" | "unterminated" = "none";
  while (start < bytes.length) {
    lineNumber++;
    const end = bytes.indexOf(0x0a, start);
    const terminated = end !== -1;
    const raw = bytes.subarray(start, terminated ? end : bytes.length);
    start = terminated ? end + 1 : bytes.length;
    if (!terminated && isTornFrame(raw)) {
      tail = "torn";
      break;
    }
    const line = parseLine(raw, file, lineNumber);
    if (line.kind !== "blank") ledger.apply(line.event);
    if (!terminated && line.kind !== "blank") tail = "unterminated";
  }
  return { ledger, tail };
}

/** A proper prefix of a frame: our header cut short, or a body shorter than its length. */
function isTornFrame(raw: Buffer): boolean {
  const text = raw.toString("latin1");
  if (TORN_HEADER.test(text)) return true;
  const match = FRAME.exec(text);
  if (match === null) return false;
  return raw.length - match[0].length < Number(match[1]);
}

/** Refuses, before anything is read as records, a file that is plainly something else. */
function checkFormat(bytes: Buffer, file: string): void {
  const text = bytes.subarray(0, 64).toString("utf8").trimStart();
  if (text === "" || text.startsWith(FRAME_MARKER) || TORN_HEADER.test(text)) return;
  let first: unknown;
  if (text.startsWith("{")) {
    const end = bytes.indexOf(0x0a);
    try {
      first = JSON.parse(bytes.subarray(0, end === -1 ? bytes.length : end).toString("utf8"));
    } catch {
      first = undefined;
    }
    if (
      first !== null &&
      typeof first === "object" &&
      EVENT_TYPES.has(String((first as Record<string, unknown>)["type"]))
    ) {
      return;
    }
  }
  const found = text.startsWith("[")
    ? "a JSON array"
    : text.startsWith("{")
      ? "JSON that is not a winner store record"
      : "data that is not a winner store";
  throw new WinnerStoreFormatError(`The file is not a winner store: it holds ${found}`, {
    details: { file, found, expected: WINNER_STORE_FORMAT },
    hint:
      "Nothing was changed. Give the file your recipient's FileWinnerStore writes; to redeem tickets " +
      "kept elsewhere, add them to a new store with FileWinnerStore.add.",
  });
}

function parseLine(raw: Buffer, file: string, lineNumber: number): Line {
  const text = raw.toString("utf8");
  if (text.trim() === "") return { kind: "blank" };
  const damaged = (reason: string, cause?: unknown) =>
    new WinnerStoreError("The winner store file has an unreadable record", {
      details: { file, line: lineNumber, reason },
      hint: "Nothing was changed. Repair that line from a backup; never delete the file, it holds unredeemed winners.",
      cause,
    });
  if (text.startsWith(`${FRAME_MARKER} `)) {
    const match = FRAME.exec(raw.toString("latin1"));
    if (match === null) throw damaged("malformed record header");
    const body = raw.subarray(match[0].length);
    if (body.length !== Number(match[1])) throw damaged("record length does not match");
    if (crc32(body).toString(16).padStart(8, "0") !== match[2]) {
      throw damaged("bad record checksum");
    }
    return { kind: "framed", event: decodeEvent(body.toString("utf8"), damaged) };
  }
  if (text.startsWith("{")) return { kind: "legacy", event: decodeEvent(text, damaged) };
  throw damaged("not a record");
}

function decodeEvent(
  json: string,
  damaged: (reason: string, cause?: unknown) => WinnerStoreError,
): WinnerEvent {
  try {
    return parseEvent(JSON.parse(json) as Record<string, unknown>);
  } catch (err) {
    throw damaged((err as Error).message, err);
  }
}

async function takeLock(file: string): Promise<void> {
  const lock = FileWinnerStore.lockFile(file);
  const record: LockRecord = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await createLockAtomically(lock, `${JSON.stringify(record)}\n`)) return;
    const seen = await fs.readFile(lock, "utf8").catch(() => undefined);
    const holder = parseLock(seen);
    if (holder !== undefined && (holder.host !== hostname() || isAlive(holder.pid))) {
      throw new WinnerStoreLockedError("Another process holds the winner store for writing", {
        details: { file, lock, pid: holder.pid, host: holder.host, since: holder.since },
        hint:
          `Process ${holder.pid} on ${holder.host} writes to this store. Stop it first, or read ` +
          "without writing (`ticketbroker recipient winners list`, `recipient redeem --dry-run`).",
      });
    }
    if (holder === undefined && seen !== undefined && !(await olderThan(lock, TAKEOVER_GUARD_MS))) {
      // Locks are created whole (written aside, then linked into place), so an unreadable one is
      // not being written: it is damaged. Only an old one is taken over, never a fresh one.
      throw new WinnerStoreLockedError("The winner store's lock file is unreadable", {
        details: { file, lock },
        hint: `Make sure no process writes to this store, then delete ${lock}; a damaged lock older than ${TAKEOVER_GUARD_MS / 1000} s is taken over by itself.`,
      });
    }
    // The holder is gone (or the lock vanished meanwhile): take the stale lock over.
    await removeStaleLock(lock, seen);
  }
  throw new WinnerStoreLockedError("Could not take the winner store lock", {
    details: { file, lock },
    hint: "Another process is opening the store at the same moment; try again.",
  });
}

/**
 * Creates `lock` holding `content`, or returns false if it exists. The content is written to a
 * file of this process first and hard-linked into place, so no reader ever sees a lock half
 * written (a half-written lock read as empty could be mistaken for a stale one and removed).
 */
async function createLockAtomically(lock: string, content: string): Promise<boolean> {
  const aside = `${lock}.${process.pid}.${randomBytes(6).toString("hex")}`;
  await fs.writeFile(aside, content, { flag: "wx" });
  try {
    await fs.link(aside, lock);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return false;
  } finally {
    await fs.rm(aside, { force: true });
  }
}

async function olderThan(target: string, ms: number): Promise<boolean> {
  return fs.stat(target).then(
    (st) => Date.now() - st.mtimeMs > ms,
    () => true,
  );
}

/** How long a takeover may take before its guard counts as left behind by a crash. */
const TAKEOVER_GUARD_MS = 10_000;

/**
 * Removes the lock file if it still holds `seen` (the stale record). Two processes taking over
 * the same stale lock go through a guard directory one at a time, so neither removes the lock the
 * other has just written.
 */
async function removeStaleLock(lock: string, seen: string | undefined): Promise<void> {
  // The lock vanished between the failed create and the read: nothing stale to remove, and a
  // removal now could hit the lock another process has just created.
  if (seen === undefined) return;
  const guard = `${lock}.takeover`;
  try {
    await fs.mkdir(guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const age = await fs.stat(guard).then(
      (st) => Date.now() - st.mtimeMs,
      () => 0,
    );
    if (age > TAKEOVER_GUARD_MS) await fs.rm(guard, { recursive: true, force: true });
    return; // Someone else is taking it over: the next attempt sees the outcome.
  }
  try {
    const now = await fs.readFile(lock, "utf8").catch(() => undefined);
    if (now === seen) await fs.rm(lock, { force: true });
  } finally {
    await fs.rm(guard, { recursive: true, force: true });
  }
}

async function readLock(lock: string): Promise<LockRecord | undefined> {
  return parseLock(await fs.readFile(lock, "utf8").catch(() => undefined));
}

function parseLock(text: string | undefined): LockRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const raw = JSON.parse(text) as Partial<LockRecord>;
    if (typeof raw.pid !== "number" || !Number.isSafeInteger(raw.pid)) return undefined;
    return {
      pid: raw.pid,
      host: typeof raw.host === "string" ? raw.host : hostname(),
      since: typeof raw.since === "string" ? raw.since : "",
    };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function releaseLock(file: string): Promise<void> {
  const lock = FileWinnerStore.lockFile(file);
  const holder = await readLock(lock);
  if (holder?.pid === process.pid && holder.host === hostname()) {
    await fs.rm(lock, { force: true });
  }
}

function encodeEvent(event: WinnerEvent): unknown {
  if (event.type !== "winner") return event;
  const { ticket, ...rest } = event.winner;
  return {
    type: "winner",
    winner: {
      ...rest,
      recipientRand: rest.recipientRand.toString(),
      paramsDeadline: rest.paramsDeadline.toString(),
      ticket: {
        ...ticket,
        faceValue: ticket.faceValue.toString(),
        winProb: ticket.winProb.toString(),
        senderNonce: ticket.senderNonce.toString(),
        expiry: ticket.expiry.toString(),
      },
    },
  };
}

function parseEvent(raw: Record<string, unknown>): WinnerEvent {
  if (raw.type === "winner") {
    const w = raw.winner as Record<string, unknown>;
    const t = w.ticket as Record<string, unknown>;
    const ticket: Ticket = {
      recipient: hex(t.recipient),
      sender: hex(t.sender),
      faceValue: integer(t.faceValue),
      winProb: integer(t.winProb),
      senderNonce: integer(t.senderNonce),
      recipientRandHash: hex(t.recipientRandHash),
      expiry: integer(t.expiry),
      workId: hex(t.workId),
    };
    return {
      type: "winner",
      winner: {
        ticket,
        signature: hex(w.signature),
        recipientRand: integer(w.recipientRand),
        paramsDeadline: integer(w.paramsDeadline),
        digest: hex(w.digest),
      },
    };
  }
  if (raw.type === "redeemed")
    return { type: "redeemed", digest: hex(raw.digest), txHash: String(raw.txHash) };
  if (raw.type === "failed" || raw.type === "unredeemable") {
    return {
      type: raw.type,
      digest: hex(raw.digest),
      code: String(raw.code),
      message: String(raw.message),
    };
  }
  throw new Error(`unknown record type ${String(raw.type)}`);
}

function integer(value: unknown): bigint {
  if (typeof value !== "string" || !/^\d+$/.test(value)) {
    throw new Error(`not a decimal integer: ${String(value)}`);
  }
  return BigInt(value);
}

function hex(value: unknown): `0x${string}` {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]*$/.test(value))
    throw new Error(`not hex: ${String(value)}`);
  return value as `0x${string}`;
}
