import type { SenderFunds } from "../chain/brokerReader.js";
import { MAX_WIN_PROB } from "../ticket/ev.js";
import {
  assertAddress,
  assertBigint,
  assertBrokerDomain,
  assertObject,
  assertTicketParams,
  describeValue,
  InvalidInputError,
} from "../ticket/inputs.js";
import { Rational } from "../math/rational.js";
import { ticketParamsEV, type TicketParams } from "../ticket/ticketParams.js";
import {
  TicketParamsEVNotBelowFaceValueError,
  TicketParamsEVTooHighError,
  TicketParamsExpiredError,
  TicketParamsFaceValueTooHighError,
  TicketParamsMismatchError,
  TicketParamsSenderUnlockingError,
} from "./errors.js";

/** The limits a sender applies to the params recipients offer it. */
export interface SenderLimits {
  /** Largest EV in wei one ticket may carry; omit for no limit. */
  readonly maxTicketEV?: Rational | bigint;
  /** Face value may be at most deposit / depositMultiplier (≥ 1; default 1). */
  readonly depositMultiplier?: bigint;
}

/**
 * Checks params a recipient offered before the sender signs any ticket with them, and throws a
 * typed error for the first rule they break, in this order:
 * 1. {@link TicketParamsMismatchError}: another chain or broker than `domain`, another sender,
 *    `ticketExpiry` not after `expirationTime`, or winProb outside [0, 2^256 − 1];
 * 2. {@link TicketParamsExpiredError}: `now` is past the issuance deadline `expirationTime`;
 * 3. {@link TicketParamsEVNotBelowFaceValueError}: EV ≥ face value (a face value of 0 included);
 * 4. {@link TicketParamsEVTooHighError}: EV above `maxTicketEV`;
 * 5. {@link TicketParamsFaceValueTooHighError}: faceValue × depositMultiplier > deposit;
 * 6. {@link TicketParamsSenderUnlockingError}: the sender's unlock ends at or before
 *    `ticketExpiry` (the broker refuses redemption from `unlockEnd` on).
 *
 * All comparisons are exact (rationals, no floating point). Returns the params' EV.
 *
 * @example
 * ```ts
 * const ev = validateTicketParams({
 *   params, sender: gateway, domain: { chainId: 421614n, verifyingContract: broker },
 *   now: BigInt(Math.floor(Date.now() / 1000)), funds: await reader.senderFunds(gateway),
 *   limits: { maxTicketEV: 10n ** 13n, depositMultiplier: 2n },
 * });
 * ```
 */
