import { Contract, type ContractRunner, type Provider, type Signer } from "ethers";

import type { RecipientPool, TicketBroker } from "../../typechain-types/index.js";
import { recipientPoolAbi, ticketBrokerAbi } from "../contract/abi.js";

/** What a command runs against: one network, one broker, and (lazily) one signing account. */
export interface CliContext {
  readonly networkName: string;
  readonly chainId: bigint;
  readonly provider: Provider;
  readonly brokerAddress: string;
  /** The account that signs; resolved only when a command sends a transaction or needs "me". */
  getSigner(): Promise<Signer>;
  /** Releases the connection (timers of a JSON-RPC provider), so the process can exit. */
  close?(): void;
}

export interface ConnectOptions {
  /** Network from hardhat.config.ts (used when `rpcUrl` is not given). */
  readonly network: string;
  /** A JSON-RPC URL: connect with plain ethers, no Hardhat. */
  readonly rpcUrl?: string | undefined;
  /** Encrypted JSON keystore that signs, and the file with its password. */
  readonly keystore?: string | undefined;
  readonly passwordFile?: string | undefined;
  readonly account: number;
  readonly broker: string | undefined;
  /** Ignition deployment id to read the broker from (default `chain-<chainId>`). */
  readonly deploymentId: string | undefined;
}

/** Where a command writes. `progress` replaces the previous progress line on a terminal. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  progress(text: string): void;
  endProgress(): void;
}

/** Everything a command touches outside its arguments; tests inject their own. */
export interface CliDeps {
  connect(options: ConnectOptions): Promise<CliContext>;
  readonly io: CliIo;
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
  readFile(path: string): Promise<string>;
  /** Starts a long-running service (`serve ...`); resolves when it has stopped. */
  serve?(service: "signer" | "payee" | "redeemer", options: ServeOptions): Promise<void>;
  /** How often to poll for a receipt, in ms. */
  readonly pollIntervalMs: number;
}

/** What `serve <service>` passes to the service's entry function. */
export interface ServeOptions {
  /** `--config <file>`, when given. */
  readonly configFile: string | undefined;
  /** Arguments after the service name that the command line did not interpret. */
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/** The broker at `address`, typed by its TypeChain binding, with the committed ABI. */
export function brokerAt(address: string, runner: ContractRunner): TicketBroker {
  return new Contract(address, ticketBrokerAbi, runner) as unknown as TicketBroker;
}

/** The recipient pool at `address`. */
export function poolAt(address: string, runner: ContractRunner): RecipientPool {
  return new Contract(address, recipientPoolAbi, runner) as unknown as RecipientPool;
}
