import type { StoredWinner, WinningTicket } from "../recipient/winnerStore.js";
import type { Ticket } from "../ticket/ticketTypes.js";
import { statusOfState, type WinnerState } from "./winners.js";

/** A winning ticket as JSON text: bigints as decimal strings (the `winner` column). */
export function encodeWinningTicket(w: WinningTicket): string {
  const t = w.ticket;
  return JSON.stringify({
    ticket: {
      recipient: t.recipient,
      sender: t.sender,
      faceValue: t.faceValue.toString(),
      winProb: t.winProb.toString(),
      senderNonce: t.senderNonce.toString(),
      recipientRandHash: t.recipientRandHash,
      expiry: t.expiry.toString(),
      workId: t.workId,
    },
    signature: w.signature,
    recipientRand: w.recipientRand.toString(),
    paramsDeadline: w.paramsDeadline.toString(),
    digest: w.digest,
  });
}

/** Reverses {@link encodeWinningTicket}. */
export function decodeWinningTicket(text: string): WinningTicket {
  const w = JSON.parse(text) as Record<string, string> & { ticket: Record<string, string> };
  const t = w.ticket;
  const ticket: Ticket = {
    recipient: t.recipient as `0x${string}`,
    sender: t.sender as `0x${string}`,
    faceValue: BigInt(t.faceValue as string),
    winProb: BigInt(t.winProb as string),
    senderNonce: BigInt(t.senderNonce as string),
    recipientRandHash: t.recipientRandHash as `0x${string}`,
    expiry: BigInt(t.expiry as string),
    workId: t.workId as `0x${string}`,
  };
  return {
    ticket,
    signature: w.signature as `0x${string}`,
    recipientRand: BigInt(w.recipientRand as string),
    paramsDeadline: BigInt(w.paramsDeadline as string),
    digest: w.digest as `0x${string}`,
  };
}

/** The columns of a winner row both SQL backends read (text or numbers, as the driver gives). */
export interface WinnerRow {
  winner: string;
  state: string;
  last_error_code: string | null;
  last_error_message: string | null;
  tx_hash: string | null;
  sub_tx_hash: string | null;
  sub_account_nonce: number | string | bigint | null;
  sub_max_fee: string | null;
  sub_max_priority_fee: string | null;
  sub_block: string | null;
}

/** A stored winner from its row. */
export function winnerFromRow(row: WinnerRow): StoredWinner {
  const state = row.state as WinnerState;
  return {
    ...decodeWinningTicket(row.winner),
    status: statusOfState(state),
    state,
    ...(row.last_error_code === null
      ? {}
      : { lastError: { code: row.last_error_code, message: row.last_error_message ?? "" } }),
    ...(row.tx_hash === null ? {} : { txHash: row.tx_hash }),
    ...(row.sub_tx_hash === null
      ? {}
      : {
          submission: {
            txHash: row.sub_tx_hash as `0x${string}`,
            accountNonce: Number(row.sub_account_nonce),
            maxFeePerGas: BigInt(row.sub_max_fee ?? "0"),
            maxPriorityFeePerGas: BigInt(row.sub_max_priority_fee ?? "0"),
            block: BigInt(row.sub_block ?? "0"),
          },
        }),
  };
}
