import { promises as fs } from "node:fs";
import path from "node:path";

import type { Ticket } from "../ticketTypes.js";
import { WinnerStoreError } from "./errors.js";
import {
  WinnerLedger,
  type StoredWinner,
  type WinnerEvent,
  type WinnerStatus,
  type WinnerStore,
  type WinningTicket,
} from "./winnerStore.js";

/**
 * A durable {@link WinnerStore}: an append-only file of JSON lines, one {@link WinnerEvent} per
 * line (bigints as decimal strings). Every change is written and fsync'd before its promise
 * resolves, so a winner the recipient was told is stored survives a crash. Nothing is ever
 * rewritten or deleted: a redemption failure appends a record next to the winner. On open the
 * log is replayed; a torn last line (a write the crash interrupted, never acknowledged) is cut
 * off, and any other unreadable line is refused with {@link WinnerStoreError}.
 *
 * @example
 * ```ts
 * const store = await FileWinnerStore.open({ file: "/var/lib/orchestrator/winners.jsonl" });
 * await store.add(winner);
 * await store.close();
 * ```
 */
export class FileWinnerStore implements WinnerStore {
  readonly file: string;
  readonly #ledger: WinnerLedger;
  readonly #handle: fs.FileHandle;
  /** Bytes of complete, acknowledged records: a failed write is cut back to here. */
  #size: number;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(file: string, ledger: WinnerLedger, handle: fs.FileHandle, size: number) {
    this.file = file;
    this.#ledger = ledger;
    this.#handle = handle;
    this.#size = size;
  }

  /** Opens (creating if needed) the log at `file` and replays it. */
  static async open(options: { file: string }): Promise<FileWinnerStore> {
    const file = options.file;
    const ledger = new WinnerLedger();
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      let text = "";
      try {
        text = await fs.readFile(file, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
      const lines = text.split("\n");
      const last = lines.pop() ?? "";
      lines.forEach((line, i) => {
        if (line.trim() === "") return;
        ledger.apply(parseEvent(line, file, i + 1));
      });
      const size = Buffer.byteLength(text, "utf8") - Buffer.byteLength(last, "utf8");
      if (last !== "") {
        // A line without its newline is a write a crash interrupted: it was never acknowledged.
        await fs.truncate(file, size);
      }
      const handle = await fs.open(file, "a");
      try {
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
      if (err instanceof WinnerStoreError) throw err;
      throw new WinnerStoreError("Cannot open the winner store", {
        details: { file, reason: (err as Error).message },
        hint: "Check that the file's directory exists and is writable; do not accept tickets until it opens.",
        cause: err,
      });
    }
  }

  add(winner: WinningTicket): Promise<void> {
    return this.#append({ type: "winner", winner });
  }

  list(filter?: { status?: WinnerStatus; sender?: `0x${string}` }): Promise<StoredWinner[]> {
    // A failed write must not block reads: the ledger holds only acknowledged records.
    return this.#queue.catch(() => undefined).then(() => this.#ledger.list(filter));
  }

  pendingFaceValue(args: { sender: `0x${string}`; recipient: `0x${string}` }): Promise<bigint> {
    return this.#queue
      .catch(() => undefined)
      .then(() => this.#ledger.pendingFaceValue(args.sender, args.recipient));
  }

  markRedeemed(args: { digest: `0x${string}`; txHash: string }): Promise<void> {
    return this.#append({ type: "redeemed", ...args });
  }

  recordFailure(args: { digest: `0x${string}`; code: string; message: string }): Promise<void> {
    return this.#append({ type: "failed", ...args });
  }

  markUnredeemable(args: { digest: `0x${string}`; code: string; message: string }): Promise<void> {
    return this.#append({ type: "unredeemable", ...args });
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.#queue.catch(() => undefined);
    await this.#handle.close();
  }

  #append(event: WinnerEvent): Promise<void> {
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
        const line = Buffer.from(`${JSON.stringify(encodeEvent(event))}\n`, "utf8");
        try {
          // appendFile writes every byte (a short write is retried, not silently accepted).
          await this.#handle.appendFile(line);
          await this.#handle.sync();
          this.#size += line.length;
        } catch (err) {
          // Cut back any part of the record that reached the file, so the log stays whole and
          // the next write starts on a clean line. Best effort: a crash here is handled on open.
          await this.#handle.truncate(this.#size).catch(() => undefined);
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

function parseEvent(line: string, file: string, lineNumber: number): WinnerEvent {
  try {
    const raw = JSON.parse(line) as Record<string, unknown>;
    if (raw.type === "winner") {
      const w = raw.winner as Record<string, unknown>;
      const t = w.ticket as Record<string, unknown>;
      const ticket: Ticket = {
        recipient: hex(t.recipient),
        sender: hex(t.sender),
        faceValue: BigInt(String(t.faceValue)),
        winProb: BigInt(String(t.winProb)),
        senderNonce: BigInt(String(t.senderNonce)),
        recipientRandHash: hex(t.recipientRandHash),
        expiry: BigInt(String(t.expiry)),
        workId: hex(t.workId),
      };
      return {
        type: "winner",
        winner: {
          ticket,
          signature: hex(w.signature),
          recipientRand: BigInt(String(w.recipientRand)),
          paramsDeadline: BigInt(String(w.paramsDeadline)),
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
  } catch (err) {
    throw new WinnerStoreError("The winner store file has an unreadable line", {
      details: { file, line: lineNumber, reason: (err as Error).message },
      hint: "Repair that line by hand from a backup; never delete the file, it holds unredeemed winners.",
      cause: err,
    });
  }
}

function hex(value: unknown): `0x${string}` {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]*$/.test(value))
    throw new Error(`not hex: ${String(value)}`);
  return value as `0x${string}`;
}
