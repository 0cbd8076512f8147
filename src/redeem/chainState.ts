import { BROKER_READER_METHODS, type BrokerReader } from "../chain/brokerReader.js";
import {
  assertAddress,
  assertArray,
  assertHasMethods,
  assertObject,
  assertWinningTicket,
} from "../ticket/inputs.js";
import type { Hex } from "../internal/bytes.js";
import type { WinningTicket } from "../recipient/winnerStore.js";
import { delegatedSigners, type SenderChainState } from "./plan.js";

/**
 * Reads what {@link planRedemption} needs for every sender of `winners`: funds, this
 * recipient's reserve allocation, the redeemed mark and each delegated signer's validity, plus
 * the chain time. One round of reads per sender, all in parallel.
 *
 * @example
 * ```ts
 * const { now, chain } = await loadChainState({ reader, recipient, winners });
 * const plan = planRedemption({ recipient, winners, chain, now });
 * ```
 */
export async function loadChainState(args: {
  reader: BrokerReader;
  recipient: Hex;
  winners: readonly WinningTicket[];
}): Promise<{ now: bigint; chain: Map<string, SenderChainState> }> {
  assertObject(args, "loadChainState arguments");
  assertHasMethods(args.reader, "reader", BROKER_READER_METHODS);
  assertAddress(args.recipient, "recipient");
  assertArray(args.winners, "winners");
  args.winners.forEach((w, i) => assertWinningTicket(w, `winners[${i}]`, { checksum: false }));
  const { reader, recipient } = args;
  const senders = new Map<string, Hex>();
  for (const w of args.winners) senders.set(w.ticket.sender.toLowerCase(), w.ticket.sender);
  const signers = delegatedSigners(args.winners);
  const [now, entries] = await Promise.all([
    reader.now(),
    Promise.all(
      [...senders].map(async ([key, sender]): Promise<[string, SenderChainState]> => {
        const delegates = [...(signers.get(key) ?? [])];
        const [funds, claimable, highestRedeemedNonce, validity] = await Promise.all([
          reader.senderFunds(sender),
          reader.claimableReserve(sender, recipient),
          reader.highestRedeemedNonce(sender, recipient),
          Promise.all(delegates.map((s) => reader.signerValidUntil(sender, s as Hex))),
        ]);
        const signerValidUntil = new Map(delegates.map((s, i) => [s, validity[i] ?? 0n]));
        return [key, { funds, claimable, highestRedeemedNonce, signerValidUntil }];
      }),
    ),
  ]);
  return { now, chain: new Map(entries) };
}
