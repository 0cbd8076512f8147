/**
 * Ticket signers: {@link RawKeyTicketSigner} for a raw private key (native libsecp256k1, the hot
 * path) and {@link EthersTicketSigner} for any ethers Signer (hardware wallets, keystores, remote
 * signers). Both produce the 65-byte r ‖ s ‖ v signature, low s, v ∈ {27, 28}, that the broker
 * accepts. A delegated key for a contract-wallet sender is a RawKeyTicketSigner whose address
 * differs from `ticket.sender` (the sender authorises it with `authorizeSigner`).
 */
import type { Signer, TypedDataField } from "ethers";

import { TicketBrokerError } from "../errors.js";
import { describeValue } from "./inputs.js";
import { addressOfPublicKey } from "../internal/address.js";
import { asBuffer, hexToBytes, toHex, type Hex } from "../internal/bytes.js";
import { backendNamed, type Secp256k1Backend } from "../internal/secp256k1.js";
import { recoverTicketSigner } from "./recoverTicketSigner.js";
import type { TicketHasher } from "./ticketDigest.js";
import { TICKET_EIP712_TYPES, type Ticket } from "./ticketTypes.js";

/** Something that signs tickets for one address. */
export interface TicketSigner {
  /** The address whose signature the tickets carry (the sender, or a key it authorised). */
  readonly address: Hex;
  /** Signs `ticket` under `hasher`'s domain; resolves to the 65-byte signature as hex. */
  signTicket(ticket: Ticket, hasher: TicketHasher): Promise<Hex>;
}

/** A private key is malformed, or a signer produced a signature the broker would refuse. */
export class TicketSignerError extends TicketBrokerError {}

/**
 * Signs with a raw secp256k1 private key through native libsecp256k1 (npm `secp256k1`), or
 * @noble/curves where the native binding cannot load. Signatures are RFC 6979 deterministic,
 * so they are byte-identical to ethers', viem's and eth-sig-util's.
 *
 * @example
 * ```ts
 * const signer = new RawKeyTicketSigner(process.env.SENDER_KEY as `0x${string}`);
 * const signature = await signer.signTicket(ticket, hasher);
 * // Hot loop, no promise per ticket:
 * const sigBytes = signer.signDigest(hasher.digest(ticket));
 * ```
 */
export class RawKeyTicketSigner implements TicketSigner {
  readonly address: Hex;
  /** "native" (libsecp256k1) or "noble" (pure JS). */
  readonly backend: "native" | "noble";
  readonly #secretKey: Buffer;
  readonly #curve: Secp256k1Backend;

