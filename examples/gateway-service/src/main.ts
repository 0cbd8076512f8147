/**
 * Example consumer: a gateway and an orchestrator agreeing on ticket params, paying one segment
 * with a signed ticket and validating it, using only the package's public exports.
 */
import { JsonRpcProvider, Wallet, id, parseEther, type Signer } from "ethers";
import { network } from "hardhat";
import {
  ContractBrokerReader,
  MemoryNonceStore,
  MemoryWinnerStore,
  NonceAllocator,
  RawKeyTicketSigner,
  Recipient,
  TicketBrokerError,
  TicketHasher,
  TicketSender,
  estimateFee,
  priceInWei,
  readTicketDomain,
} from "ticketbroker";
import { ticketBrokerAbi } from "ticketbroker/abi";
import { getDeployment } from "ticketbroker/deployments";
import {
  RecipientPool__factory,
  TicketBroker__factory,
  type TicketBroker,
} from "ticketbroker/typechain";

async function connect(): Promise<{
  broker: TicketBroker;
  funder: Signer;
  fund: (to: string) => Promise<void>;
}> {
  const rpcUrl = process.env.GATEWAY_RPC_URL;
  if (rpcUrl !== undefined) {
    const provider = new JsonRpcProvider(rpcUrl);
    const funder = await provider.getSigner(0);
    const chainId = (await provider.getNetwork()).chainId;
    const address = process.env.GATEWAY_BROKER ?? getDeployment(chainId)?.ticketBroker;
    if (address === undefined)
      throw new Error(`no broker known on chain ${chainId}: set GATEWAY_BROKER`);
    const fund = async (to: string) =>
      void (await (await funder.sendTransaction({ to, value: parseEther("1") })).wait());
    return { broker: TicketBroker__factory.connect(address, funder), funder, fund };
  }
  // No RPC URL: deploy a broker on the in-process chain.
  const { ethers, networkHelpers } = await network.create();
  const [funder] = await ethers.getSigners();
  if (funder === undefined) throw new Error("no accounts");
  const pool = await new RecipientPool__factory(funder).deploy(funder.address);
  const broker = await new TicketBroker__factory(funder).deploy(
    await pool.getAddress(),
    86_400n,
    3_600n,
  );
  await broker.waitForDeployment();
  return { broker, funder, fund: (to) => networkHelpers.setBalance(to, parseEther("1")) };
}

const { broker, fund } = await connect();
const provider = broker.runner?.provider;
if (provider === null || provider === undefined) throw new Error("the broker has no provider");
console.log(`broker ${await broker.getAddress()} (${ticketBrokerAbi.length} ABI entries)`);

// The gateway (sender) and the orchestrator (recipient), with fixed demo keys.
const gatewayKey = id("gateway-service example gateway") as `0x${string}`;
const gatewayWallet = new Wallet(gatewayKey, provider);
const orchestratorAddress = new Wallet(id("gateway-service example orchestrator"))
  .address as `0x${string}`;
await fund(gatewayWallet.address);
await (await broker.connect(gatewayWallet).fundDeposit({ value: parseEther("0.1") })).wait();

const domain = await readTicketDomain(broker);
const hasher = new TicketHasher(domain);
const reader = new ContractBrokerReader({ broker });
const orchestrator = new Recipient({
  address: orchestratorAddress,
  secret: Buffer.from(id("gateway-service example secret").slice(2), "hex"),
  hasher,
  reader,
  winners: new MemoryWinnerStore(),
  policy: { redeemGas: 60_000n, targetEV: 1n },
});
const gateway = new TicketSender({
  sender: gatewayWallet.address as `0x${string}`,
  signer: new RawKeyTicketSigner(gatewayKey),
  hasher, // carries the domain: the chain and broker params must name
  reader,
  nonces: new NonceAllocator({ store: new MemoryNonceStore() }),
  limits: { maxTicketEV: parseEther("0.001"), depositMultiplier: 2n },
});

// One 2-second 720p30 segment at 1,000 wei per pixel.
const fee = estimateFee({
  profiles: [{ width: 1280, height: 720, fps: 30n }],
  duration: 2n,
  price: priceInWei({ wei: 1_000n }),
});
const params = await orchestrator.issueParams({
  sender: gateway.sender,
  gasPrice: 10_000_000n,
  targetEV: fee.feeWei,
});
await gateway.acceptParams(params);
const payment = await gateway.pay({
  params,
  amount: fee.feeWei,
  workId: id("segment 0") as `0x${string}`,
});
const signed = payment.tickets[0];
if (signed === undefined) throw new Error("no ticket");
const received = await orchestrator.receiveTicket({ signed, params });
console.log(
  `ticket nonce ${signed.ticket.senderNonce} valid: EV ${received.ev.floor()} wei (covers the fee of ${fee.feeWei} wei: ${received.ev.cmp(fee.feeWei) >= 0}), won: ${received.won}`,
);

// A ticket whose face value was changed after signing is refused.
try {
  await orchestrator.receiveTicket({
    signed: { ...signed, ticket: { ...signed.ticket, faceValue: signed.ticket.faceValue * 2n } },
    params,
  });
  throw new Error("a tampered ticket was accepted");
} catch (err) {
  if (!(err instanceof TicketBrokerError)) throw err;
  console.log(`tampered ticket refused: ${err.code}`);
}
