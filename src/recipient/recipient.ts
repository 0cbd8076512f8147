import { randomBytes } from "node:crypto";

import type { BrokerReader } from "../chain/brokerReader.js";
import { ticketEV } from "../ev.js";
import { MAX_UINT256, toHex } from "../internal/bytes.js";
import { Rational } from "../rational.js";
import type { TicketHasher } from "../ticketDigest.js";
import { ticketParamsKey, type TicketParams } from "../ticketParams.js";
import type { SignedTicket } from "../ticketTypes.js";
import { validateTicket } from "../validateTicket.js";
import { isWinningTicket, recipientRandHash } from "../winDraw.js";
import {
  SenderCannotPayError,
  IssueTicketParamsError,
  TicketParamsFromEarlierRunError,
  TicketSignerRevokedError,
  TicketNonceBelowClosedParamsError,
  SenderUnlockingError,
  TicketNonceReusedError,
  TicketParamsExpiredOnReceiveError,
  TicketParamsMismatchOnReceiveError,
  TicketParamsNonceLimitError,
  TicketParamsNotIssuedError,
} from "./errors.js";
import { issueTicketParams } from "./issueTicketParams.js";
import { deriveRecipientRand } from "./recipientRand.js";
import type { StoredWinner, WinnerStore } from "./winnerStore.js";