  /**
   * @param privateKey 32-byte key as 0x-hex or bytes (copied).
   * @param options.backend Force the pure-JS backend with "noble" (default: native when available).
   */
  constructor(privateKey: Hex | Uint8Array, options: { backend?: "native" | "noble" } = {}) {
    const key =
      typeof privateKey === "string"
        ? hexToBytes(privateKey, 32)
        : privateKey instanceof Uint8Array && privateKey.length === 32
          ? Buffer.from(privateKey)
          : undefined;
    this.#curve = backendNamed(options?.backend === "noble" ? "noble" : "native");
    if (key === undefined || !this.#curve.isValidSecretKey(key)) {
      throw new TicketSignerError("The private key is not a valid secp256k1 key", {
        details: {
          length:
            typeof privateKey === "string" || privateKey instanceof Uint8Array
              ? privateKey.length
              : describeValue(privateKey),
        },
        hint: "Give a 32-byte key as 0x followed by 64 hex digits, in [1, n − 1].",
      });
    }
    this.#secretKey = key;
    this.backend = this.#curve.name;
    this.address = addressOfPublicKey(this.#curve.publicKey(key));
  }

  /**
   * Signs a 32-byte digest: returns a fresh 65-byte r ‖ s ‖ v (low s, v ∈ {27, 28}).
   *
   * @example
   * ```ts
   * const sig = signer.signDigest(hasher.digest(ticket));
   * ```
   */
  signDigest(digest: Uint8Array): Uint8Array {
    if (!(digest instanceof Uint8Array) || digest.length !== 32) {
      throw new TicketSignerError("The digest to sign is not 32 bytes", {
        details: { length: digest instanceof Uint8Array ? digest.length : undefined },
        hint: "Sign the output of TicketHasher.digest().",
      });
    }
    const out = Buffer.allocUnsafe(65);
    out[64] = 27 + this.#curve.sign(digest, this.#secretKey, out);
    return out;
  }

  /**
   * Signs `ticket` synchronously and returns the signature as hex.
   *
   * @example
   * ```ts
   * const signed = { ticket, signature: signer.signTicketSync(ticket, hasher) };
   * ```
   */
  signTicketSync(ticket: Ticket, hasher: TicketHasher): Hex {
    if (
      typeof hasher !== "object" ||
      hasher === null ||
      typeof (hasher as { digestBuffer?: unknown }).digestBuffer !== "function"
    ) {
      throw new TicketSignerError("Signing needs the TicketHasher of the broker's domain", {
        details: { hasher: describeValue(hasher) },
        hint: "Pass new TicketHasher(await readTicketDomain(broker)).",
      });
    }
    return toHex(this.signDigest(hasher.digestBuffer(ticket)));
  }

  /**
   * Signs `ticket` under `hasher`'s domain.
   *
   * @example
   * ```ts
   * const signature = await signer.signTicket(ticket, hasher);
   * ```
   */
  signTicket(ticket: Ticket, hasher: TicketHasher): Promise<Hex> {
    try {
      return Promise.resolve(this.signTicketSync(ticket, hasher));
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

/** TICKET_EIP712_TYPES in the mutable shape ethers' typed-data API declares. */
const ETHERS_TYPES: Record<string, TypedDataField[]> = {
  Ticket: TICKET_EIP712_TYPES.Ticket.map((f) => ({ name: f.name, type: f.type })),
};

/**
 * Signs through any ethers v6 `Signer` with `signTypedData` and {@link TICKET_EIP712_TYPES}.
 * Each signature is checked to recover to the signer's address with the broker's rules, so a
 * wallet that signs something else (another domain, a high-s or 64-byte signature) fails here
 * instead of at redemption.
 *
 * @example
 * ```ts
 * const signer = await EthersTicketSigner.create(wallet);
 * const signature = await signer.signTicket(ticket, hasher);
 * ```
 */
export class EthersTicketSigner implements TicketSigner {
  readonly address: Hex;
  readonly signer: Signer;

  /** @param address The signer's address (use {@link EthersTicketSigner.create} to look it up). */
  constructor(signer: Signer, address: Hex) {
    this.signer = signer;
    this.address = address;
  }

  /** Wraps `signer`, reading its address. */
  static async create(signer: Signer): Promise<EthersTicketSigner> {
    return new EthersTicketSigner(signer, (await signer.getAddress()) as Hex);
  }

  async signTicket(ticket: Ticket, hasher: TicketHasher): Promise<Hex> {
    const d = hasher.domain;
    const signature = (await this.signer.signTypedData(
      {
        name: d.name,
        version: d.version,
        chainId: d.chainId,
        verifyingContract: d.verifyingContract,
      },
      ETHERS_TYPES,
      ticket,
    )) as Hex;
    const digest = hasher.digestBuffer(ticket);
    let recovered: Hex | undefined;
    try {
      recovered = recoverTicketSigner(digest, signature);
    } catch {
      recovered = undefined;
    }
    if (recovered === undefined || recovered.toLowerCase() !== this.address.toLowerCase()) {
      throw new TicketSignerError("The wallet's signature is not one the broker accepts", {
        details: {
          signature,
          expectedSigner: this.address,
          recovered,
          digest: toHex(asBuffer(digest)),
        },
        hint: "Use a wallet that signs EIP-712 typed data with a 65-byte low-s signature, on the broker's chain.",
      });
    }
    return signature;
  }
}
