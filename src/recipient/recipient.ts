import { randomBytes } from "node:crypto";

import type { BrokerReader, SenderFunds } from "../chain/brokerReader.js";
import {
  TicketBrokerNonceAlreadyRedeemed,
  TicketBrokerTicketExpired,
} from "../contract/contractErrors.js";
import { ticketEV } from "../ticket/ev.js";
import {
  assertAddress,
  assertBigint,
  assertObject,
  assertReceiveTicketArgs,
  assertRecipientOptions,
} from "../ticket/inputs.js";
import { MAX_UINT256, toHex } from "../internal/bytes.js";
import { Rational } from "../math/rational.js";
import type { TicketHasher } from "../ticket/ticketDigest.js";
import type { TicketParams } from "../ticket/ticketParams.js";
import type { SignedTicket, Ticket } from "../ticket/ticketTypes.js";
import { checkSignerValidUntil, validateTicket } from "../ticket/validateTicket.js";
import { recipientRandHash } from "../ticket/winDraw.js";
import {
  SenderCannotPayError,
  IssueTicketParamsError,
  TicketSignerRevokedError,
  SenderUnlockingError,
  TicketParamsExpiredOnReceiveError,
  TicketParamsMismatchOnReceiveError,
  TicketParamsNotIssuedError,
} from "./errors.js";
import { issueTicketParams } from "./issueTicketParams.js";
import { deriveRecipientRand } from "./recipientRand.js";
import {
  DEFAULT_GRACE_SECONDS,
  DEFAULT_PARAMS_LIFETIME_SECONDS,
  DEFAULT_REDEMPTION_WINDOW_SECONDS,
} from "./defaults.js";
import { ReplayPolicy } from "./replayPolicy.js";
import { MemoryReplayStore, type ReplayStore } from "./replayStore.js";
import type { WinnerStore } from "./winnerStore.js";

/** What the recipient asks per ticket and how long its params live. */
export interface RecipientPolicy {
  /** Gas one redemption uses (measured on the target chain). */
  readonly redeemGas: bigint;
  /** Face value ≈ redeemGas × gasPrice × txCostMultiplier (default 100). */
  readonly txCostMultiplier?: bigint;
  /** EV in wei each ticket must carry at least. */
  readonly targetEV: Rational | bigint;
  /** Seconds from issuance to the params' issuance deadline (default {@link DEFAULT_PARAMS_LIFETIME_SECONDS}). */
  readonly paramsLifetime?: bigint;
  /** Seconds after the deadline (+ grace) during which winners can be redeemed (default {@link DEFAULT_REDEMPTION_WINDOW_SECONDS}). */
  readonly redemptionWindow?: bigint;
  /** Seconds after the params deadline during which late tickets are still accepted (default {@link DEFAULT_GRACE_SECONDS}). */
  readonly graceSeconds?: bigint;
  /** Most tickets accepted on one params set (default 100,000). */
  readonly maxTicketsPerParams?: number;
}

/** The outcome of a ticket the recipient accepted: the EV to credit, and whether it won. */
export interface ReceivedTicket {
  readonly ev: Rational;
  readonly won: boolean;
}

/** Length of the per-run tag at the start of every params seed. */
const RUN_ID_BYTES = 8;

/** broker.signerValidUntil for an authorised, unrevoked signer (type(uint256).max). */
const SIGNER_ACTIVE = MAX_UINT256;

/** What one receive reads about a sender: the store's pending winners, then the chain. */
interface SenderState {
  readonly now: bigint;
  readonly highestRedeemedNonce: bigint;
  readonly funds: SenderFunds;
  readonly claimable: bigint;
  readonly pending: bigint;
}

