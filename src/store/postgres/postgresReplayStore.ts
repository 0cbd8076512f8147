import type { Hex } from "../../internal/bytes.js";
import type { ReplayOutcome, ReplayStore } from "../../recipient/replayStore.js";
import type { PostgresDatabase, Queryable } from "./postgresDatabase.js";

/**
 * A durable {@link ReplayStore} in PostgreSQL, shared by every payee replica. Each operation is
 * one transaction that first locks the (recipient, sender) row of `replay_floors` (`SELECT … FOR
 * UPDATE`), so the decisions for one sender are serialised across replicas while different
 * senders proceed in parallel. Within it: fold the params closed before `now` into the floor,
 * then floor, reuse and limit checks, then the insert.
 */
export class PostgresReplayStore implements ReplayStore {
  readonly durable = true;

  constructor(private readonly db: PostgresDatabase) {}

  record(a: {
    recipient: Hex;
    sender: Hex;
    paramsKey: string;
    nonce: bigint;
    closesAt: bigint;
    maxPerParams: number;
    now: bigint;
  }): Promise<ReplayOutcome> {
    const r = a.recipient.toLowerCase();
    const s = a.sender.toLowerCase();
    const p = a.paramsKey.toLowerCase();
    const nonce = a.nonce.toString();
    return this.db.tx(async (c): Promise<ReplayOutcome> => {
      await lockPair(c, r, s);
      const floor = await fold(c, r, s, a.now);
      if (a.nonce <= floor) return { outcome: "belowFloor", floor };
      const seen = await c.query(
        "SELECT 1 FROM replay_nonces WHERE recipient = $1 AND sender = $2 AND nonce = $3",
        [r, s, nonce],
      );
      if (seen.rows.length > 0) return { outcome: "reused" };
      const params = await c.query<{ nonce_count: number }>(
        "SELECT nonce_count FROM replay_params WHERE recipient = $1 AND sender = $2 AND params_key = $3",
        [r, s, p],
      );
      if (Number(params.rows[0]?.nonce_count ?? 0) >= a.maxPerParams) return { outcome: "limit" };
      if (a.closesAt < a.now) {
        // Params already closed: the nonce, above the floor, becomes the floor at once.
        await c.query("UPDATE replay_floors SET floor = $3 WHERE recipient = $1 AND sender = $2", [
          r,
          s,
          nonce,
        ]);
        return { outcome: "accepted" };
      }
      await c.query(
        `INSERT INTO replay_params (recipient, sender, params_key, closes_at, nonce_count) VALUES ($1, $2, $3, $4, 1)
         ON CONFLICT (recipient, sender, params_key) DO UPDATE SET nonce_count = replay_params.nonce_count + 1`,
        [r, s, p, a.closesAt.toString()],
      );
      await c.query(
        "INSERT INTO replay_nonces (recipient, sender, nonce, params_key) VALUES ($1, $2, $3, $4)",
        [r, s, nonce, p],
      );
      return { outcome: "accepted" };
    });
  }

  forget(a: { recipient: Hex; sender: Hex; paramsKey: string; nonce: bigint }): Promise<void> {
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
    const r = a.recipient.toLowerCase();
    const s = a.sender.toLowerCase();
    return this.db.tx(async (c) => {
      await lockPair(c, r, s);
      return fold(c, r, s, a.now);
    });
  }

  async raiseFloor(a: { recipient: Hex; sender: Hex; floor: bigint }): Promise<void> {
    await this.db.query(
      `INSERT INTO replay_floors (recipient, sender, floor) VALUES ($1, $2, $3)
       ON CONFLICT (recipient, sender) DO UPDATE SET floor = GREATEST(replay_floors.floor, EXCLUDED.floor)`,
      [a.recipient.toLowerCase(), a.sender.toLowerCase(), a.floor.toString()],
    );
  }

  async prune(before: bigint): Promise<number> {
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