export function validateTicketParams(args: {
  params: TicketParams;
  sender: `0x${string}`;
  domain: { chainId: bigint; verifyingContract: `0x${string}` };
  now: bigint;
  funds: SenderFunds;
  limits?: SenderLimits;
}): Rational {
  assertObject(args, "validateTicketParams arguments");
  const { params, sender, domain, now, funds } = args;
  assertTicketParams(params, "params", { ranges: false });
  assertAddress(sender, "sender");
  assertBrokerDomain(domain, "domain");
  assertBigint(now, "now");
  assertObject(funds, "funds");
  assertBigint(funds.deposit, "funds.deposit");
  assertBigint(funds.unlockEnd, "funds.unlockEnd");
  const limits = args.limits ?? {};
  assertObject(limits, "limits");
  if (
    limits.maxTicketEV !== undefined &&
    typeof limits.maxTicketEV !== "bigint" &&
    !(limits.maxTicketEV instanceof Rational)
  ) {
    throw new InvalidInputError("limits.maxTicketEV must be a bigint or a Rational (wei)", {
      details: { field: "limits.maxTicketEV", received: describeValue(limits.maxTicketEV) },
      hint: "Pass limits.maxTicketEV in wei as a bigint or a Rational, or leave it out.",
    });
  }
  if (limits.depositMultiplier !== undefined && typeof limits.depositMultiplier !== "bigint") {
    assertBigint(limits.depositMultiplier, "limits.depositMultiplier", { min: 1n });
  }
  if (
    params.chainId !== domain.chainId ||
    params.verifyingContract.toLowerCase() !== domain.verifyingContract.toLowerCase()
  ) {
    throw new TicketParamsMismatchError("Ticket params are for another chain or broker", {
      details: {
        paramsChainId: params.chainId,
        paramsBroker: params.verifyingContract,
        chainId: domain.chainId,
        broker: domain.verifyingContract,
      },
      hint: "Ask the recipient for params for this broker deployment; tickets for another one can never be redeemed here.",
    });
  }
  if (params.sender.toLowerCase() !== sender.toLowerCase()) {
    throw new TicketParamsMismatchError("Ticket params were issued for another sender", {
      details: { paramsSender: params.sender, sender },
      hint: "Request params from the recipient with this sender's address.",
    });
  }
  if (params.ticketExpiry <= params.expirationTime) {
    throw new TicketParamsMismatchError(
      "Ticket expiry is not after the params' issuance deadline",
      {
        details: { expirationTime: params.expirationTime, ticketExpiry: params.ticketExpiry },
        hint: "Tickets must stay redeemable after the params expire; ask the recipient for new params.",
      },
    );
  }
  if (params.winProb < 0n || params.winProb > MAX_WIN_PROB || params.faceValue < 0n) {
    throw new TicketParamsMismatchError("Win probability or face value out of range", {
      details: { winProb: params.winProb, faceValue: params.faceValue },
      hint: "winProb must be in [0, 2^256 − 1] and faceValue ≥ 0; ask the recipient for new params.",
    });
  }
  if (now > params.expirationTime) {
    throw new TicketParamsExpiredError("Ticket params expired", {
      details: { expirationTime: params.expirationTime, now },
      hint: "Request fresh params from the recipient; no new ticket may use expired params.",
    });
  }
  const ev = ticketParamsEV(params);
  if (ev.cmp(params.faceValue) >= 0 || ev.isZero()) {
    throw new TicketParamsEVNotBelowFaceValueError(
      "Ticket EV is not positive and below the face value",
      {
        details: { ev: ev.toString(), faceValue: params.faceValue, winProb: params.winProb },
        hint: "Refuse these params: a ticket must be worth less than it pays when it wins, and more than nothing.",
      },
    );
  }
  checkTicketEV({ ev, maxTicketEV: limits.maxTicketEV });
  const multiplier = limits.depositMultiplier ?? 1n;
  if (multiplier < 1n) {
    throw new TicketParamsMismatchError("depositMultiplier must be at least 1", {
      details: { depositMultiplier: multiplier },
      hint: "Configure depositMultiplier as an integer ≥ 1.",
    });
  }
  if (params.faceValue * multiplier > funds.deposit) {
    throw new TicketParamsFaceValueTooHighError("Face value is above deposit / depositMultiplier", {
      details: {
        faceValue: params.faceValue,
        deposit: funds.deposit,
        depositMultiplier: multiplier,
      },
      hint: "Fund the deposit (at least faceValue × depositMultiplier) or ask the recipient for a lower face value.",
    });
  }
  if (funds.unlockEnd !== 0n && funds.unlockEnd <= params.ticketExpiry) {
    throw new TicketParamsSenderUnlockingError(
      "The sender's unlock ends before its tickets expire",
      {
        details: { unlockEnd: funds.unlockEnd, ticketExpiry: params.ticketExpiry },
        hint: "Cancel the unlock (cancelUnlock or fund the deposit) before paying with tickets.",
      },
    );
  }
  return ev;
}

/**
 * The sender's per-ticket EV limit, the one place it is checked (by {@link validateTicketParams}
 * and by `SenderSession`): throws {@link TicketParamsEVTooHighError} when `ev` is above
 * `maxTicketEV`; an EV equal to it passes, and no limit (undefined) passes everything.
 *
 * @example
 * ```ts
 * checkTicketEV({ ev: ticketParamsEV(params), maxTicketEV: 10n ** 13n });
 * ```
 */
export function checkTicketEV(args: {
  ev: Rational;
  maxTicketEV: Rational | bigint | undefined;
}): void {
  const { ev, maxTicketEV } = args;
  if (maxTicketEV !== undefined && ev.cmp(maxTicketEV) > 0) {
    throw new TicketParamsEVTooHighError("Ticket EV is above the sender's maximum", {
      details: { ev: ev.toString(), maxTicketEV: Rational.from(maxTicketEV).toString() },
      hint: "Ask the recipient for a lower EV per ticket, or raise maxTicketEV.",
    });
  }
}