/**
 * The orchestrator side: issues ticket params to senders and accepts their tickets.
 *
 * Receiving runs every check the broker would make at redemption (through `validateTicket`,
 * with the contract's error classes: wrong chain or broker show up as a wrong signer, bad or
 * non-canonical signatures, unauthorised delegates, expiry, rand mismatch, nonces at or below
 * the redeemed mark), and what only the recipient knows:
 * params it never issued ({@link TicketParamsNotIssuedError}: the rand it re-derives from the
 * echoed params does not hash to their recipientRandHash), a ticket that differs from its params
 * or params for another broker ({@link TicketParamsMismatchOnReceiveError}), params past their
 * deadline plus grace ({@link TicketParamsExpiredOnReceiveError}), a nonce already received from
 * the sender ({@link TicketNonceReusedError}), too many tickets on one params set
 * ({@link TicketParamsNonceLimitError}), a sender whose unlock ends before the ticket expires
 * ({@link SenderUnlockingError}) and a sender that cannot pay: deposit + reserve allocation −
 * pending winners < face value ({@link SenderCannotPayError}). Winners are written to the
 * {@link WinnerStore} before `receiveTicket` resolves.
 *
 * Nonces already received are kept in a {@link ReplayStore} (option `replay`, in memory by
 * default) through a {@link ReplayPolicy}. Every seed the recipient issues starts with a random
 * per-run tag, bound by the rand commitment. Over a store that forgets on restart, it accepts
 * tickets only on params issued in this run: after a restart senders get
 * {@link TicketParamsFromEarlierRunError} and request fresh params. Over a durable store
 * (`replay.durable`), params from earlier runs (or other replicas) continue: the store still
 * knows their nonces.
 *
 * @example
 * ```ts
 * const orchestrator = new Recipient({
 *   address, secret, hasher: new TicketHasher(domain), reader, winners: store,
 *   policy: { redeemGas: 60_000n, targetEV: 10n ** 12n },
 * });
 * const params = await orchestrator.issueParams({ sender, gasPrice: 10n ** 8n });
 * const { ev, won } = await orchestrator.receiveTicket({ signed, params });
 * ```
 */
