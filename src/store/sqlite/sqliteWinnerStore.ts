import type { StoredWinner, WinningTicket } from "../../recipient/winnerStore.js";
import { padNonce } from "../rules.js";
import { encodeWinningTicket, winnerFromRow, type WinnerRow } from "../winnerCodec.js";
import { checkMove, MOVE_TARGET, type WinnerMove } from "../winnerRules.js";
import type { DurableWinnerFilter, DurableWinnerStore, WinnerState } from "../winners.js";
import type { SqliteDatabase } from "./sqliteDatabase.js";
import { refusal, storeArgs, winnerStoreArgs } from "../args.js";

interface Move {
  move: WinnerMove;
  digests: readonly `0x${string}`[];
  txHash?: string;
  /** Column assignments for the moved rows (besides the state). */
  set: Record<string, string | number | bigint | null>;
}

/**
 * A {@link DurableWinnerStore} in SQLite. Winners are rows that are never deleted; a state move
 * checks every named winner and updates them all in one `BEGIN IMMEDIATE` transaction, together
 * with `winner_totals` (count and face value per sender, recipient and state), which answers
 * `pendingFaceValue` and `pendingSummary` without scanning winners.
 */
export class SqliteWinnerStore implements DurableWinnerStore {
  constructor(private readonly sql: SqliteDatabase) {}