/** What the recipient asks per ticket and how long its params live. */
export interface RecipientPolicy {
  /** Gas one redemption uses (measured on the target chain). */
  readonly redeemGas: bigint;
  /** Face value ≈ redeemGas × gasPrice × txCostMultiplier (default 100). */
  readonly txCostMultiplier?: bigint;
  /** EV in wei each ticket must carry at least. */
  readonly targetEV: Rational | bigint;
  /** Seconds from issuance to the params' issuance deadline (default 300). */
  readonly paramsLifetime?: bigint;
  /** Seconds after the deadline (+ grace) during which winners can be redeemed (default 86,400). */
  readonly redemptionWindow?: bigint;
  /** Seconds after the params deadline during which late tickets are still accepted (default 60). */
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

/** Thrown internally to learn a delegated signer's address before reading its validity. */
class NeedSignerValidity {
  constructor(readonly signer: `0x${string}`) {}
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
 * Nonces already received are remembered in memory, per sender, above the broker's redeemed
 * mark. So that a restart cannot forget them, a recipient accepts tickets only on params it
 * issued in this run: every seed it issues starts with a random per-run tag, bound by the rand
 * commitment. After a restart senders get {@link TicketParamsFromEarlierRunError} and request
 * fresh params.
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
  readonly #seenNonces = new Map<string, Set<bigint>>();
  /** Tickets received per live params set (key: ticketParamsKey). */
  readonly #paramsUse = new Map<
    string,
    { sender: string; count: number; deadline: bigint; maxNonce: bigint }
  >();
  /**
   * Per sender: the highest nonce received on params that have closed (deadline + grace), or
   * held by a pending winner of an earlier run (see {@link Recipient.receiveTicket}).
   */
  readonly #closedNonceFloor = new Map<string, bigint>();
  /** Senders whose pending winners from earlier runs are folded into their floor. */
  readonly #storeFloorLoaded = new Set<string>();
  /** Per sender: the tail of the queue of winners being checked against funds and stored. */
  readonly #winnerQueue = new Map<string, Promise<void>>();
  #closedAt = -1n;
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
  }) {
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
      paramsLifetime: p.paramsLifetime ?? 300n,
      redemptionWindow: p.redemptionWindow ?? 86_400n,
      graceSeconds: p.graceSeconds ?? 60n,
      maxTicketsPerParams: p.maxTicketsPerParams ?? 100_000,
      ...(p.txCostMultiplier === undefined ? {} : { txCostMultiplier: p.txCostMultiplier }),
    };
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
   * Concurrent calls are safe. A sender's winners are checked and stored one at a time, each
   * against chain state read after the previous one was stored, so two winners cannot count on
   * the same wei of deposit and none is judged on a stale redeemed mark. The first ticket from a
   * sender in a run raises its nonce floor to the highest nonce of its live pending winners in
   * the store: a redeemer may already have submitted them, and a lower-nonce winner accepted now
   * could never be paid once they are redeemed.
   */
  async receiveTicket(args: {
    signed: SignedTicket;
    params: TicketParams;
  }): Promise<ReceivedTicket> {
    const { signed, params } = args;
    const ticket = signed.ticket;
    this.#checkMatchesParams(signed, params);
    const rand = deriveRecipientRand({ secret: this.#secret, params });
    if (recipientRandHash(rand).toLowerCase() !== params.recipientRandHash.toLowerCase()) {
      throw new TicketParamsNotIssuedError("This recipient never issued these ticket params", {
        details: {
          sender: ticket.sender,
          recipientRandHash: params.recipientRandHash,
          seed: params.seed,
        },
        hint: "Request params from this recipient and send them unchanged with every ticket.",
      });
    }
    // The seed is bound by the rand commitment just checked, so its run tag cannot be forged.
    if (!params.seed.toLowerCase().startsWith(this.#runId)) {
      throw new TicketParamsFromEarlierRunError(
        "These ticket params were issued before the recipient (re)started",
        {
          details: { seed: params.seed, runId: this.#runId },
          hint: "Request fresh params from the recipient and pay again with them.",
        },
      );
    }
    // The draw depends on the ticket and the rand alone; a ticket that wins waits for the
    // sender's earlier winners (validation below repeats the draw with the signature checks).
    const wins = isWinningTicket(this.#hasher.digest(ticket), rand, ticket.winProb);
    const accept = (): Promise<ReceivedTicket> => this.#accept(signed, params, rand);
    return wins ? this.#oneAtATime(ticket.sender.toLowerCase(), accept) : accept();
  }

  /**
   * Everything in {@link Recipient.receiveTicket} that reads state: the store, then the chain,
   * then the checks, and (for a winner) storing it. The store is read before the chain because
   * a redemption lowers the deposit on chain before the store marks the winner paid: in this
   * order a redemption in between can only make the sender look poorer, never richer.
   */
  async #accept(signed: SignedTicket, params: TicketParams, rand: bigint): Promise<ReceivedTicket> {
    const ticket = signed.ticket;
    const sender = ticket.sender;
    const senderKey = sender.toLowerCase();
    const stored = this.#storeFloorLoaded.has(senderKey)
      ? undefined
      : await this.#winners.list({ status: "pending", sender });
    const pending = await this.#winners.pendingFaceValue({ sender, recipient: this.address });
    const [now, highestRedeemedNonce, funds, claimable] = await Promise.all([
      this.#reader.now(),
      this.#reader.highestRedeemedNonce(sender, this.address),
      this.#reader.senderFunds(sender),
      this.#reader.claimableReserve(sender, this.address),
    ]);
    if (stored !== undefined) this.#foldStoreFloor(senderKey, stored, now);
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
    const validated = await this.#validate(signed, rand, now, highestRedeemedNonce);

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

    // Check-and-record without an await in between, so concurrent calls cannot both pass.
    this.#closeParams(now);
    const floor = this.#closedNonceFloor.get(senderKey) ?? 0n;
    if (ticket.senderNonce <= floor) {
      throw new TicketNonceBelowClosedParamsError(
        "The nonce is not above the sender's nonce floor (its closed params and pending winners)",
        {
          details: { sender, senderNonce: ticket.senderNonce, floor },
          hint: `Sign new tickets with nonces above ${floor}: nonces must rise from one params set to the next.`,
        },
      );
    }
    let seen = this.#seenNonces.get(senderKey);
    if (seen === undefined) {
      seen = new Set();
      this.#seenNonces.set(senderKey, seen);
    }
    if (seen.has(ticket.senderNonce)) {
      throw new TicketNonceReusedError("The sender already used this nonce", {
        details: { sender, senderNonce: ticket.senderNonce },
        hint: "A sender must never reuse a nonce; refuse this ticket and check the sender's nonce store.",
      });
    }
    const paramsKey = ticketParamsKey(params);
    const use = this.#paramsUse.get(paramsKey) ?? {
      sender: senderKey,
      count: 0,
      deadline: params.expirationTime,
      maxNonce: 0n,
    };
    if (use.count >= this.#policy.maxTicketsPerParams) {
      throw new TicketParamsNonceLimitError("Too many tickets on one params set", {
        details: { sender, count: use.count, max: this.#policy.maxTicketsPerParams },
        hint: "Request fresh params from the recipient.",
      });
    }
    seen.add(ticket.senderNonce);
    this.#paramsUse.set(paramsKey, {
      ...use,
      count: use.count + 1,
      maxNonce: ticket.senderNonce > use.maxNonce ? ticket.senderNonce : use.maxNonce,
    });
    this.#pruneSeen(senderKey, highestRedeemedNonce > floor ? highestRedeemedNonce : floor);

    if (validated.won) {
      try {
        await this.#winners.add({
          ticket,
          signature: signed.signature,
          recipientRand: rand,
          paramsDeadline: params.expirationTime,
          digest: validated.digest,
        });
      } catch (err) {
        // Not stored, not accepted: let the sender resend the same ticket.
        seen.delete(ticket.senderNonce);
        const current = this.#paramsUse.get(paramsKey);
        if (current !== undefined)
          this.#paramsUse.set(paramsKey, { ...current, count: current.count - 1 });
        throw err;
      }
    }
    return { ev: ticketEV(ticket.faceValue, ticket.winProb), won: validated.won };
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

  /** validateTicket, reading a delegated signer's validity from the chain when it needs it. */
  async #validate(
    signed: SignedTicket,
    rand: bigint,
    now: bigint,
    highestRedeemedNonce: bigint,
  ): Promise<{ won: boolean; digest: `0x${string}` }> {
    const base = {
      signed,
      hasher: this.#hasher,
      recipientRand: rand,
      now,
      caller: this.address,
      highestRedeemedNonce,
    };
    try {
      // The hasher reuses its buffers: copy the digest out before any await.
      const { won, digest } = validateTicket({
        ...base,
        signerValidUntil: (signer) => {
          throw new NeedSignerValidity(signer);
        },
      });
      return { won, digest: toHex(digest) };
    } catch (err) {
      if (!(err instanceof NeedSignerValidity)) throw err;
      const validUntil = await this.#reader.signerValidUntil(signed.ticket.sender, err.signer);
      const { won, digest } = validateTicket({ ...base, signerValidUntil: () => validUntil });
      if (validUntil !== SIGNER_ACTIVE) {
        throw new TicketSignerRevokedError("The sender revoked the key that signed this ticket", {
          details: { sender: signed.ticket.sender, signer: err.signer, validUntil },
          hint: "Ask the sender to sign with its own key or a key it currently authorises.",
        });
      }
      return { won, digest: toHex(digest) };
    }
  }

  /**
   * Folds params whose deadline + grace has passed into their sender's nonce floor: no ticket
   * can arrive on them any more, so every later ticket must carry a higher nonce. This keeps the
   * redeemer from being held back for ever by a sender that counts its nonces down.
   */
  #closeParams(now: bigint): void {
    if (now === this.#closedAt) return;
    this.#closedAt = now;
    for (const [key, use] of this.#paramsUse) {
      if (now <= use.deadline + this.#policy.graceSeconds) continue;
      const floor = this.#closedNonceFloor.get(use.sender) ?? 0n;
      if (use.maxNonce > floor) this.#closedNonceFloor.set(use.sender, use.maxNonce);
      this.#paramsUse.delete(key);
    }
  }

  /**
   * Raises `senderKey`'s floor, once per run, to the highest nonce among its pending winners in
   * the store that have not expired. Those are winners of earlier runs (this run stores a
   * sender's winners only after this has run for it), which a redeemer may be redeeming now.
   */
  #foldStoreFloor(senderKey: string, pending: readonly StoredWinner[], now: bigint): void {
    if (this.#storeFloorLoaded.has(senderKey)) return;
    this.#storeFloorLoaded.add(senderKey);
    let highest = this.#closedNonceFloor.get(senderKey) ?? 0n;
    for (const w of pending) {
      if (w.ticket.recipient.toLowerCase() !== this.address.toLowerCase()) continue;
      if (w.ticket.expiry < now) continue;
      if (w.ticket.senderNonce > highest) highest = w.ticket.senderNonce;
    }
    if (highest > 0n) this.#closedNonceFloor.set(senderKey, highest);
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

  /** Forgets seen nonces at or below `mark`: tickets there are refused by the nonce rules anyway. */
  #pruneSeen(senderKey: string, mark: bigint): void {
    const seen = this.#seenNonces.get(senderKey);
    if (seen !== undefined && seen.size > 1024) {
      for (const nonce of seen) if (nonce <= mark) seen.delete(nonce);
    }
  }
}
