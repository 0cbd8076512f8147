import type { TicketBroker } from "../../typechain-types/index.js";
import { decodeBrokerError } from "../contract/contractErrors.js";
import type { TicketBrokerError } from "../errors.js";
import {
  InvalidInputError,
  assertHasMethods,
  assertObject,
  assertWinningTicket,
  describeValue,
} from "../ticket/inputs.js";
import type { WinningTicket } from "../recipient/winnerStore.js";

/** The result of sending winners to the broker: the transaction and the failures by index. */
export interface RedemptionSubmission {
  /** Hash of the transaction, if one was mined. */
  readonly txHash?: string;
  /** Gas the transaction used, if mined. */
  readonly gasUsed?: bigint;
  /** Failed tickets by their index in the submitted list, with the decoded reason. */
  readonly failures: ReadonlyMap<number, TicketBrokerError>;
}

/**
 * Sends winning tickets to the broker and waits for the outcome. {@link ContractRedemptionClient}
 * implements it over the typed contract; tests can fake it. (The long-running redeemer uses
 * `RedemptionTransactions` instead, which records each transaction before sending it.)
 */
export interface RedemptionClient {
  /** Redeems the winners (one: `redeemWinningTicket`; more: `redeemWinningTickets`). */
  redeem(winners: readonly WinningTicket[]): Promise<RedemptionSubmission>;
}

/**
 * {@link RedemptionClient} over a TypeChain `TicketBroker` connected to the recipient's signer.
 * One winner goes through `redeemWinningTicket` (a revert is decoded with `decodeBrokerError`);
 * several through `redeemWinningTickets`, whose `TicketRedemptionFailed` events are decoded the
 * same way. A batch transaction that reverts as a whole fails every ticket with its reason.
 *
 * @example
 * ```ts
 * const client = new ContractRedemptionClient({ broker: broker.connect(orchestratorWallet) });
 * const { txHash, failures } = await client.redeem(winners);
 * ```
 */
export class ContractRedemptionClient implements RedemptionClient {
  readonly #broker: TicketBroker;

  constructor(options: { broker: TicketBroker }) {
    assertObject(options, "ContractRedemptionClient options");
    assertHasMethods(options.broker, "broker", ["redeemWinningTicket", "redeemWinningTickets"]);
    this.#broker = options.broker;
  }

  async redeem(winners: readonly WinningTicket[]): Promise<RedemptionSubmission> {
    if (!Array.isArray(winners) || winners.length === 0) {
      throw new InvalidInputError("winners must be a non-empty array of winning tickets", {
        details: { field: "winners", received: describeValue(winners) },
        hint: "Pass the winners to redeem as an array of at least one WinningTicket.",
      });
    }
    winners.forEach((w, i) => assertWinningTicket(w, `winners[${i}]`, { checksum: false }));
    const failAll = (err: unknown): RedemptionSubmission => {
      const error = decodeBrokerError(err);
      return { failures: new Map(winners.map((_, i) => [i, error])) };
    };
    let receipt;
    try {
      const tx =
        winners.length === 1 && winners[0] !== undefined
          ? await this.#broker.redeemWinningTicket(
              winners[0].ticket,
              winners[0].signature,
              winners[0].recipientRand,
            )
          : await this.#broker.redeemWinningTickets(
              winners.map((w) => ({
                ticket: w.ticket,
                signature: w.signature,
                recipientRand: w.recipientRand,
              })),
            );
      receipt = await tx.wait();
    } catch (err) {
      return failAll(err);
    }
    if (receipt === null) return failAll(new Error("transaction dropped"));
    const failures = new Map<number, TicketBrokerError>();
    for (const log of receipt.logs) {
      let parsed;
      try {
        parsed = this.#broker.interface.parseLog(log);
      } catch {
        continue;
      }
      if (parsed?.name === "TicketRedemptionFailed") {
        failures.set(
          Number(parsed.args.index as bigint),
          decodeBrokerError(parsed.args.reason as string),
        );
      }
    }
    return { txHash: receipt.hash, gasUsed: receipt.gasUsed, failures };
  }
}
