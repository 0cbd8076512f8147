import {
  InvalidInputError,
  assertAddressShape,
  assertHexBytes,
  assertObject,
  assertString,
  assertWinningTicket,
  describeValue,
} from "../ticket/inputs.js";
import type { Ticket } from "../ticket/ticketTypes.js";

/** Everything needed to redeem a winning ticket later. */
export interface WinningTicket {
  readonly ticket: Ticket;
  /** The sender's (or its delegate's) 65-byte signature. */
  readonly signature: `0x${string}`;
  /** The recipient's revealed random value, the preimage of `ticket.recipientRandHash`. */
  readonly recipientRand: bigint;
  /** Issuance deadline of the params the ticket used (Unix seconds). */
  readonly paramsDeadline: bigint;
  /** The ticket's EIP-712 digest: the winner's identity in the store. */
  readonly digest: `0x${string}`;
}

/**
 * Where a winner stands: `pending` until redeemed; `redeemed` once paid; `unredeemable` when
 * it can never succeed (expired, nonce already redeemed, …) — recorded, never deleted.
 */
export type WinnerStatus = "pending" | "redeemed" | "unredeemable";

/** A stored winner with its status and the last redemption error, if any. */
export interface StoredWinner extends WinningTicket {
  readonly status: WinnerStatus;
  /** Why the last redemption attempt failed (code = error class name) or why it is unredeemable. */
  readonly lastError?: { readonly code: string; readonly message: string };
  /** Transaction that paid it, once redeemed. */
  readonly txHash?: string;
  /** Redemption state, kept by durable stores (`src/store/`); `submitted` has `status` pending. */
  readonly state?: "pending" | "submitted" | "redeemed" | "unredeemable";
  /** The transaction a `submitted` winner was sent in, recorded before it was broadcast. */
  readonly submission?: {
    readonly txHash: `0x${string}`;
    readonly accountNonce: number;
    readonly maxFeePerGas: bigint;
    readonly maxPriorityFeePerGas: bigint;
    readonly block: bigint;
  };
}

/**
 * The recipient's durable list of winning tickets. A winner, once added, is never removed: a
 * failed redemption only records the error (transient failures stay `pending`, permanent ones
 * become `unredeemable`). {@link MemoryWinnerStore} is for tests; `FileWinnerStore` survives
 * crashes and restarts.
 *
 * @example
 * ```ts
 * await store.add({ ticket, signature, recipientRand, paramsDeadline, digest });
 * const due = await store.list({ status: "pending", sender });
 * await store.markRedeemed({ digest, txHash });
 * ```
 */
export interface WinnerStore {
  /** Adds a winner (durably, before resolving). Adding the same digest again changes nothing. */
  add(winner: WinningTicket): Promise<void>;
  /** The winners, optionally only those with `status` and/or from `sender`, in insertion order. */
  list(filter?: { status?: WinnerStatus; sender?: `0x${string}` }): Promise<StoredWinner[]>;
  /** Summed face value of `recipient`'s pending winners from `sender` (wei). */
  pendingFaceValue(args: { sender: `0x${string}`; recipient: `0x${string}` }): Promise<bigint>;
  /** Marks a winner paid by `txHash`. */
  markRedeemed(args: { digest: `0x${string}`; txHash: string }): Promise<void>;
  /** Records a transient failure; the winner stays pending and will be retried. */
  recordFailure(args: { digest: `0x${string}`; code: string; message: string }): Promise<void>;
  /** Marks a winner that can never be redeemed, with the reason. It stays in the store. */
  markUnredeemable(args: { digest: `0x${string}`; code: string; message: string }): Promise<void>;
}

/** One change to a winner store: the unit of the file store's append-only log. */
export type WinnerEvent =
  | { readonly type: "winner"; readonly winner: WinningTicket }
  | { readonly type: "redeemed"; readonly digest: `0x${string}`; readonly txHash: string }
  | {
      readonly type: "failed";
      readonly digest: `0x${string}`;
      readonly code: string;
      readonly message: string;
    }
  | {
      readonly type: "unredeemable";
      readonly digest: `0x${string}`;
      readonly code: string;
      readonly message: string;
    };

