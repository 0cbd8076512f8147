import { readFileSync } from "node:fs";

import { Wallet } from "ethers";

import { RawKeyTicketSigner } from "../../ticket/signTicket.js";
import { SignerKeyError } from "../common/errors.js";
import { assertObject, assertString } from "../../ticket/inputs.js";

/** Environment variable holding the signing key as 0x-hex (for containers and tests). */
export const SIGNER_KEY_ENV = "TICKETBROKER_SIGNER_KEY";

/**
 * Loads the ticket-signing key without a terminal: from `TICKETBROKER_SIGNER_KEY`, or from an
 * encrypted JSON keystore whose password is the first line of `passwordFile`. The key and the
 * password never appear in errors or logs.
 *
 * @example
 * ```ts
 * const signer = await loadSignerKey({ keystoreFile: "key.json", passwordFile: "pw", env: process.env });
 * ```
 */
export async function loadSignerKey(args: {
  keystoreFile?: string | undefined;
  passwordFile?: string | undefined;
  env: Record<string, string | undefined>;
}): Promise<RawKeyTicketSigner> {
  assertObject(args, "loadSignerKey arguments");
  assertObject(args.env, "env");
  if (args.keystoreFile !== undefined) {
    assertString(args.keystoreFile, "keystoreFile", { nonEmpty: true });
  }
  if (args.passwordFile !== undefined) {
    assertString(args.passwordFile, "passwordFile", { nonEmpty: true });
  }
  if (args.env[SIGNER_KEY_ENV] !== undefined)
    assertString(args.env[SIGNER_KEY_ENV], SIGNER_KEY_ENV);
  const fromEnv = args.env[SIGNER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    if (args.keystoreFile !== undefined) {
      throw new SignerKeyError("Both a keystore and TICKETBROKER_SIGNER_KEY are set", {
        hint: "Give the key one way only: unset TICKETBROKER_SIGNER_KEY or remove keystoreFile.",
      });
    }
    try {
      return new RawKeyTicketSigner(fromEnv.trim() as `0x${string}`);
    } catch {
      throw new SignerKeyError(`${SIGNER_KEY_ENV} is not a valid private key`, {
        hint: "Set it to 0x followed by 64 hex digits.",
      });
    }
  }
  if (args.keystoreFile === undefined || args.passwordFile === undefined) {
    throw new SignerKeyError("No signing key configured", {
      details: {
        keystoreFile: args.keystoreFile ?? null,
        passwordFile: args.passwordFile ?? null,
      },
      hint: `Set keystoreFile and passwordFile (an encrypted JSON keystore and a file with its password), or ${SIGNER_KEY_ENV}.`,
    });
  }
  let json: string;
  let password: string;
  try {
    json = readFileSync(args.keystoreFile, "utf8");
    password = (readFileSync(args.passwordFile, "utf8").split(/\r?\n/)[0] ?? "").trimEnd();
  } catch (cause) {
    throw new SignerKeyError("Cannot read the keystore or its password file", {
      details: {
        keystoreFile: args.keystoreFile,
        passwordFile: args.passwordFile,
        reason: (cause as Error).message,
      },
      hint: "Check both paths and that the service's user can read them.",
    });
  }
  try {
    const wallet = await Wallet.fromEncryptedJson(json, password);
    return new RawKeyTicketSigner(wallet.privateKey as `0x${string}`);
  } catch {
    throw new SignerKeyError("Cannot decrypt the keystore", {
      details: { keystoreFile: args.keystoreFile },
      hint: "Check that the password file holds this keystore's password on its first line.",
    });
  }
}
