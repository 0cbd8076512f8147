import {
  checkBlockSize,
  checkNonceLimit,
  type NonceRange,
  type NonceStore,
} from "../../sender/nonceStore.js";
import { padNonce } from "../rules.js";
import type { SqliteDatabase } from "./sqliteDatabase.js";
import { refusal, storeArgs } from "../args.js";

/**
 * A {@link NonceStore} in SQLite: one row per (sender, recipient) holds the highest nonce ever
 * reserved. A reservation reads and raises it inside `BEGIN IMMEDIATE`, so processes sharing the
 * file get disjoint blocks, and the commit is durable before the range is returned.
 */
export class SqliteNonceStore implements NonceStore {
  readonly blockSize: bigint;

  constructor(
    private readonly sql: SqliteDatabase,
    options: { blockSize?: bigint } = {},
  ) {
    this.blockSize = checkBlockSize(options.blockSize ?? 1000n);
  }

  reserve(args: {
    sender: `0x${string}`;
    recipient: `0x${string}`;
    above?: bigint;
  }): Promise<NonceRange> {
    const refused = refusal(() => storeArgs.reserve(args));
    if (refused !== undefined) return refused;
    try {
      const sender = args.sender.toLowerCase();
      const recipient = args.recipient.toLowerCase();
      const above = args.above ?? 0n;
      return this.sql.write(() => {
        const row = this.sql
          .stmt("SELECT high FROM nonce_blocks WHERE sender = ? AND recipient = ?")
          .get(sender, recipient) as { high: string } | undefined;
        const previous = row === undefined ? 0n : BigInt(row.high);
        const first = (previous > above ? previous : above) + 1n;
        const range = checkNonceLimit({ first, last: first + this.blockSize - 1n });
        this.sql
          .stmt(
            "INSERT INTO nonce_blocks (sender, recipient, high) VALUES (?, ?, ?) ON CONFLICT (sender, recipient) DO UPDATE SET high = excluded.high",
          )
          .run(sender, recipient, padNonce(range.last));
        return range;
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
}
