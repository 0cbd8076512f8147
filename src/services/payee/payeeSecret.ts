import { readFileSync } from "node:fs";

import { SignerKeyError } from "../common/errors.js";
import { assertObject, assertString } from "../../ticket/inputs.js";

/**
 * Reads the payee's 32-byte secret (hex) from `TICKETBROKER_PAYEE_SECRET` or `secretFile`.
 * Every recipientRand is derived from it: it never leaves the service and is never logged.
 *
 * @example
 * ```ts
 * const secret = loadPayeeSecret({ secretFile: "/etc/ticketbroker/secret", env: process.env });
 * ```
 */
export function loadPayeeSecret(args: {
  secretFile?: string | undefined;
  env: Record<string, string | undefined>;
}): Uint8Array {
  assertObject(args, "loadPayeeSecret arguments");
  assertObject(args.env, "env");
  if (args.secretFile !== undefined)
    assertString(args.secretFile, "secretFile", { nonEmpty: true });
  let text = args.env["TICKETBROKER_PAYEE_SECRET"];
  if (text === undefined && args.secretFile !== undefined) {
    try {
      text = readFileSync(args.secretFile, "utf8");
    } catch (cause) {
      throw new SignerKeyError("Cannot read the payee secret file", {
        details: { secretFile: args.secretFile, reason: (cause as Error).message },
        hint: "Check the path and that the service's user can read it.",
      });
    }
  }
  if (text !== undefined) assertString(text, "TICKETBROKER_PAYEE_SECRET");
  const hex = text?.trim().replace(/^0x/, "");
  if (hex === undefined || !/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new SignerKeyError("No valid payee secret configured", {
      hint: "Set secretFile to a file holding 32 random bytes as 64 hex digits (openssl rand -hex 32), or TICKETBROKER_PAYEE_SECRET. Keep it: it derives every recipientRand, so losing it loses the unredeemed winners.",
    });
  }
  return Buffer.from(hex, "hex");
}
