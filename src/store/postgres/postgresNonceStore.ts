import {
  checkBlockSize,
  checkNonceLimit,
  type NonceRange,
  type NonceStore,
} from "../../sender/nonceStore.js";
import type { PostgresDatabase } from "./postgresDatabase.js";
import { storeArgs } from "../args.js";

/**
 * A {@link NonceStore} in PostgreSQL, shared by every signer replica: a block claim is one
 * statement, `INSERT … ON CONFLICT DO UPDATE SET high = GREATEST(high, above) + blockSize
 * RETURNING high`, which the row lock makes atomic; blocks never overlap across processes.
 */
export class PostgresNonceStore implements NonceStore {
  readonly blockSize: bigint;

  constructor(
    private readonly db: PostgresDatabase,
    options: { blockSize?: bigint } = {},
  ) {
    this.blockSize = checkBlockSize(options.blockSize ?? 1000n);
  }

  async reserve(args: {
    sender: `0x${string}`;
    recipient: `0x${string}`;
    above?: bigint;
  }): Promise<NonceRange> {
    storeArgs.reserve(args);
    const above = args.above ?? 0n;
    const rows = await this.db.query<{ high: string }>(
      `INSERT INTO nonce_blocks (sender, recipient, high) VALUES ($1, $2, $3::numeric + $4::numeric)
       ON CONFLICT (sender, recipient) DO UPDATE SET high = GREATEST(nonce_blocks.high, $3::numeric) + $4::numeric
       RETURNING high::text AS high`,
      [
        args.sender.toLowerCase(),
        args.recipient.toLowerCase(),
        above.toString(),
        this.blockSize.toString(),
      ],
    );
    const last = BigInt((rows[0] as { high: string }).high);
    return checkNonceLimit({ first: last - this.blockSize + 1n, last });
  }
}
