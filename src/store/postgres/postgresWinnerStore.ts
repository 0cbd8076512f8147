import type { StoredWinner, WinningTicket } from "../../recipient/winnerStore.js";
import { encodeWinningTicket, winnerFromRow, type WinnerRow } from "../winnerCodec.js";
import { checkMove, MOVE_TARGET, type WinnerMove } from "../winnerRules.js";
import type {
  DurableWinnerFilter,
  DurableWinnerStore,
  SubmittedWinners,
  WinnerState,
} from "../winners.js";
import type { PostgresDatabase } from "./postgresDatabase.js";
import { refusal, storeArgs, winnerStoreArgs } from "../args.js";

const COLUMNS =
  "winner, state, last_error_code, last_error_message, tx_hash, sub_tx_hash, sub_account_nonce::text AS sub_account_nonce, sub_max_fee, sub_max_priority_fee, sub_block";

/**
 * A {@link DurableWinnerStore} in PostgreSQL, shared by payee replicas and the redeemer. `add`
 * is one `INSERT … ON CONFLICT DO NOTHING`; a state move is one transaction that locks the named
 * rows (`FOR UPDATE`, in digest order so two moves cannot deadlock), checks each against the
 * state machine and updates them all, or none. Unpaid face values come from a partial index on
 * pending and submitted winners.
 */
export class PostgresWinnerStore implements DurableWinnerStore {
  constructor(private readonly db: PostgresDatabase) {}

  async add(winner: WinningTicket): Promise<void> {
    winnerStoreArgs.add(winner);
    const t = winner.ticket;
    await this.db.query(
      `INSERT INTO winners (digest, sender, recipient, sender_nonce, face_value, winner, state)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending') ON CONFLICT (digest) DO NOTHING`,
      [
        winner.digest.toLowerCase(),
        t.sender.toLowerCase(),
        t.recipient.toLowerCase(),
        t.senderNonce.toString(),
        t.faceValue.toString(),
        encodeWinningTicket(winner),
      ],
    );
  }

