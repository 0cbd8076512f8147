import { randomBytes } from "node:crypto";

import { winProbForEV } from "../ticket/ev.js";
import { Rational } from "../math/rational.js";
import type { TicketParams } from "../ticket/ticketParams.js";
import { recipientRandHash } from "../ticket/winDraw.js";
import {
  assertAddress,
  assertBigint,
  assertBrokerDomain,
  assertHexBytes,
  assertObject,
} from "../ticket/inputs.js";
import { IssueTicketParamsError } from "./errors.js";
import { deriveRecipientRand } from "./recipientRand.js";

/** Livepeer's default: a winning ticket pays 100× the gas cost of redeeming it. */
export const DEFAULT_TX_COST_MULTIPLIER = 100n;

/**
 * The face value a recipient asks for: redeemGas × gasPrice × txCostMultiplier (so redeeming a
 * winner costs about 1/multiplier of what it pays), capped at what the sender can cover for this
 * recipient (`coverable` = deposit + its reserve allocation − face value of this recipient's
 * pending winners from the sender).
 *
 * @example
 * ```ts
 * recipientFaceValue({ redeemGas: 60_000n, gasPrice: 10n ** 8n, coverable: 10n ** 18n }); // 6e14
 * ```
 */
export function recipientFaceValue(args: {
  redeemGas: bigint;
  gasPrice: bigint;
  txCostMultiplier?: bigint;
  coverable: bigint;
}): bigint {
  assertObject(args, "recipientFaceValue arguments");
  const multiplier = args.txCostMultiplier ?? DEFAULT_TX_COST_MULTIPLIER;
  for (const [field, value] of [
    ["redeemGas", args.redeemGas],
    ["gasPrice", args.gasPrice],
    ["txCostMultiplier", multiplier],
    ["coverable", args.coverable],
  ] as const) {
    assertBigint(value, field, "any");
  }
  if (args.redeemGas <= 0n || args.gasPrice <= 0n || multiplier <= 0n) {
    throw new IssueTicketParamsError("Redemption gas, gas price and multiplier must be positive", {
      details: { redeemGas: args.redeemGas, gasPrice: args.gasPrice, txCostMultiplier: multiplier },
      hint: "Pass the gas one redemption uses, the current gas price in wei and a multiplier ≥ 1.",
    });
  }
  const wanted = args.redeemGas * args.gasPrice * multiplier;
  return args.coverable < wanted ? (args.coverable < 0n ? 0n : args.coverable) : wanted;
}

/**
 * Issues ticket params for `sender` (a pure function; the `Recipient` class reads the chain
 * for it): face value from {@link recipientFaceValue}, winProb = ⌈targetEV × 2^256 / faceValue⌉
 * so the EV is never under the target, a fresh 32-byte seed, and
 * recipientRandHash = keccak256(abi.encode(rand)) where rand = `deriveRecipientRand` of every
 * other field. The issuance deadline is `now + lifetime`; tickets expire `redemptionWindow`
 * seconds after it. Throws {@link IssueTicketParamsError} when the face value the sender can
 * cover is not above the target EV (the sender must fund more) or an input is out of range.
 *
 * @example
 * ```ts
 * const params = issueTicketParams({
 *   secret, recipient, sender, domain: { chainId: 421614n, verifyingContract: broker },
 *   redeemGas: 60_000n, gasPrice: 10n ** 8n, coverable: deposit + claimable - pending,
 *   targetEV: 10n ** 12n, now, lifetime: 300n, redemptionWindow: 86_400n,
 * });
 * ```
 */
export function issueTicketParams(args: {
  secret: Uint8Array;
  recipient: `0x${string}`;
  sender: `0x${string}`;
  domain: { chainId: bigint; verifyingContract: `0x${string}` };
  redeemGas: bigint;
  gasPrice: bigint;
  txCostMultiplier?: bigint;
  coverable: bigint;
  targetEV: Rational | bigint;
  now: bigint;
  lifetime: bigint;
  redemptionWindow: bigint;
  seed?: `0x${string}`;
}): TicketParams {
  assertObject(args, "issueTicketParams arguments");
  assertAddress(args.recipient, "recipient");
  assertAddress(args.sender, "sender");
  assertBrokerDomain(args.domain, "domain");
  assertBigint(args.now, "now");
  assertBigint(args.lifetime, "lifetime", "any");
  assertBigint(args.redemptionWindow, "redemptionWindow", "any");
  if (args.seed !== undefined) assertHexBytes(args.seed, 32, "seed");
  if (args.lifetime <= 0n || args.redemptionWindow <= 0n) {
    throw new IssueTicketParamsError("Params lifetime and redemption window must be positive", {
      details: { lifetime: args.lifetime, redemptionWindow: args.redemptionWindow },
      hint: "Use a lifetime of minutes and a redemption window long enough to redeem winners (hours).",
    });
  }
  const faceValue = recipientFaceValue(
    args.txCostMultiplier === undefined
      ? { redeemGas: args.redeemGas, gasPrice: args.gasPrice, coverable: args.coverable }
      : {
          redeemGas: args.redeemGas,
          gasPrice: args.gasPrice,
          txCostMultiplier: args.txCostMultiplier,
          coverable: args.coverable,
        },
  );
  const targetEV = Rational.from(args.targetEV);
  if (targetEV.cmp(0n) <= 0 || targetEV.cmp(faceValue) >= 0) {
    throw new IssueTicketParamsError("The sender cannot cover a face value above the target EV", {
      details: {
        sender: args.sender,
        faceValue,
        coverable: args.coverable,
        targetEV: targetEV.toString(),
      },
      hint: "The sender must fund its deposit (or reserve), or the target EV per ticket must be lowered.",
    });
  }
  const winProb = winProbForEV(targetEV, faceValue);
  const expirationTime = args.now + args.lifetime;
  const fields = {
    recipient: args.recipient,
    sender: args.sender,
    faceValue,
    winProb,
    seed: args.seed ?? (`0x${randomBytes(32).toString("hex")}` as const),
    expirationTime,
    ticketExpiry: expirationTime + args.redemptionWindow,
    chainId: args.domain.chainId,
    verifyingContract: args.domain.verifyingContract,
  };
  const rand = deriveRecipientRand({ secret: args.secret, params: fields });
  return { ...fields, recipientRandHash: recipientRandHash(rand) };
}
