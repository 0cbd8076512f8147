import type { TicketBroker } from "../../typechain-types/index.js";
import { TicketBrokerError } from "../errors.js";
import { assertAddress, assertHasMethods } from "../ticket/inputs.js";
import { readChain } from "../internal/rpcError.js";

/** The broker contract handed to a reader has no provider to read blocks from. */
export class BrokerReaderNoProviderError extends TicketBrokerError {}

/** A sender's funds and lock state as the broker reports them (wei; Unix seconds, 0 = locked). */
export interface SenderFunds {
  readonly deposit: bigint;
  readonly reserve: bigint;
  readonly unlockEnd: bigint;
}

/**
 * The broker state the sender and recipient flows read, behind a small interface so unit tests
 * can fake the chain. {@link ContractBrokerReader} implements it over the typed contract.
 *
 * @example
 * ```ts
 * const reader: BrokerReader = new ContractBrokerReader({ broker });
 * const { deposit } = await reader.senderFunds(gateway);
 * ```
 */
export interface BrokerReader {
  /** Deposit, reserve and unlock end of `sender`. */
  senderFunds(sender: `0x${string}`): Promise<SenderFunds>;
  /** What `recipient` can still claim from `sender`'s reserve in the current round (wei). */
  claimableReserve(sender: `0x${string}`, recipient: `0x${string}`): Promise<bigint>;
  /** The highest sender nonce redeemed for the pair (0 if none). */
  highestRedeemedNonce(sender: `0x${string}`, recipient: `0x${string}`): Promise<bigint>;
  /** Last second at which `signer`'s tickets count for `sender` (0 never, 2^256 − 1 while active). */
  signerValidUntil(sender: `0x${string}`, signer: `0x${string}`): Promise<bigint>;
  /** The chain's current time in Unix seconds (the latest block's timestamp). */
  now(): Promise<bigint>;
  /**
   * Drops anything cached about `sender`, so the next reads see the chain as it is. Readers
   * without a cache leave it out. Call it after a local event that lowers what the sender can
   * pay (a redemption sent, a winner marked paid).
   */
  invalidate?(sender: `0x${string}`): void;
}

/**
 * The methods every {@link BrokerReader} has (`invalidate` is optional): what a caller that uses
 * the whole interface checks a reader for.
 */
export const BROKER_READER_METHODS = [
  "now",
  "senderFunds",
  "claimableReserve",
  "highestRedeemedNonce",
  "signerValidUntil",
] as const satisfies readonly (keyof BrokerReader)[];

/**
 * {@link BrokerReader} over a TypeChain `TicketBroker` whose runner has a provider. Time is the
 * latest block's timestamp, which is what redemption is judged against.
 *
 * @example
 * ```ts
 * const broker = TicketBroker__factory.connect(address, provider);
 * const reader = new ContractBrokerReader({ broker });
 * await reader.highestRedeemedNonce(gateway, orchestrator); // 0n
 * ```
 */
export class ContractBrokerReader implements BrokerReader {
  readonly #broker: TicketBroker;

  constructor(options: { broker: TicketBroker }) {
    assertHasMethods(options?.broker, "broker", ["getSenderInfo", "highestRedeemedNonce"]);
    this.#broker = options.broker;
  }

  async senderFunds(sender: `0x${string}`): Promise<SenderFunds> {
    assertAddress(sender, "sender");
    const info = await readChain("getSenderInfo", () => this.#broker.getSenderInfo(sender));
    return { deposit: info.deposit, reserve: info.reserve, unlockEnd: info.unlockEnd };
  }

  async claimableReserve(sender: `0x${string}`, recipient: `0x${string}`): Promise<bigint> {
    assertAddress(sender, "sender");
    assertAddress(recipient, "recipient");
    return readChain("claimableReserve", () => this.#broker.claimableReserve(sender, recipient));
  }

  async highestRedeemedNonce(sender: `0x${string}`, recipient: `0x${string}`): Promise<bigint> {
    assertAddress(sender, "sender");
    assertAddress(recipient, "recipient");
    return readChain("highestRedeemedNonce", () =>
      this.#broker.highestRedeemedNonce(sender, recipient),
    );
  }

  async signerValidUntil(sender: `0x${string}`, signer: `0x${string}`): Promise<bigint> {
    assertAddress(sender, "sender");
    assertAddress(signer, "signer");
    return readChain("signerValidUntil", () => this.#broker.signerValidUntil(sender, signer));
  }

  async now(): Promise<bigint> {
    const provider = this.#broker.runner?.provider;
    const block =
      provider === null || provider === undefined
        ? null
        : await readChain("the latest block", () => provider.getBlock("latest"));
    if (block === null) {
      throw new BrokerReaderNoProviderError(
        "Cannot read the chain's time: the broker has no provider",
        {
          hint: "Connect the TicketBroker contract to a provider or a signer with a provider.",
        },
      );
    }
    return BigInt(block.timestamp);
  }
}
