import type { BrokerReader, SenderFunds } from "../chain/brokerReader.js";
import { Clock, type WallClock } from "../chain/clock.js";
import {
  assertAddress,
  assertBrokerDomain,
  assertHasMethods,
  assertHexBytes,
  assertObject,
  assertTicketParams,
  describeValue,
  InvalidInputError,
} from "../ticket/inputs.js";
import { Rational } from "../math/rational.js";
import type { TicketHasher } from "../ticket/ticketDigest.js";
import type { TicketParams } from "../ticket/ticketParams.js";
import type { TicketSigner } from "../ticket/signTicket.js";
import { checkPaymentAmount, createPayment, type Payment } from "./createPayment.js";
import { NonceStoreError } from "./errors.js";
import type { NonceAllocator } from "./nonceAllocator.js";
import { MAX_SENDER_NONCE } from "./nonceStore.js";
import { validateTicketParams, type SenderLimits } from "./validateTicketParams.js";

type BrokerDomain = { chainId: bigint; verifyingContract: `0x${string}` };

/**
 * The chain and broker the sender signs for: the hasher's domain. A `domain` passed beside it
 * (the deprecated option) must name the same chain and broker.
 */
function signingDomain(hasher: TicketHasher, given: BrokerDomain | undefined): BrokerDomain {
  const own = (hasher as { domain?: unknown }).domain;
  if (given === undefined) {
    assertBrokerDomain(own, "hasher.domain");
    return { chainId: own.chainId, verifyingContract: own.verifyingContract };
  }
  assertBrokerDomain(given, "domain");
  if (own === undefined) return given;
  assertBrokerDomain(own, "hasher.domain");
  if (
    own.chainId !== given.chainId ||
    own.verifyingContract.toLowerCase() !== given.verifyingContract.toLowerCase()
  ) {
    throw new InvalidInputError("domain names another chain or broker than the hasher", {
      details: {
        field: "domain",
        domain: { chainId: given.chainId, verifyingContract: given.verifyingContract },
        hasherDomain: { chainId: own.chainId, verifyingContract: own.verifyingContract },
      },
      hint: "Omit domain: the TicketSender takes it from the hasher (new TicketHasher(await readTicketDomain(broker))).",
    });
  }
  return { chainId: own.chainId, verifyingContract: own.verifyingContract };
}

/** A sender's limits: per-ticket EV, per-payment EV and the deposit multiplier. */
export interface TicketSenderLimits extends SenderLimits {
  /** Largest summed EV in wei of the tickets of one payment; omit for no limit. */
  readonly maxTotalEV?: Rational | bigint;
}

/**
 * The gateway side in one object: checks the params recipients offer against the chain and the
 * sender's limits, and pays with tickets signed by `signer` for `sender` (the signer may be a
 * delegated key whose address differs from `sender`).
 *
 * @example
 * ```ts
 * const gateway = new TicketSender({
 *   sender, signer, hasher: new TicketHasher(domain), reader: new ContractBrokerReader({ broker }),
 *   nonces: new NonceAllocator({ store: new FileNonceStore({ directory }) }),
 *   limits: { maxTicketEV: 10n ** 13n, maxTotalEV: 10n ** 15n, depositMultiplier: 2n },
 * });
 * await gateway.acceptParams(params);
 * const { tickets } = await gateway.pay({ params, amount: fee, workId });
 * ```
 */
export class TicketSender {
  readonly sender: `0x${string}`;
  readonly #signer: TicketSigner;
  readonly #hasher: TicketHasher;
  readonly #reader: BrokerReader;
  readonly #clock: Clock | undefined;
  readonly #nonces: NonceAllocator;
  readonly #limits: TicketSenderLimits;
  readonly #domain: { chainId: bigint; verifyingContract: `0x${string}` };
  /** Per recipient (lowercased): a nonce floor the recipient reported, above the chain's mark. */
  readonly #recipientFloor = new Map<string, bigint>();

  constructor(options: {
    sender: `0x${string}`;
    signer: TicketSigner;
    /** The broker's EIP-712 hasher; its `domain` is the chain and broker params must name. */
    hasher: TicketHasher;
    /**
     * @deprecated The hasher carries the domain; omit this. Still accepted: when given it must
     * name the hasher's chain id and broker, else the constructor throws InvalidInputError.
     */
    domain?: { chainId: bigint; verifyingContract: `0x${string}` };
    reader: BrokerReader;
    nonces: NonceAllocator;
    limits?: TicketSenderLimits;
    /**
     * The host's clock. When given, "now" is max(chain time, wall clock) (docs/clock.md): params
     * an idle chain's stale time still calls live are refused once the wall clock passes their
     * deadline. Without it, "now" is the chain's time alone.
     */
    wallClock?: WallClock;
  }) {
    assertObject(options, "TicketSender options");
    assertAddress(options.sender, "sender");
    assertHasMethods(options.signer, "signer", ["signTicket"]);
    assertHasMethods(options.hasher, "hasher", ["digest"]);
    assertHasMethods(options.reader, "reader", ["senderFunds", "highestRedeemedNonce", "now"]);
    assertHasMethods(options.nonces, "nonces", ["take"]);
    checkLimits(options.limits);
    this.sender = options.sender;
    this.#signer = options.signer;
    this.#hasher = options.hasher;
    this.#domain = signingDomain(options.hasher, options.domain);
    this.#reader = options.reader;
    this.#nonces = options.nonces;
    this.#limits = options.limits ?? {};
    this.#clock =
      options.wallClock === undefined
        ? undefined
        : new Clock({ reader: options.reader, wallClock: options.wallClock });
  }

