import { getAddress } from "ethers";

import { assertAddress, assertHexBytes, assertObject, describeValue } from "../ticket/inputs.js";
import { InvalidSessionConfigError } from "../pricing/errors.js";
import { ticketParamsKey, type TicketParams } from "../ticket/ticketParams.js";

/** What a session balance is kept for: one sender, one recipient, one set of ticket params. */
export interface SessionId {
  /** The sender (gateway) address. */
  readonly sender: string;
  /** The recipient (orchestrator) address. */
  readonly recipient: string;
  /**
   * Identifies the ticket params the session pays with (for example the params' seed or
   * recipientRandHash); a new set of params starts a new balance.
   */
  readonly paramsId: string;
}

/**
 * A stable map key for a session: checksummed addresses and the params id. Both sides use the
 * same key for the same session.
 *
 * @example
 * ```ts
 * const sessions = new Map<string, SenderSession>();
 * sessions.set(sessionKey({ sender, recipient, paramsId: seed }), session);
 * ```
 */
export function sessionKey(id: SessionId): string {
  if (typeof id !== "object" || id === null) {
    throw new InvalidSessionConfigError("A session id must be { sender, recipient, paramsId }", {
      details: { id: describeValue(id) },
      hint: "Pass the sender and recipient addresses and the params id (e.g. sessionIdForParams(params)).",
    });
  }
  const { sender, recipient, paramsId } = id;
  let from: string;
  let to: string;
  try {
    from = getAddress(sender);
    to = getAddress(recipient);
  } catch (cause) {
    throw new InvalidSessionConfigError("Session sender or recipient is not an address", {
      details: { sender: describeValue(sender), recipient: describeValue(recipient) },
      hint: "Pass 20-byte hex addresses for the sender and the recipient.",
      cause,
    });
  }
  if (typeof paramsId !== "string" || paramsId === "") {
    throw new InvalidSessionConfigError("Session params id must be a non-empty string", {
      details: { paramsId: describeValue(paramsId) },
      hint: "Identify the ticket params, e.g. by their seed or recipientRandHash.",
    });
  }
  return `${from}:${to}:${paramsId}`;
}

/**
 * The session of a set of ticket params: its sender, its recipient, and the params themselves
 * ({@link ticketParamsKey}) as the params id. Both sides derive the same id from the params they
 * exchanged, so no caller-chosen string is needed.
 *
 * @example
 * ```ts
 * const id = sessionIdForParams(params); // { sender, recipient, paramsId: "0xsender…:0xrandhash…" }
 * ```
 */
export function sessionIdForParams(
  params: Pick<TicketParams, "sender" | "recipient" | "recipientRandHash">,
): SessionId {
  assertObject(params, "params");
  assertAddress(params.sender, "params.sender");
  assertAddress(params.recipient, "params.recipient");
  assertHexBytes(params.recipientRandHash, 32, "params.recipientRandHash");
  return {
    sender: params.sender,
    recipient: params.recipient,
    paramsId: ticketParamsKey(params),
  };
}