export class Recipient {
  readonly address: `0x${string}`;
  readonly #secret: Uint8Array;
  readonly #hasher: TicketHasher;
  readonly #domain: { chainId: bigint; verifyingContract: `0x${string}` };
  readonly #reader: BrokerReader;
  readonly #winners: WinnerStore;
  readonly #policy: Required<Omit<RecipientPolicy, "txCostMultiplier">> & {
    txCostMultiplier?: bigint;
  };
  readonly #replay: ReplayPolicy;
  /** Per sender: the pending face value last read from the store (a fall means a payment). */
  readonly #lastPending = new Map<string, bigint>();
  /** Per sender: the tail of the queue of winners being checked against funds and stored. */
  readonly #winnerQueue = new Map<string, Promise<void>>();
  /** Tag of this run, the first 8 bytes of every params seed it issues (see the class notes). */
  readonly #runId: string;

  constructor(options: {
    address: `0x${string}`;
    secret: Uint8Array;
    hasher: TicketHasher;
    reader: BrokerReader;
    winners: WinnerStore;
    policy: RecipientPolicy;
    /** 8 bytes as hex; random unless given (tests pass one to issue params by hand). */
    runId?: `0x${string}`;
    /** Where received nonces are kept (default: a new {@link MemoryReplayStore}). */
    replay?: ReplayStore;
  }) {
    assertRecipientOptions(options);
    this.address = options.address;
    this.#runId = (options.runId ?? `0x${randomBytes(RUN_ID_BYTES).toString("hex")}`).toLowerCase();
    if (!new RegExp(`^0x[0-9a-f]{${2 * RUN_ID_BYTES}}$`).test(this.#runId)) {
      throw new IssueTicketParamsError("runId must be 8 bytes of hex", {
        details: { runId: options.runId },
        hint: "Leave runId out (a random one is drawn) or pass 0x followed by 16 hex digits.",
      });
    }
    this.#secret = options.secret;
    this.#hasher = options.hasher;
    this.#domain = {
      chainId: options.hasher.domain.chainId,
      verifyingContract: options.hasher.domain.verifyingContract,
    };
    this.#reader = options.reader;
    this.#winners = options.winners;
    const p = options.policy;
    this.#policy = {
      redeemGas: p.redeemGas,
      targetEV: p.targetEV,
      paramsLifetime: p.paramsLifetime ?? DEFAULT_PARAMS_LIFETIME_SECONDS,
      redemptionWindow: p.redemptionWindow ?? DEFAULT_REDEMPTION_WINDOW_SECONDS,
      graceSeconds: p.graceSeconds ?? DEFAULT_GRACE_SECONDS,
      maxTicketsPerParams: p.maxTicketsPerParams ?? 100_000,
      ...(p.txCostMultiplier === undefined ? {} : { txCostMultiplier: p.txCostMultiplier }),
    };
    this.#replay = new ReplayPolicy({
      store: options.replay ?? new MemoryReplayStore(),
      recipient: this.address,
      runId: this.#runId,
      graceSeconds: this.#policy.graceSeconds,
      maxTicketsPerParams: this.#policy.maxTicketsPerParams,
    });
  }

  /** Seconds after a params deadline during which tickets are still accepted. */
  get graceSeconds(): bigint {
    return this.#policy.graceSeconds;
  }

  /**
   * Issues params for `sender` at the current `gasPrice`, capping the face value at what the
   * sender can cover for this recipient. Throws {@link SenderUnlockingError} when the sender's
   * unlock would end before its tickets expire.
   */
  async issueParams(args: {
    sender: `0x${string}`;
    gasPrice: bigint;
    targetEV?: Rational | bigint;
  }): Promise<TicketParams> {
    // Before any read: a malformed sender would reach the provider as a name to resolve.
    assertObject(args, "issueParams arguments");
    assertAddress(args.sender, "sender");
    assertBigint(args.gasPrice, "gasPrice");
    const { sender } = args;
    const [funds, claimable, pending, now] = await Promise.all([
      this.#reader.senderFunds(sender),
      this.#reader.claimableReserve(sender, this.address),
      this.#winners.pendingFaceValue({ sender, recipient: this.address }),
      this.#reader.now(),
    ]);
    const params = issueTicketParams({
      secret: this.#secret,
      recipient: this.address,
      sender,
      domain: this.#domain,
      redeemGas: this.#policy.redeemGas,
      gasPrice: args.gasPrice,
      ...(this.#policy.txCostMultiplier === undefined
        ? {}
        : { txCostMultiplier: this.#policy.txCostMultiplier }),
      coverable: funds.deposit + claimable - pending,
      targetEV: args.targetEV ?? this.#policy.targetEV,
      seed: `${this.#runId}${randomBytes(32 - RUN_ID_BYTES).toString("hex")}` as `0x${string}`,
      now,
      lifetime: this.#policy.paramsLifetime,
      redemptionWindow: this.#policy.graceSeconds + this.#policy.redemptionWindow,
    });
    if (funds.unlockEnd !== 0n && funds.unlockEnd <= params.ticketExpiry) {
      throw new SenderUnlockingError("The sender's unlock ends before its tickets would expire", {
        details: { sender, unlockEnd: funds.unlockEnd, ticketExpiry: params.ticketExpiry },
        hint: "The sender must cancel its unlock before it can pay this recipient.",
      });
    }
    return params;
  }

  /**
   * Validates a ticket the sender sent with the params it used, credits nothing itself, stores
   * it if it won, and returns its EV and whether it won. Throws the first rule it breaks.
   *
   * Each ticket is digested, drawn and its signature recovered once, by `validateTicket`. A
   * losing ticket is then judged on the state just read. Concurrent calls are safe. A sender's
   * winners are checked and stored one at a time, each against state read after the previous
   * one was stored, so two winners cannot count on the same wei of deposit and none is judged
   * on a stale redeemed mark. The first ticket from a sender in a process raises its nonce floor
   * to the highest nonce of its live pending winners in the store: a redeemer may already have
   * submitted them, and a lower-nonce winner accepted now could never be paid once they are
   * redeemed.
   */
  async receiveTicket(args: {
    signed: SignedTicket;
    params: TicketParams;
  }): Promise<ReceivedTicket> {
    assertReceiveTicketArgs(args);
    const { signed, params } = args;
    const rand = this.#checkIssued(signed, params);
    // The seed is bound by the rand commitment just checked, so its run tag cannot be forged.
    this.#replay.checkRun(params);
    const ticket = signed.ticket;
    const sender = ticket.sender;
    const state = await this.#readState(sender);
    this.#checkParamsOpen(params, state.now);
    const { won, digest } = await this.#validate(signed, rand, state);
    const ev = ticketEV(ticket.faceValue, ticket.winProb);
    if (!won) {
      this.#checkFunds(ticket, state);
      await this.#replay.record({ sender, params, nonce: ticket.senderNonce, now: state.now });
      return { ev, won };
    }
    return this.#oneAtATime(sender.toLowerCase(), async () => {
      // The chain and the store as they are now that the sender's earlier winners are stored.
      const fresh = await this.#readState(sender);
      this.#checkParamsOpen(params, fresh.now);
      this.#checkChainRules(ticket, fresh);
      this.#checkFunds(ticket, fresh);
      const undo = await this.#replay.record({
        sender,
        params,
        nonce: ticket.senderNonce,
        now: fresh.now,
      });
      try {
        await this.#winners.add({
          ticket,
          signature: signed.signature,
          recipientRand: rand,
          paramsDeadline: params.expirationTime,
          digest,
        });
      } catch (err) {
        // Not stored, not accepted: let the sender resend the same ticket.
        await undo();
        throw err;
      }
      // Pending now includes this winner: its payment must show as a fall at the next read.
      this.#notePending(sender, fresh.pending + ticket.faceValue);
      return { ev, won };
    });
  }

  /**
   * Undoes the replay record {@link Recipient.receiveTicket} made for a ticket it accepted, so
   * that the same ticket can be received again. For a caller whose next step after receiving
   * (crediting the ticket's EV) failed: the ticket was not paid for, and its sender may resend
   * it. A winner already stored stays stored; receiving it again stores nothing new (same
   * digest). Call it only for tickets this caller received and failed to credit: a forgotten
   * nonce is accepted once more.
   *
   * @example
   * ```ts
   * const { ev } = await recipient.receiveTicket({ signed, params });
   * try { await sessions.credit({ sessionId, amount: ev, creditId }); }
   * catch (err) { await recipient.forgetTicket({ signed, params }); throw err; }
   * ```
   */
  async forgetTicket(args: { signed: SignedTicket; params: TicketParams }): Promise<void> {
    assertReceiveTicketArgs(args);
    const { signed, params } = args;
    this.#checkMatchesParams(signed, params);
    await this.#replay.forget({
      sender: signed.ticket.sender,
      params,
      nonce: signed.ticket.senderNonce,
    });
  }

  /**
   * The params match the ticket and this recipient, and this recipient issued them: returns the
   * rand it re-derives from them.
   */
  #checkIssued(signed: SignedTicket, params: TicketParams): bigint {
    this.#checkMatchesParams(signed, params);
    const rand = deriveRecipientRand({ secret: this.#secret, params });
    if (recipientRandHash(rand).toLowerCase() !== params.recipientRandHash.toLowerCase()) {
      throw new TicketParamsNotIssuedError("This recipient never issued these ticket params", {
        details: {
          sender: signed.ticket.sender,
          recipientRandHash: params.recipientRandHash,
          seed: params.seed,
        },
        hint: "Request params from this recipient and send them unchanged with every ticket.",
      });
    }
    return rand;
  }

  /**
   * Reads the store, then the chain. The store is read first because a redemption lowers the
   * deposit on chain before the store marks the winner paid: in this order a redemption in
   * between can only make the sender look poorer, never richer. When the sender's pending face
   * value fell since the last read or the last winner this process stored (a winner was paid or
   * given up), the reader drops what it cached for the sender first, so the payment is seen on
   * chain before the store's lower figure is counted. Winners stored and paid by other processes
   * are seen through the reader's own bound (see `CachedBrokerReader`).
   */
  async #readState(sender: `0x${string}`): Promise<SenderState> {
    const key = sender.toLowerCase();
    const earlierWinners = this.#replay.winnersFolded(sender)
      ? undefined
      : await this.#winners.list({ status: "pending", sender });
    const pending = await this.#winners.pendingFaceValue({ sender, recipient: this.address });
    const last = this.#lastPending.get(key);
    if (last !== undefined && pending < last) this.#reader.invalidate?.(sender);
    this.#lastPending.set(key, pending);
    const [now, highestRedeemedNonce, funds, claimable] = await Promise.all([
      this.#reader.now(),
      this.#reader.highestRedeemedNonce(sender, this.address),
      this.#reader.senderFunds(sender),
      this.#reader.claimableReserve(sender, this.address),
    ]);
    if (earlierWinners !== undefined) await this.#replay.foldWinners(sender, earlierWinners, now);
    return { now, highestRedeemedNonce, funds, claimable, pending };
  }

  /** Raises the pending face value last seen for `sender` to at least `pending`. */
  #notePending(sender: `0x${string}`, pending: bigint): void {
    const key = sender.toLowerCase();
    const last = this.#lastPending.get(key);
    if (last === undefined || pending > last) this.#lastPending.set(key, pending);
  }

  /** Refuses params whose deadline plus grace has passed at `now`. */
  #checkParamsOpen(params: TicketParams, now: bigint): void {
    if (now > params.expirationTime + this.#policy.graceSeconds) {
      throw new TicketParamsExpiredOnReceiveError("The ticket's params expired before it arrived", {
        details: {
          expirationTime: params.expirationTime,
          graceSeconds: this.#policy.graceSeconds,
          now,
        },
        hint: "Request fresh params from the recipient and pay again with them.",
      });
    }
  }

  /**
   * The contract rules that depend on chain state (expiry, the redeemed mark), for a winner
   * judged again after waiting its turn; validateTicket checked them on the state read before.
   */
  #checkChainRules(ticket: Ticket, state: SenderState): void {
    if (state.now > ticket.expiry) {
      throw new TicketBrokerTicketExpired({ expiry: ticket.expiry, timestamp: state.now });
    }
    if (ticket.senderNonce <= state.highestRedeemedNonce) {
      throw new TicketBrokerNonceAlreadyRedeemed({
        sender: ticket.sender,
        recipient: ticket.recipient,
        senderNonce: ticket.senderNonce,
        highestRedeemedNonce: state.highestRedeemedNonce,
      });
    }
  }

  /** The sender is not unlocking before the ticket expires and can pay its face value. */
  #checkFunds(ticket: Ticket, state: SenderState): void {
    const { funds, claimable, pending } = state;
    const sender = ticket.sender;
    if (funds.unlockEnd !== 0n && funds.unlockEnd <= ticket.expiry) {
      throw new SenderUnlockingError("The sender's unlock ends before this ticket expires", {
        details: { sender, unlockEnd: funds.unlockEnd, expiry: ticket.expiry },
        hint: "The sender must cancel its unlock; refuse work until it does.",
      });
    }
    const available = funds.deposit + claimable - pending;
    if (available < ticket.faceValue) {
      throw new SenderCannotPayError("The sender cannot pay this ticket's face value", {
        details: {
          sender,
          deposit: funds.deposit,
          claimableReserve: claimable,
          pendingWinners: pending,
          faceValue: ticket.faceValue,
        },
        hint: "Refuse work from this sender until it funds its deposit, or issue params with a lower face value.",
      });
    }
  }

  #checkMatchesParams(signed: SignedTicket, params: TicketParams): void {
    const t = signed.ticket;
    const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
    const mismatches: string[] = [];
    if (params.chainId !== this.#domain.chainId) mismatches.push("chainId");
    if (!same(params.verifyingContract, this.#domain.verifyingContract))
      mismatches.push("verifyingContract");
    if (!same(params.recipient, this.address)) mismatches.push("params.recipient");
    if (!same(t.recipient, params.recipient)) mismatches.push("recipient");
    if (!same(t.sender, params.sender)) mismatches.push("sender");
    if (t.faceValue !== params.faceValue) mismatches.push("faceValue");
    if (t.winProb !== params.winProb) mismatches.push("winProb");
    if (!same(t.recipientRandHash, params.recipientRandHash)) mismatches.push("recipientRandHash");
    if (t.expiry !== params.ticketExpiry) mismatches.push("expiry");
    if (mismatches.length !== 0) {
      throw new TicketParamsMismatchOnReceiveError(
        "The ticket does not match the params it was sent with",
        {
          details: { fields: mismatches },
          hint: "Sign tickets that copy the params exactly (expiry = params.ticketExpiry) and send those params with them.",
        },
      );
    }
  }

  /**
   * validateTicket once (digest, draw, signature), then, for a delegated signer, its validity
   * read from the chain: the contract's rule, and this recipient's refusal of a revoked key.
   */
  async #validate(
    signed: SignedTicket,
    rand: bigint,
    state: SenderState,
  ): Promise<{ won: boolean; digest: `0x${string}` }> {
    const v = validateTicket({
      signed,
      hasher: this.#hasher,
      recipientRand: rand,
      now: state.now,
      caller: this.address,
      highestRedeemedNonce: state.highestRedeemedNonce,
      signerValidUntil: "checkedByCaller",
    });
    // The hasher reuses its buffers: copy the digest out before any await.
    const digest = toHex(v.digest);
    if (v.delegated) {
      const sender = signed.ticket.sender;
      const validUntil = await this.#reader.signerValidUntil(sender, v.signer);
      checkSignerValidUntil({ sender, signer: v.signer, now: state.now, validUntil });
      if (validUntil !== SIGNER_ACTIVE) {
        throw new TicketSignerRevokedError("The sender revoked the key that signed this ticket", {
          details: { sender, signer: v.signer, validUntil },
          hint: "Ask the sender to sign with its own key or a key it currently authorises.",
        });
      }
    }
    return { won: v.won, digest };
  }

  /** Runs `task` after every earlier task queued for `key` has settled. */
  async #oneAtATime<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.#winnerQueue.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    const tail = before.then(() => mine);
    this.#winnerQueue.set(key, tail);
    await before;
    try {
      return await task();
    } finally {
      done();
      if (this.#winnerQueue.get(key) === tail) this.#winnerQueue.delete(key);
    }
  }
}
