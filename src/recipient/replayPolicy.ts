import {
  assertAddress,
  assertBigint,
  assertHasMethods,
  assertHexBytes,
  assertInteger,
  assertObject,
} from "../ticket/inputs.js";
import type { Hex } from "../internal/bytes.js";
import { ticketParamsKey, type TicketParams } from "../ticket/ticketParams.js";
import {
  TicketNonceBelowClosedParamsError,
  TicketNonceReusedError,
  TicketParamsFromEarlierRunError,
  TicketParamsNonceLimitError,
} from "./errors.js";
import type { ReplayStore } from "./replayStore.js";
import type { StoredWinner } from "./winnerStore.js";

/** Seconds of chain time between two {@link ReplayStore.prune} calls. */
const PRUNE_EVERY_SECONDS = 60n;

/**
 * The recipient's replay rules over a {@link ReplayStore}: a nonce is credited at most once per
 * sender, at most `maxTicketsPerParams` nonces per params set, and nonces must stay above the
 * sender's floor (the highest nonce on its closed params, and of its pending winners from an
 * earlier run). Testable without a chain: it sees only the store, params, nonces and times.
 *
 * Over a store that forgets on restart (`durable: false`) it also refuses params issued before
 * this run ({@link TicketParamsFromEarlierRunError}): their nonces are unknown. Over a durable
 * store those params continue, as the store still holds their nonces.
 *
 * @example
 * ```ts
 * const replay = new ReplayPolicy({ store, recipient, runId, graceSeconds: 60n, maxTicketsPerParams: 100_000 });
 * replay.checkRun(params);
 * const undo = await replay.record({ sender, params, nonce, now });
 * try { await winners.add(w); } catch (err) { await undo(); throw err; }
 * ```
 */
export class ReplayPolicy {
  readonly store: ReplayStore;
  readonly #recipient: Hex;
  readonly #runId: string;
  readonly #graceSeconds: bigint;
  readonly #maxTicketsPerParams: number;
  /** Senders whose pending winners from earlier runs are folded into their floor. */
  readonly #winnerFloorLoaded = new Set<string>();
  #prunedAt: bigint | undefined;

  constructor(options: {
    store: ReplayStore;
    recipient: Hex;
    /** The run tag every params seed issued in this run starts with (lowercase 0x hex). */
    runId: string;
    graceSeconds: bigint;
    maxTicketsPerParams: number;
  }) {
    assertObject(options, "ReplayPolicy options");
    assertHasMethods(options.store, "store", ["record", "forget", "floor", "raiseFloor", "prune"]);
    assertAddress(options.recipient, "recipient");
    assertHexBytes(options.runId, 8, "runId");
    assertBigint(options.graceSeconds, "graceSeconds");
    assertInteger(options.maxTicketsPerParams, "maxTicketsPerParams", { min: 1 });
    this.store = options.store;
    this.#recipient = options.recipient;
    this.#runId = options.runId.toLowerCase();
    this.#graceSeconds = options.graceSeconds;
    this.#maxTicketsPerParams = options.maxTicketsPerParams;
  }

  /**
   * Throws {@link TicketParamsFromEarlierRunError} for params issued before this run when the
   * store forgets on restart. Call it only on params whose seed the rand commitment binds.
   */
  checkRun(params: TicketParams): void {
    if (this.store.durable) return;
    if (params.seed.toLowerCase().startsWith(this.#runId)) return;
    throw new TicketParamsFromEarlierRunError(
      "These ticket params were issued before the recipient (re)started",
      {
        details: { seed: params.seed, runId: this.#runId },
        hint: "Request fresh params from the recipient and pay again with them.",
      },
    );
  }

  /** Whether {@link ReplayPolicy.foldWinners} has run for `sender` in this process. */
  winnersFolded(sender: Hex): boolean {
    return this.#winnerFloorLoaded.has(sender.toLowerCase());
  }

  /**
   * Raises `sender`'s floor, once per process, to the highest nonce among its pending winners
   * for this recipient that have not expired at `now`. Those are winners of earlier runs, which
   * a redeemer may be redeeming now: a lower-nonce winner accepted after them could never be
   * paid.
   */
  async foldWinners(sender: Hex, pending: readonly StoredWinner[], now: bigint): Promise<void> {
    const key = sender.toLowerCase();
    if (this.#winnerFloorLoaded.has(key)) return;
    let highest = 0n;
    const recipient = this.#recipient.toLowerCase();
    for (const w of pending) {
      if (w.ticket.recipient.toLowerCase() !== recipient) continue;
      if (w.ticket.expiry < now) continue;
      if (w.ticket.senderNonce > highest) highest = w.ticket.senderNonce;
    }
    if (highest > 0n)
      await this.store.raiseFloor({ recipient: this.#recipient, sender, floor: highest });
    this.#winnerFloorLoaded.add(key);
  }

  /**
   * Records `nonce` as received on `params` at chain time `now`, or throws the rule it breaks:
   * {@link TicketNonceBelowClosedParamsError}, {@link TicketNonceReusedError},
   * {@link TicketParamsNonceLimitError}. Returns an undo that removes everything it recorded.
   */
  async record(a: {
    sender: Hex;
    params: TicketParams;
    nonce: bigint;
    now: bigint;
  }): Promise<() => Promise<void>> {
    const { sender, nonce } = a;
    const paramsKey = ticketParamsKey(a.params);
    const result = await this.store.record({
      recipient: this.#recipient,
      sender,
      paramsKey,
      nonce,
      closesAt: a.params.expirationTime + this.#graceSeconds,
      maxPerParams: this.#maxTicketsPerParams,
      now: a.now,
    });
    switch (result.outcome) {
      case "accepted":
        break;
      case "belowFloor":
        throw new TicketNonceBelowClosedParamsError(
          "The nonce is not above the sender's nonce floor (its closed params and pending winners)",
          {
            details: { sender, senderNonce: nonce, floor: result.floor },
            hint: `Sign new tickets with nonces above ${result.floor}: nonces must rise from one params set to the next.`,
          },
        );
      case "reused":
        throw new TicketNonceReusedError("The sender already used this nonce", {
          details: { sender, senderNonce: nonce },
          hint: "A sender must never reuse a nonce; refuse this ticket and check the sender's nonce store.",
        });
      case "limit":
        throw new TicketParamsNonceLimitError("Too many tickets on one params set", {
          details: { sender, max: this.#maxTicketsPerParams },
          hint: "Request fresh params from the recipient.",
        });
    }
    this.#maybePrune(a.now);
    return () => this.store.forget({ recipient: this.#recipient, sender, paramsKey, nonce });
  }

  /**
   * Removes `nonce` as received on `params` (what the undo returned by
   * {@link ReplayPolicy.record} does), for a caller that no longer holds that undo: the ticket
   * was accepted, but what had to follow (its credit) failed.
   */
  async forget(a: { sender: Hex; params: TicketParams; nonce: bigint }): Promise<void> {
    await this.store.forget({
      recipient: this.#recipient,
      sender: a.sender,
      paramsKey: ticketParamsKey(a.params),
      nonce: a.nonce,
    });
  }

  /** Drops the nonces of closed params now and then; their maxima stay in the floors. */
  #maybePrune(now: bigint): void {
    if (this.#prunedAt !== undefined && now - this.#prunedAt < PRUNE_EVERY_SECONDS) return;
    this.#prunedAt = now;
    // Pruning only frees space; a failure leaves the rows for the next round.
    void this.store.prune(now).catch(() => undefined);
  }
}