  add(winner: WinningTicket): Promise<void> {
    const refused = refusal(() => winnerStoreArgs.add(winner));
    if (refused !== undefined) return refused;
    try {
      const t = winner.ticket;
      return this.sql.write(() => {
        const { changes } = this.sql
          .stmt(
            "INSERT INTO winners (digest, sender, recipient, sender_nonce, face_value, winner, state) VALUES (?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (digest) DO NOTHING",
          )
          .run(
            winner.digest.toLowerCase(),
            t.sender.toLowerCase(),
            t.recipient.toLowerCase(),
            padNonce(t.senderNonce),
            t.faceValue.toString(),
            encodeWinningTicket(winner),
          );
        if (Number(changes) > 0) {
          this.#total(t.sender.toLowerCase(), t.recipient.toLowerCase(), "pending", 1, t.faceValue);
        }
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  list(filter: DurableWinnerFilter = {}): Promise<StoredWinner[]> {
    const refused = refusal(() => storeArgs.durableFilter(filter));
    if (refused !== undefined) return refused;
    try {
      const where: string[] = [];
      const args: string[] = [];
      if (filter.state !== undefined) {
        where.push("state = ?");
        args.push(filter.state);
      }
      if (filter.status === "pending") where.push("state IN ('pending', 'submitted')");
      else if (filter.status !== undefined) {
        where.push("state = ?");
        args.push(filter.status);
      }
      if (filter.sender !== undefined) {
        where.push("sender = ?");
        args.push(filter.sender.toLowerCase());
      }
      const sql = `SELECT * FROM winners ${where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`} ORDER BY seq`;
      const rows = this.sql.stmt(sql).all(...args) as unknown as WinnerRow[];
      return Promise.resolve(rows.map(winnerFromRow));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  get(digest: `0x${string}`): Promise<StoredWinner | undefined> {
    const refused = refusal(() => storeArgs.digest(digest));
    if (refused !== undefined) return refused;
    try {
      const row = this.sql
        .stmt("SELECT * FROM winners WHERE digest = ?")
        .get(digest.toLowerCase()) as unknown as WinnerRow | undefined;
      return Promise.resolve(row === undefined ? undefined : winnerFromRow(row));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  listSubmitted(): Promise<StoredWinner[]> {
    return this.list({ state: "submitted" });
  }

  pendingFaceValue(args: { sender: `0x${string}`; recipient: `0x${string}` }): Promise<bigint> {
    const refused = refusal(() => winnerStoreArgs.pair(args));
    if (refused !== undefined) return refused;
    try {
      const rows = this.sql
        .stmt(
          "SELECT face_value FROM winner_totals WHERE sender = ? AND recipient = ? AND state IN ('pending', 'submitted')",
        )
        .all(args.sender.toLowerCase(), args.recipient.toLowerCase()) as { face_value: string }[];
      return Promise.resolve(rows.reduce((sum, r) => sum + BigInt(r.face_value), 0n));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  pendingSummary(): Promise<{ count: number; faceValue: bigint }> {
    try {
      const rows = this.sql
        .stmt("SELECT count, face_value FROM winner_totals WHERE state = 'pending'")
        .all() as { count: number; face_value: string }[];
      let count = 0;
      let faceValue = 0n;
      for (const r of rows) {
        count += Number(r.count);
        faceValue += BigInt(r.face_value);
      }
      return Promise.resolve({ count, faceValue });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  markSubmitted(a: {
    digests: `0x${string}`[];
    txHash: `0x${string}`;
    accountNonce: number;
    maxFeePerGas: bigint;
    maxPriorityFeePerGas: bigint;
    block: bigint;
  }): Promise<void> {
    const refused = refusal(() => storeArgs.markSubmitted(a));
    if (refused !== undefined) return refused;
    return this.#move({
      move: "markSubmitted",
      digests: a.digests,
      set: {
        sub_tx_hash: a.txHash,
        sub_account_nonce: a.accountNonce,
        sub_max_fee: a.maxFeePerGas.toString(),
        sub_max_priority_fee: a.maxPriorityFeePerGas.toString(),
        sub_block: a.block.toString(),
      },
    });
  }

  markPendingAgain(a: { digests: `0x${string}`[]; reason: string }): Promise<void> {
    const refused = refusal(() => storeArgs.markPendingAgain(a));
    if (refused !== undefined) return refused;
    return this.#move({
      move: "markPendingAgain",
      digests: a.digests,
      set: {
        sub_tx_hash: null,
        sub_account_nonce: null,
        sub_max_fee: null,
        sub_max_priority_fee: null,
        sub_block: null,
        last_error_code: "PendingAgain",
        last_error_message: a.reason,
      },
    });
  }

  markRedeemed(args: { digest: `0x${string}`; txHash: string }): Promise<void> {
    const refused = refusal(() => winnerStoreArgs.redeemed(args));
    if (refused !== undefined) return refused;
    return this.#move({
      move: "markRedeemed",
      digests: [args.digest],
      txHash: args.txHash,
      set: { tx_hash: args.txHash },
    });
  }

  recordFailure(args: { digest: `0x${string}`; code: string; message: string }): Promise<void> {
    const refused = refusal(() => winnerStoreArgs.failure(args));
    if (refused !== undefined) return refused;
    return this.#move({
      move: "recordFailure",
      digests: [args.digest],
      set: { last_error_code: args.code, last_error_message: args.message },
    });
  }

  markUnredeemable(args: { digest: `0x${string}`; code: string; message: string }): Promise<void> {
    const refused = refusal(() => winnerStoreArgs.failure(args));
    if (refused !== undefined) return refused;
    return this.#move({
      move: "markUnredeemable",
      digests: [args.digest],
      set: { last_error_code: args.code, last_error_message: args.message },
    });
  }

  #move(m: Move): Promise<void> {
    try {
      return this.sql.write(() => {
        const rows: {
          digest: string;
          state: WinnerState;
          sender: string;
          recipient: string;
          face_value: string;
        }[] = [];
        for (const digest of new Set(m.digests.map((d) => d.toLowerCase()))) {
          const row = this.sql
            .stmt(
              "SELECT digest, state, tx_hash, sender, recipient, face_value FROM winners WHERE digest = ?",
            )
            .get(digest) as
            | {
                digest: string;
                state: WinnerState;
                tx_hash: string | null;
                sender: string;
                recipient: string;
                face_value: string;
              }
            | undefined;
          const verdict = checkMove(
            m.move,
            digest,
            row === undefined ? undefined : { state: row.state, txHash: row.tx_hash ?? undefined },
            m.txHash,
          );
          if (verdict === "apply") rows.push(row as (typeof rows)[number]);
        }
        const target = MOVE_TARGET[m.move];
        const columns = Object.keys(m.set);
        const assignments = [
          ...columns.map((c) => `${c} = ?`),
          ...(target === undefined ? [] : ["state = ?"]),
        ];
        const update = this.sql.stmt(
          `UPDATE winners SET ${assignments.join(", ")} WHERE digest = ?`,
        );
        for (const row of rows) {
          const values = columns.map((c) => m.set[c] ?? null);
          update.run(...values, ...(target === undefined ? [] : [target]), row.digest);
          if (target !== undefined && target !== row.state) {
            const face = BigInt(row.face_value);
            this.#total(row.sender, row.recipient, row.state, -1, -face);
            this.#total(row.sender, row.recipient, target, 1, face);
          }
        }
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  #total(sender: string, recipient: string, state: WinnerState, count: number, face: bigint): void {
    const row = this.sql
      .stmt(
        "SELECT count, face_value FROM winner_totals WHERE sender = ? AND recipient = ? AND state = ?",
      )
      .get(sender, recipient, state) as { count: number; face_value: string } | undefined;
    const nextCount = Number(row?.count ?? 0) + count;
    const nextFace = BigInt(row?.face_value ?? "0") + face;
    this.sql
      .stmt(
        "INSERT INTO winner_totals (sender, recipient, state, count, face_value) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sender, recipient, state) DO UPDATE SET count = excluded.count, face_value = excluded.face_value",
      )
      .run(sender, recipient, state, nextCount, nextFace.toString());
  }
}