  async list(filter: DurableWinnerFilter = {}): Promise<StoredWinner[]> {
    storeArgs.durableFilter(filter);
    const where: string[] = [];
    const args: string[] = [];
    if (filter.state !== undefined) {
      args.push(filter.state);
      where.push(`state = $${args.length}`);
    }
    if (filter.status === "pending") where.push("state IN ('pending', 'submitted')");
    else if (filter.status !== undefined) {
      args.push(filter.status);
      where.push(`state = $${args.length}`);
    }
    if (filter.sender !== undefined) {
      args.push(filter.sender.toLowerCase());
      where.push(`sender = $${args.length}`);
    }
    const rows = await this.db.query<WinnerRow>(
      `SELECT ${COLUMNS} FROM winners ${where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`} ORDER BY seq`,
      args,
    );
    return rows.map(winnerFromRow);
  }

  async get(digest: `0x${string}`): Promise<StoredWinner | undefined> {
    storeArgs.digest(digest);
    const rows = await this.db.query<WinnerRow>(
      `SELECT ${COLUMNS} FROM winners WHERE digest = $1`,
      [digest.toLowerCase()],
    );
    const row = rows[0];
    return row === undefined ? undefined : winnerFromRow(row);
  }

  listSubmitted(): Promise<StoredWinner[]> {
    return this.list({ state: "submitted" });
  }

  async pendingFaceValue(args: {
    sender: `0x${string}`;
    recipient: `0x${string}`;
  }): Promise<bigint> {
    winnerStoreArgs.pair(args);
    const rows = await this.db.query<{ total: string }>(
      `SELECT coalesce(sum(face_value), 0)::text AS total FROM winners
       WHERE sender = $1 AND recipient = $2 AND state IN ('pending', 'submitted')`,
      [args.sender.toLowerCase(), args.recipient.toLowerCase()],
    );
    return BigInt((rows[0] as { total: string }).total);
  }

  async pendingSummary(): Promise<{ count: number; faceValue: bigint }> {
    const rows = await this.db.query<{ count: number; total: string }>(
      "SELECT count(*)::int AS count, coalesce(sum(face_value), 0)::text AS total FROM winners WHERE state = 'pending'",
    );
    const row = rows[0] as { count: number; total: string };
    return { count: Number(row.count), faceValue: BigInt(row.total) };
  }

  markSubmitted(a: SubmittedWinners): Promise<void> {
    const refused = refusal(() => storeArgs.markSubmitted(a));
    if (refused !== undefined) return refused;
    return this.#move("markSubmitted", a.digests, undefined, {
      sub_tx_hash: a.txHash,
      sub_account_nonce: String(a.accountNonce),
      sub_max_fee: a.maxFeePerGas.toString(),
      sub_max_priority_fee: a.maxPriorityFeePerGas.toString(),
      sub_block: a.block.toString(),
    });
  }

  markPendingAgain(a: { digests: `0x${string}`[]; reason: string }): Promise<void> {
    const refused = refusal(() => storeArgs.markPendingAgain(a));
    if (refused !== undefined) return refused;
    return this.#move("markPendingAgain", a.digests, undefined, {
      sub_tx_hash: null,
      sub_account_nonce: null,
      sub_max_fee: null,
      sub_max_priority_fee: null,
      sub_block: null,
      last_error_code: "PendingAgain",
      last_error_message: a.reason,
    });
  }

  markRedeemed(args: { digest: `0x${string}`; txHash: string }): Promise<void> {
    const refused = refusal(() => winnerStoreArgs.redeemed(args));
    if (refused !== undefined) return refused;
    return this.#move("markRedeemed", [args.digest], args.txHash, { tx_hash: args.txHash });
  }

  recordFailure(args: { digest: `0x${string}`; code: string; message: string }): Promise<void> {
    const refused = refusal(() => winnerStoreArgs.failure(args));
    if (refused !== undefined) return refused;
    return this.#move("recordFailure", [args.digest], undefined, {
      last_error_code: args.code,
      last_error_message: args.message,
    });
  }

  markUnredeemable(args: { digest: `0x${string}`; code: string; message: string }): Promise<void> {
    const refused = refusal(() => winnerStoreArgs.failure(args));
    if (refused !== undefined) return refused;
    return this.#move("markUnredeemable", [args.digest], undefined, {
      last_error_code: args.code,
      last_error_message: args.message,
    });
  }

  #move(
    move: WinnerMove,
    digests: readonly `0x${string}`[],
    txHash: string | undefined,
    set: Record<string, string | null>,
  ): Promise<void> {
    // Checked in the caller's order (so every backend reports the same first refusal), locked in
    // digest order (so two moves over the same winners cannot deadlock).
    const wanted = [...new Set(digests.map((d) => d.toLowerCase()))];
    const lockOrder = [...wanted].sort();
    return this.db.tx(async (c) => {
      const res = await c.query<{ digest: string; state: WinnerState; tx_hash: string | null }>(
        "SELECT digest, state, tx_hash FROM winners WHERE digest = ANY($1::text[]) ORDER BY digest FOR UPDATE",
        [lockOrder],
      );
      const found = new Map(res.rows.map((r) => [r.digest, r]));
      const apply: string[] = [];
      for (const digest of wanted) {
        const row = found.get(digest);
        const verdict = checkMove(
          move,
          digest,
          row === undefined ? undefined : { state: row.state, txHash: row.tx_hash ?? undefined },
          txHash,
        );
        if (verdict === "apply") apply.push(digest);
      }
      if (apply.length === 0) return;
      const target = MOVE_TARGET[move];
      const columns = Object.keys(set);
      const values: unknown[] = [apply, ...columns.map((k) => set[k] ?? null)];
      const assignments = columns.map((k, i) =>
        k === "sub_account_nonce" ? `${k} = $${i + 2}::bigint` : `${k} = $${i + 2}`,
      );
      if (target !== undefined) {
        values.push(target);
        assignments.push(`state = $${values.length}`);
      }
      await c.query(
        `UPDATE winners SET ${assignments.join(", ")} WHERE digest = ANY($1::text[])`,
        values,
      );
    });
  }
}
