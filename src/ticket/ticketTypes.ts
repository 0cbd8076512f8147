/**
 * The ticket's EIP-712 definition: the one place that states the type, the domain name and
 * version. The contract's TicketLib.TICKET_TYPEHASH is pinned to {@link TICKET_EIP712_TYPES} by
 * a test.
 */
import { TicketBrokerError } from "../errors.js";
import { assertHasMethods, describeValue } from "./inputs.js";
import { readChain } from "../internal/rpcError.js";
import { keccak256 } from "../internal/keccak.js";
import { toHex, type Hex } from "../internal/bytes.js";

/**
 * The EIP-712 `Ticket` type, field order exactly as in TicketLib.TICKET_TYPEHASH. Pass it to any
 * typed-data signer (ethers, viem, eth-sig-util) with {@link TICKET_PRIMARY_TYPE}.
 */
export const TICKET_EIP712_TYPES = {
  Ticket: [
    { name: "recipient", type: "address" },
    { name: "sender", type: "address" },
    { name: "faceValue", type: "uint256" },
    { name: "winProb", type: "uint256" },
    { name: "senderNonce", type: "uint256" },
    { name: "recipientRandHash", type: "bytes32" },
    { name: "expiry", type: "uint256" },
    { name: "workId", type: "bytes32" },
  ],
} as const;

/** The primary type name of a ticket. */
export const TICKET_PRIMARY_TYPE = "Ticket" as const;

/** The EIP-712 domain name of the TicketBroker. */
export const TICKET_DOMAIN_NAME = "TicketBroker" as const;

/** The EIP-712 domain version of the TicketBroker. */
export const TICKET_DOMAIN_VERSION = "1" as const;

/** `Ticket(address recipient,…,bytes32 workId)`: the EIP-712 encodeType of the ticket. */
export const TICKET_TYPE_STRING: string = `${TICKET_PRIMARY_TYPE}(${TICKET_EIP712_TYPES.Ticket.map(
  (f) => `${f.type} ${f.name}`,
).join(",")})`;

/** keccak256 of {@link TICKET_TYPE_STRING}; equals TicketLib.TICKET_TYPEHASH. */
export const TICKET_TYPEHASH: Hex = toHex(keccak256(Buffer.from(TICKET_TYPE_STRING, "utf8")));

/**
 * A lottery ticket (ITicketBroker.Ticket). Amounts and times are bigint; addresses and bytes32
 * are 0x-prefixed hex.
 */
export interface Ticket {
  /** Who is paid when the ticket wins; only this address can redeem it. */
  recipient: Hex;
  /** Whose deposit and reserve pay the ticket. */
  sender: Hex;
  /** Wei paid when the ticket wins. */
  faceValue: bigint;
  /** Win probability × 2^256. */
  winProb: bigint;
  /** Counter per (sender, recipient), below 2^96. */
  senderNonce: bigint;
  /** keccak256(abi.encode(recipientRand)). */
  recipientRandHash: Hex;
  /** Unix seconds; redeemable up to and including it. */
  expiry: bigint;
  /** Binds the ticket to the work it pays for. */
  workId: Hex;
}

/** The broker's EIP-712 domain. */
export interface TicketDomain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: Hex;
}

/** A ticket with its 65-byte signature (r ‖ s ‖ v, low s, v ∈ {27, 28}). */
export interface SignedTicket {
  ticket: Ticket;
  signature: Hex;
}

/** A ticket field, domain or value is malformed (wrong type, not hex, out of range). */
export class InvalidTicketFieldError extends TicketBrokerError {}

/** Anything with EIP-5267 `eip712Domain()`, such as the typechain or ethers TicketBroker contract. */
export interface Eip712DomainSource {
  eip712Domain(): Promise<readonly unknown[]>;
}

/** EIP-5267 `fields` bits for name, version, chainId and verifyingContract (0b01111). */
const EXPECTED_DOMAIN_FIELDS = 0x0f;

/**
 * Reads the ticket domain from the broker's EIP-5267 `eip712Domain()`, and checks that it is a
 * TicketBroker domain of this version with exactly name, version, chainId and verifyingContract.
 *
 * @example
 * ```ts
 * const broker = await ethers.getContractAt("TicketBroker", brokerAddress);
 * const domain = await readTicketDomain(broker);
 * const hasher = new TicketHasher(domain);
 * ```
 */
export async function readTicketDomain(broker: Eip712DomainSource): Promise<TicketDomain> {
  assertHasMethods(broker, "broker", ["eip712Domain"]);
  const result: unknown = await readChain("eip712Domain", () => broker.eip712Domain());
  const [fields, name, version, chainId, verifyingContract] = Array.isArray(result)
    ? (result as unknown[])
    : [];
  const fieldBits = typeof fields === "string" ? Number.parseInt(fields, 16) : Number(fields);
  if (
    fieldBits !== EXPECTED_DOMAIN_FIELDS ||
    name !== TICKET_DOMAIN_NAME ||
    version !== TICKET_DOMAIN_VERSION ||
    typeof chainId !== "bigint" ||
    typeof verifyingContract !== "string" ||
    !/^0x[0-9a-fA-F]{40}$/.test(verifyingContract)
  ) {
    throw new InvalidTicketFieldError(
      "The contract's EIP-712 domain is not a TicketBroker domain",
      {
        details: {
          fields: describeValue(fields),
          name: describeValue(name),
          version: describeValue(version),
          chainId: describeValue(chainId),
          verifyingContract: describeValue(verifyingContract),
        },
        hint: `Point the library at a TicketBroker (domain "${TICKET_DOMAIN_NAME}" version "${TICKET_DOMAIN_VERSION}"); this library and the contract may be of different versions.`,
      },
    );
  }
  return {
    name: TICKET_DOMAIN_NAME,
    version: TICKET_DOMAIN_VERSION,
    chainId,
    verifyingContract: verifyingContract as Hex,
  };
}