  /** "Now" for the checks: the chain's time, or max(chain, wall) with a wall clock. */
  #now(): Promise<bigint> {
    return this.#clock === undefined ? this.#reader.now() : this.#clock.now();
  }

  /**
   * Validates `params` against the chain (deposit, unlock, time) and the limits; throws the typed
   * error of `validateTicketParams` or returns the EV per ticket.
   */
  async acceptParams(params: TicketParams): Promise<Rational> {
    assertTicketParams(params, "params", { ranges: false });
    const [funds, now] = await Promise.all([this.#reader.senderFunds(this.sender), this.#now()]);
    return this.#checkParams(params, funds, now);
  }

  #checkParams(params: TicketParams, funds: SenderFunds, now: bigint): Rational {
    return validateTicketParams({
      params,
      sender: this.sender,
      domain: this.#domain,
      now,
      funds,
      limits: this.#limits,
    });
  }

  /**
   * Records a nonce floor the recipient reported: it refused a ticket with
   * `TicketNonceBelowClosedParamsError`, whose `details.floor` is passed here. Later payments
   * to that recipient use nonces above it (nonces of several processes sharing a store
   * interleave, so one process can fall behind the floor). A lower floor than one already
   * recorded changes nothing.
   */
  raiseNonceFloor(args: { recipient: `0x${string}`; floor: bigint }): void {
    assertObject(args, "raiseNonceFloor arguments");
    const { recipient, floor } = args;
    assertAddress(recipient, "recipient");
    if (typeof floor !== "bigint" || floor < 0n || floor >= MAX_SENDER_NONCE) {
      throw new NonceStoreError("A nonce floor must be a bigint from 0 to 2^96 − 2", {
        details: { recipient, floor: describeValue(floor) },
        hint: "Pass details.floor of the recipient's TicketNonceBelowClosedParamsError as a bigint (BigInt(text) if it came as JSON).",
      });
    }
    const key = recipient.toLowerCase();
    if (floor > (this.#recipientFloor.get(key) ?? 0n)) this.#recipientFloor.set(key, floor);
  }

  /**
   * Re-validates `params` against the chain, then creates and signs the tickets paying `amount`.
   * Nonces stay above the broker's highest redeemed nonce for the pair and above any floor
   * recorded with {@link TicketSender.raiseNonceFloor}.
   */
  async pay(args: {
    params: TicketParams;
    amount: Rational | bigint;
    workId: `0x${string}`;
  }): Promise<Payment> {
    assertObject(args, "pay arguments");
    const { params } = args;
    assertTicketParams(params, "params", { ranges: false });
    checkPaymentAmount(args.amount, "amount");
    assertHexBytes(args.workId, 32, "workId");
    const [funds, now, redeemed] = await Promise.all([
      this.#reader.senderFunds(this.sender),
      this.#now(),
      this.#reader.highestRedeemedNonce(this.sender, params.recipient),
    ]);
    this.#checkParams(params, funds, now);
    const reported = this.#recipientFloor.get(params.recipient.toLowerCase()) ?? 0n;
    const floor = reported > redeemed ? reported : redeemed;
    return createPayment({
      params,
      amount: args.amount,
      ...(this.#limits.maxTotalEV === undefined ? {} : { maxTotalEV: this.#limits.maxTotalEV }),
      signer: this.#signer,
      hasher: this.#hasher,
      nonces: this.#nonces,
      workId: args.workId,
      now,
      nonceFloor: floor,
    });
  }
}

/** Throws {@link InvalidInputError} unless `limits` is absent or holds well-typed limits. */
function checkLimits(limits: unknown): void {
  if (limits === undefined) return;
  assertObject(limits, "limits");
  for (const field of ["maxTicketEV", "maxTotalEV"] as const) {
    const value = limits[field];
    if (value !== undefined && typeof value !== "bigint" && !(value instanceof Rational)) {
      throw new InvalidInputError(`limits.${field} must be a bigint or a Rational (wei)`, {
        details: { field: `limits.${field}`, received: describeValue(value) },
        hint: `Pass limits.${field} in wei as a bigint or a Rational, or leave it out for no limit.`,
      });
    }
  }
  const multiplier = limits["depositMultiplier"];
  if (multiplier !== undefined && (typeof multiplier !== "bigint" || multiplier < 1n)) {
    throw new InvalidInputError("limits.depositMultiplier must be a bigint ≥ 1", {
      details: { field: "limits.depositMultiplier", received: describeValue(multiplier) },
      hint: "Pass limits.depositMultiplier as an integer bigint ≥ 1 (1n when unsure), or leave it out.",
    });
  }
}