/**
 * Applies {@link WinnerEvent}s to an in-memory index; shared by the memory and file stores.
 * Pending face value per (sender, recipient) is kept as a running sum, so
 * {@link WinnerLedger.pendingFaceValue} costs the same with 10 or 100,000 winners stored.
 */
export class WinnerLedger {
  readonly #winners = new Map<string, StoredWinner>();
  /** Summed face value of pending winners, by "sender|recipient" (lowercase). */
  readonly #pending = new Map<string, bigint>();
  /** Digests by lowercase sender, in insertion order (a sender's list reads only its own). */
  readonly #bySender = new Map<string, Set<string>>();

  #addPending(w: StoredWinner, sign: 1n | -1n): void {
    const key = pairKey(w.ticket.sender, w.ticket.recipient);
    const total = (this.#pending.get(key) ?? 0n) + sign * w.ticket.faceValue;
    if (total === 0n) this.#pending.delete(key);
    else this.#pending.set(key, total);
  }

  /** Whether applying `event` would change anything (a repeated winner does not). */
  changes(event: WinnerEvent): boolean {
    return event.type !== "winner" || !this.#winners.has(event.winner.digest.toLowerCase());
  }

  apply(event: WinnerEvent): void {
    if (event.type === "winner") {
      const key = event.winner.digest.toLowerCase();
      if (!this.#winners.has(key)) {
        const stored: StoredWinner = { ...event.winner, status: "pending" };
        this.#winners.set(key, stored);
        this.#addPending(stored, 1n);
        const sender = stored.ticket.sender.toLowerCase();
        let keys = this.#bySender.get(sender);
        if (keys === undefined) {
          keys = new Set();
          this.#bySender.set(sender, keys);
        }
        keys.add(key);
      }
      return;
    }
    const key = event.digest.toLowerCase();
    const current = this.#winners.get(key);
    if (current === undefined) return;
    if (current.status === "pending" && event.type !== "failed") this.#addPending(current, -1n);
    if (event.type === "redeemed") {
      this.#winners.set(key, { ...current, status: "redeemed", txHash: event.txHash });
    } else if (event.type === "failed") {
      this.#winners.set(key, {
        ...current,
        lastError: { code: event.code, message: event.message },
      });
    } else {
      this.#winners.set(key, {
        ...current,
        status: "unredeemable",
        lastError: { code: event.code, message: event.message },
      });
    }
  }

  has(digest: string): boolean {
    return this.#winners.has(digest.toLowerCase());
  }

  list(filter: { status?: WinnerStatus; sender?: `0x${string}` } = {}): StoredWinner[] {
    const sender = filter.sender?.toLowerCase();
    const out: StoredWinner[] = [];
    if (sender === undefined) {
      for (const w of this.#winners.values()) {
        if (filter.status === undefined || w.status === filter.status) out.push(w);
      }
      return out;
    }
    for (const key of this.#bySender.get(sender) ?? []) {
      const w = this.#winners.get(key);
      if (w !== undefined && (filter.status === undefined || w.status === filter.status)) {
        out.push(w);
      }
    }
    return out;
  }

  pendingFaceValue(sender: `0x${string}`, recipient: `0x${string}`): bigint {
    return this.#pending.get(pairKey(sender, recipient)) ?? 0n;
  }
}

/**
 * O(1) checks of a winner store's arguments, shared by the memory and file stores: shapes and
 * types only (no hashing), so a recipient's own calls stay cheap.
 */
