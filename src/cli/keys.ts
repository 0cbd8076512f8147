import { readFile } from "node:fs/promises";

import { Wallet, type Provider } from "ethers";

import { NoSignerError } from "./errors.js";
import { messages } from "./messages.js";

/** The environment variable whose private key signs, when set. */
export const PRIVATE_KEY_VARIABLE = "TICKETBROKER_PRIVATE_KEY";
/** Environment fallbacks of `--keystore` and `--password-file`. */
export const KEYSTORE_VARIABLE = "TICKETBROKER_KEYSTORE";
export const PASSWORD_FILE_VARIABLE = "TICKETBROKER_PASSWORD_FILE";
/** The keystore password itself, for environments that inject secrets as variables. */
export const PASSWORD_VARIABLE = "TICKETBROKER_KEYSTORE_PASSWORD";

/** Where a signing key may come from, besides the environment. */
export interface KeySource {
  readonly keystore?: string | undefined;
  readonly passwordFile?: string | undefined;
}

function set(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The key given to the command, never by prompting: `TICKETBROKER_PRIVATE_KEY`, or an encrypted
 * JSON keystore (`--keystore` / `TICKETBROKER_KEYSTORE`) with its password from `--password-file`
 * / `TICKETBROKER_PASSWORD_FILE` / `TICKETBROKER_KEYSTORE_PASSWORD`. Undefined when none is given.
 */
export async function walletFromEnvironment(
  source: KeySource,
  env: NodeJS.ProcessEnv,
  provider: Provider,
): Promise<Wallet | undefined> {
  const key = set(env[PRIVATE_KEY_VARIABLE]);
  if (key !== undefined) {
    try {
      return new Wallet(key, provider);
    } catch (err) {
      throw new NoSignerError(messages.signer.badKey, {
        hint: messages.signer.badKeyHint,
        cause: err,
      });
    }
  }
  const keystore = set(source.keystore) ?? set(env[KEYSTORE_VARIABLE]);
  if (keystore === undefined) return undefined;
  const passwordFile = set(source.passwordFile) ?? set(env[PASSWORD_FILE_VARIABLE]);
  let password = set(env[PASSWORD_VARIABLE]);
  try {
    if (passwordFile !== undefined) {
      // A password file ends with a newline more often than not; the password does not.
      password = (await readFile(passwordFile, "utf8")).replace(/\r?\n$/, "");
    }
  } catch (err) {
    throw new NoSignerError(messages.signer.keystoreUnreadable(keystore, (err as Error).message), {
      details: { keystore, passwordFile },
      hint: messages.signer.keystoreUnreadableHint,
      cause: err,
    });
  }
  if (password === undefined) {
    throw new NoSignerError(messages.signer.keystoreNeedsPassword(keystore), {
      details: { keystore },
      hint: messages.signer.keystoreNeedsPasswordHint,
    });
  }
  try {
    const json = await readFile(keystore, "utf8");
    const wallet = await Wallet.fromEncryptedJson(json, password);
    return new Wallet(wallet.privateKey, provider);
  } catch (err) {
    throw new NoSignerError(messages.signer.keystoreUnreadable(keystore, (err as Error).message), {
      details: { keystore, passwordFile },
      hint: messages.signer.keystoreUnreadableHint,
      cause: err,
    });
  }
}

/**
 * The account at `index` of the node's accounts (`--account <n>`): refused with a hint when the
 * node has none (`none` says why, for this kind of connection) or when `index` is out of range.
 */
export function pickAccount<T>(
  accounts: readonly T[],
  index: number,
  none: { message: string; details: Record<string, unknown>; hint: string },
): T {
  if (accounts.length === 0) {
    throw new NoSignerError(none.message, { details: none.details, hint: none.hint });
  }
  const chosen = accounts[index];
  if (chosen === undefined) {
    throw new NoSignerError(messages.signer.badIndex(index, accounts.length), {
      details: { account: index, available: accounts.length },
      hint: messages.signer.badIndexHint(accounts.length),
    });
  }
  return chosen;
}
