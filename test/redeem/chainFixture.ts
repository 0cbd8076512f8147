/**
 * A broker on a chain (in-process or a `hardhat node` over JSON-RPC) with a funded sender whose
 * delegate signs always-winning tickets to a recipient account held in a local Wallet.
 */
import { AbiCoder, Wallet, keccak256, type Signer } from "ethers";

import { ContractBrokerReader } from "../../src/chain/brokerReader.js";
import { MAX_UINT256, type Hex } from "../../src/internal/bytes.js";
import type { WinningTicket } from "../../src/recipient/winnerStore.js";
import { RawKeyTicketSigner } from "../../src/ticket/signTicket.js";
import { TicketHasher } from "../../src/ticket/ticketDigest.js";
import { readTicketDomain, type Ticket } from "../../src/ticket/ticketTypes.js";
import {
  RecipientPool__factory,
  TicketBroker__factory,
  type TicketBroker,
} from "../../typechain-types/index.js";

export interface RpcLike {
  send(method: string, params: unknown[]): Promise<unknown>;
}

export interface BrokerWorld {
  broker: TicketBroker;
  brokerAddress: Hex;
  hasher: TicketHasher;
  reader: ContractBrokerReader;
  /** The sender's account (funds the deposit) and the delegate key that signs its tickets. */
  sender: Signer;
  senderAddress: Hex;
  delegate: RawKeyTicketSigner;
  /** The recipient: a local key, so its transactions are signed before they are sent. */
  recipient: Wallet;
  recipientAddress: Hex;
  chainId: bigint;
  unlockPeriod: bigint;
}

export const RAND = 0x5eedn;
const RAND_HASH = keccak256(AbiCoder.defaultAbiCoder().encode(["uint256"], [RAND])) as Hex;

/** Deploys pool + broker, funds `deposit` from `sender`, authorises a delegate, funds the recipient's gas. */
export async function brokerWorld(args: {
  rpc: RpcLike;
  deployer: Signer;
  sender: Signer;
  deposit: bigint;
  recipientKey?: Hex;
  unlockPeriod?: bigint;
}): Promise<BrokerWorld> {
  const unlockPeriod = args.unlockPeriod ?? 3_600n;
  const pool = await new RecipientPool__factory(args.deployer).deploy(
    await args.deployer.getAddress(),
  );
  await pool.waitForDeployment();
  const broker = await new TicketBroker__factory(args.deployer).deploy(
    await pool.getAddress(),
    unlockPeriod,
    86_400n,
  );
  await broker.waitForDeployment();
  const senderBroker = broker.connect(args.sender);
  if (args.deposit > 0n) await (await senderBroker.fundDeposit({ value: args.deposit })).wait();
  const delegate = new RawKeyTicketSigner(`0x${"42".repeat(32)}`);
  await (await senderBroker.authorizeSigner(delegate.address)).wait();
  const recipient = new Wallet(args.recipientKey ?? Wallet.createRandom().privateKey);
  await args.rpc.send("hardhat_setBalance", [recipient.address, "0x56bc75e2d63100000"]);
  const domain = await readTicketDomain(broker);
  return {
    broker,
    brokerAddress: (await broker.getAddress()) as Hex,
    hasher: new TicketHasher(domain),
    reader: new ContractBrokerReader({ broker }),
    sender: args.sender,
    senderAddress: (await args.sender.getAddress()) as Hex,
    delegate,
    recipient,
    recipientAddress: recipient.address as Hex,
    chainId: domain.chainId,
    unlockPeriod,
  };
}

/** Always-winning tickets with these nonces, due now (their params closed), expiring in a day. */
export async function winners(
  world: BrokerWorld,
  args: { nonces: bigint[]; faceValue: bigint; now: bigint; expiry?: bigint },
): Promise<WinningTicket[]> {
  const out: WinningTicket[] = [];
  for (const nonce of args.nonces) {
    const ticket: Ticket = {
      recipient: world.recipientAddress,
      sender: world.senderAddress,
      faceValue: args.faceValue,
      winProb: MAX_UINT256,
      senderNonce: nonce,
      recipientRandHash: RAND_HASH,
      expiry: args.expiry ?? args.now + 86_400n,
      workId: `0x${nonce.toString(16).padStart(64, "0")}`,
    };
    out.push({
      ticket,
      signature: await world.delegate.signTicket(ticket, world.hasher),
      recipientRand: RAND,
      paramsDeadline: args.now - 1_000n,
      digest: world.hasher.digestHex(ticket),
    });
  }
  return out;
}

/** Every WinningTicketRedeemed event of the pair, as senderNonce → count. */
export async function paidNonces(world: BrokerWorld): Promise<Map<bigint, number>> {
  const events = await world.broker.queryFilter(
    world.broker.filters.WinningTicketRedeemed(world.senderAddress, world.recipientAddress),
    0,
    "latest",
  );
  const out = new Map<bigint, number>();
  for (const e of events) {
    const nonce = e.args.senderNonce;
    out.set(nonce, (out.get(nonce) ?? 0) + 1);
  }
  return out;
}