export const winnerStoreArgs = {
  add(winner: unknown): void {
    assertWinningTicket(winner, "winner", { checksum: false });
  },
  filter(filter: unknown): void {
    if (filter === undefined) return;
    assertObject(filter, "filter");
    const status = filter["status"];
    if (status !== undefined && !WINNER_STATUSES.includes(status as WinnerStatus)) {
      throw new InvalidInputError("filter.status is not a winner status", {
        details: { field: "filter.status", received: describeValue(status) },
        hint: `Pass one of ${WINNER_STATUSES.join(", ")}, or leave status out for every winner.`,
      });
    }
    if (filter["sender"] !== undefined) assertAddressShape(filter["sender"], "filter.sender");
  },
  pair(args: unknown): void {
    assertObject(args, "pendingFaceValue arguments");
    assertAddressShape(args["sender"], "sender");
    assertAddressShape(args["recipient"], "recipient");
  },
  redeemed(args: unknown): void {
    assertObject(args, "markRedeemed arguments");
    assertHexBytes(args["digest"], 32, "digest");
    assertString(args["txHash"], "txHash");
  },
  failure(args: unknown): void {
    assertObject(args, "winner failure arguments");
    assertHexBytes(args["digest"], 32, "digest");
    assertString(args["code"], "code", { nonEmpty: true });
    assertString(args["message"], "message");
  },
};

const WINNER_STATUSES: readonly WinnerStatus[] = ["pending", "redeemed", "unredeemable"];

/**
 * @internal Runs `check`: undefined when it passes, else a promise rejected with what it threw
 * (Promise-returning methods refuse asynchronously, as their callers expect).
 */
export function refusal(check: () => void): Promise<never> | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

/** `then()`'s result as a promise once `check` passes, else the refusal. */
function checked<T>(check: () => void, then: () => T): Promise<T> {
  return refusal(check) ?? Promise.resolve(then());
}

function pickFailure(args: { digest: `0x${string}`; code: string; message: string }): {
  digest: `0x${string}`;
  code: string;
  message: string;
} {
  return { digest: args.digest, code: args.code, message: args.message };
}

function pairKey(sender: string, recipient: string): string {
  return `${sender.toLowerCase()}|${recipient.toLowerCase()}`;
}

/**
 * A {@link WinnerStore} in memory. Winners are lost with the process: for tests only.
 *
 * @example
 * ```ts
 * const store = new MemoryWinnerStore();
 * await store.add(winner);
 * (await store.list({ status: "pending" })).length; // 1
 * ```
 */
export class MemoryWinnerStore implements WinnerStore {
  readonly #ledger = new WinnerLedger();

  add(winner: WinningTicket): Promise<void> {
    return checked(
      () => winnerStoreArgs.add(winner),
      () => this.#ledger.apply({ type: "winner", winner }),
    );
  }

  list(filter?: { status?: WinnerStatus; sender?: `0x${string}` }): Promise<StoredWinner[]> {
    return checked(
      () => winnerStoreArgs.filter(filter),
      () => this.#ledger.list(filter),
    );
  }

  pendingFaceValue(args: { sender: `0x${string}`; recipient: `0x${string}` }): Promise<bigint> {
    return checked(
      () => winnerStoreArgs.pair(args),
      () => this.#ledger.pendingFaceValue(args.sender, args.recipient),
    );
  }

  markRedeemed(args: { digest: `0x${string}`; txHash: string }): Promise<void> {
    return checked(
      () => winnerStoreArgs.redeemed(args),
      () => this.#ledger.apply({ type: "redeemed", digest: args.digest, txHash: args.txHash }),
    );
  }

  recordFailure(args: { digest: `0x${string}`; code: string; message: string }): Promise<void> {
    return checked(
      () => winnerStoreArgs.failure(args),
      () => this.#ledger.apply({ type: "failed", ...pickFailure(args) }),
    );
  }

  markUnredeemable(args: { digest: `0x${string}`; code: string; message: string }): Promise<void> {
    return checked(
      () => winnerStoreArgs.failure(args),
      () => this.#ledger.apply({ type: "unredeemable", ...pickFailure(args) }),
    );
  }
}
