/**
 * Checks of the arguments every store backend (memory, SQLite, PostgreSQL) takes, shared so
 * that each refuses a malformed value the same way, with a typed error naming the field,
 * before it reaches SQL or arithmetic. Types and shapes only: they cost O(1) per call.
 */
import {
  assertAddressShape,
  assertArray,
  assertBigint,
  assertHexBytes,
  assertInteger,
  assertObject,
  assertString,
} from "../ticket/inputs.js";
import { Rational } from "../math/rational.js";
import { replayStoreArgs } from "../recipient/replayStore.js";
import { refusal, winnerStoreArgs } from "../recipient/winnerStore.js";
import { InvalidStoreArgumentError } from "./errors.js";

export { assertString, refusal, replayStoreArgs, winnerStoreArgs };

function rational(value: unknown, field: string): void {
  if (!(value instanceof Rational)) {
    throw new InvalidStoreArgumentError(`${field} must be a Rational`, {
      details: { field },
      hint: `Pass ${field} as Rational.of(wei) (or Rational.of(num, den) for a fraction of a wei).`,
    });
  }
}

/** Argument checks by store and method. */
export const storeArgs = {
  ledgerRecord(rec: unknown): void {
    assertObject(rec, "payment record");
    for (const k of ["idempotencyKey", "clientId", "requestHash", "sessionId"]) {
      assertString(rec[k], k, { nonEmpty: true });
    }
    assertAddressShape(rec["sender"], "sender");
    assertAddressShape(rec["recipient"], "recipient");
    assertBigint(rec["evWei"], "evWei");
    assertBigint(rec["createdAt"], "createdAt");
  },
  ledgerOptions(options: unknown): void {
    if (options === undefined) return;
    assertObject(options, "ledger record options");
    const limit = options["spendLimit"];
    if (limit === undefined) return;
    assertObject(limit, "spendLimit");
    assertBigint(limit["limitWei"], "spendLimit.limitWei");
    assertBigint(limit["since"], "spendLimit.since", "any");
  },
  ledgerGet(idempotencyKey: unknown, clientId: unknown): void {
    assertString(idempotencyKey, "idempotencyKey");
    assertString(clientId, "clientId");
  },
  spentSince(clientId: unknown, since: unknown): void {
    assertString(clientId, "clientId");
    assertBigint(since, "since", "any");
  },
  credit(a: unknown): void {
    assertObject(a, "credit arguments");
    assertString(a["sessionId"], "sessionId", { nonEmpty: true });
    rational(a["amount"], "amount");
    assertString(a["creditId"], "creditId", { nonEmpty: true });
  },
  debit(a: unknown): void {
    assertObject(a, "debit arguments");
    assertString(a["sessionId"], "sessionId", { nonEmpty: true });
    rational(a["amount"], "amount");
    rational(a["tolerance"], "tolerance");
    if (a["debitId"] !== undefined) assertString(a["debitId"], "debitId", { nonEmpty: true });
  },
  sessionId(sessionId: unknown): void {
    assertString(sessionId, "sessionId");
  },
  closeSession(a: unknown): void {
    assertObject(a, "close arguments");
    assertString(a["sessionId"], "sessionId", { nonEmpty: true });
    assertString(a["reason"], "reason");
  },
  markSubmitted(a: unknown): void {
    assertObject(a, "markSubmitted arguments");
    digests(a["digests"]);
    assertHexBytes(a["txHash"], 32, "txHash");
    assertInteger(a["accountNonce"], "accountNonce");
    assertBigint(a["maxFeePerGas"], "maxFeePerGas");
    assertBigint(a["maxPriorityFeePerGas"], "maxPriorityFeePerGas");
    assertBigint(a["block"], "block");
  },
  markPendingAgain(a: unknown): void {
    assertObject(a, "markPendingAgain arguments");
    digests(a["digests"]);
    assertString(a["reason"], "reason");
  },
  digest(digest: unknown): void {
    assertHexBytes(digest, 32, "digest");
  },
  durableFilter(filter: unknown): void {
    if (filter === undefined) return;
    assertObject(filter, "filter");
    const { state, ...rest } = filter;
    winnerStoreArgs.filter(rest);
    if (state !== undefined && !STATES.includes(state as string)) {
      throw new InvalidStoreArgumentError("filter.state is not a winner state", {
        details: { field: "filter.state" },
        hint: `Pass one of ${STATES.join(", ")}, or leave state out.`,
      });
    }
  },
  reserve(args: unknown): void {
    assertObject(args, "reserve arguments");
    assertAddressShape(args["sender"], "sender");
    assertAddressShape(args["recipient"], "recipient");
    if (args["above"] !== undefined) assertBigint(args["above"], "above");
  },
  open(options: unknown, name: string): void {
    assertObject(options, `${name} options`);
    if (options["blockSize"] !== undefined) {
      assertBigint(options["blockSize"], "blockSize", { min: 1n });
    }
  },
  lockName(name: unknown): void {
    assertString(name, "name", { nonEmpty: true });
  },
};

const STATES = ["pending", "submitted", "redeemed", "unredeemable"];

function digests(value: unknown): void {
  assertArray(value, "digests");
  value.forEach((d, i) => assertHexBytes(d, 32, `digests[${i}]`));
}
