import type { Hex } from "../../internal/bytes.js";
import type { ReplayOutcome, ReplayStore } from "../../recipient/replayStore.js";
import type { PostgresDatabase, Queryable } from "./postgresDatabase.js";
import { refusal, replayStoreArgs } from "../args.js";

/**
 * A durable {@link ReplayStore} in PostgreSQL, shared by every payee replica. Each operation
 * first locks the (recipient, sender) row of `replay_floors` (an upsert that rewrites it), so the
 * decisions for one sender are serialised across replicas while different senders proceed in
 * parallel; then it folds the params closed before `now` into the floor. `record` is one
 * statement calling the server-side function `tb_replay_record` (floor, reuse and limit checks,
 * then the insert); the other operations are short transactions.
 */
export class PostgresReplayStore implements ReplayStore {
  readonly durable = true;

  constructor(private readonly db: PostgresDatabase) {}

  async record(a: {
    recipient: Hex;
    sender: Hex;
    paramsKey: string;
    nonce: bigint;
    closesAt: bigint;
    maxPerParams: number;
    now: bigint;
  }): Promise<ReplayOutcome> {
    replayStoreArgs.record(a);
    // One statement: the function (migration 002) locks the pair, folds, decides and inserts.
    const rows = await this.db.query<{ outcome: string; floor_value: string | null }>(
      "SELECT outcome, floor_value FROM tb_replay_record($1, $2, $3, $4, $5, $6, $7)",
      [
        a.recipient.toLowerCase(),
        a.sender.toLowerCase(),
        a.paramsKey.toLowerCase(),
        a.nonce.toString(),
        a.closesAt.toString(),
        a.maxPerParams,
        a.now.toString(),
      ],
    );
    const row = rows[0] as { outcome: string; floor_value: string | null };
    if (row.outcome === "belowFloor") {
      return { outcome: "belowFloor", floor: BigInt(row.floor_value ?? "0") };
    }
    return { outcome: row.outcome as "accepted" | "reused" | "limit" };
  }

  forget(a: { recipient: Hex; sender: Hex; paramsKey: string; nonce: bigint }): Promise<void> {
    const refused = refusal(() => replayStoreArgs.forget(a));
    if (refused !== undefined) return refused;
    const r = a.recipient.toLowerCase();
    const s = a.sender.toLowerCase();
    const p = a.paramsKey.toLowerCase();
    return this.db.tx(async (c) => {
      await lockPair(c, r, s);
      const gone = await c.query(
        "DELETE FROM replay_nonces WHERE recipient = $1 AND sender = $2 AND nonce = $3 AND params_key = $4 RETURNING 1",
        [r, s, a.nonce.toString(), p],
      );
      if (gone.rows.length > 0) {
        await c.query(
          "UPDATE replay_params SET nonce_count = nonce_count - 1 WHERE recipient = $1 AND sender = $2 AND params_key = $3",
          [r, s, p],
        );
      }
    });
  }

  floor(a: { recipient: Hex; sender: Hex; now: bigint }): Promise<bigint> {
    const refused = refusal(() => replayStoreArgs.floor(a));
    if (refused !== undefined) return refused;
    const r = a.recipient.toLowerCase();
    const s = a.sender.toLowerCase();
    return this.db.tx(async (c) => {
      await lockPair(c, r, s);
      return fold(c, r, s, a.now);
    });
  }

  async raiseFloor(a: { recipient: Hex; sender: Hex; floor: bigint }): Promise<void> {
    replayStoreArgs.raiseFloor(a);
    await this.db.query(
      `INSERT INTO replay_floors (recipient, sender, floor) VALUES ($1, $2, $3)
       ON CONFLICT (recipient, sender) DO UPDATE SET floor = GREATEST(replay_floors.floor, EXCLUDED.floor)`,
      [a.recipient.toLowerCase(), a.sender.toLowerCase(), a.floor.toString()],
    );
  }

  async prune(before: bigint): Promise<number> {
    replayStoreArgs.prune(before);
    const pairs = await this.db.query<{ recipient: string; sender: string }>(
      "SELECT DISTINCT recipient, sender FROM replay_params WHERE closes_at < $1 ORDER BY recipient, sender",
      [before.toString()],
    );
    let dropped = 0;
    for (const pair of pairs) {
      dropped += await this.db.tx(async (c) => {
        await lockPair(c, pair.recipient, pair.sender);
        return (await closeBefore(c, pair.recipient, pair.sender, before)).dropped;
      });
    }
    return dropped;
  }
}

/**
 * Creates and locks the pair's floor row for the rest of the transaction: an upsert that
 * rewrites the row takes its row lock in one statement.
 */
async function lockPair(c: Queryable, r: string, s: string): Promise<void> {
  await c.query(
    `INSERT INTO replay_floors (recipient, sender, floor) VALUES ($1, $2, 0)
     ON CONFLICT (recipient, sender) DO UPDATE SET floor = replay_floors.floor`,
    [r, s],
  );
}

/** Folds the pair's params closed before `now`; returns the pair's floor. */
async function fold(c: Queryable, r: string, s: string, now: bigint): Promise<bigint> {
  const { floor } = await closeBefore(c, r, s, now);
  return floor;
}

/** Moves the highest nonce of the pair's params closed before `t` into the floor, drops them. */
async function closeBefore(
  c: Queryable,
  r: string,
  s: string,
  t: bigint,
): Promise<{ dropped: number; floor: bigint }> {
  const res = await c.query<{ floor: string; dropped: number }>(
    `WITH closed AS (
       DELETE FROM replay_params WHERE recipient = $1 AND sender = $2 AND closes_at < $3 RETURNING params_key
     ), gone AS (
       DELETE FROM replay_nonces n USING closed
       WHERE n.recipient = $1 AND n.sender = $2 AND n.params_key = closed.params_key RETURNING n.nonce
     ), top AS (
       SELECT max(nonce) AS top, count(*)::int AS dropped FROM gone
     )
     UPDATE replay_floors f SET floor = GREATEST(f.floor, coalesce(top.top, 0))
     FROM top WHERE f.recipient = $1 AND f.sender = $2
     RETURNING f.floor::text AS floor, top.dropped AS dropped`,
    [r, s, t.toString()],
  );
  const row = res.rows[0] as { floor: string; dropped: number };
  return { floor: BigInt(row.floor), dropped: Number(row.dropped) };
}
