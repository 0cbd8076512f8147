/**
 * Where the TicketBroker is deployed, per chain id, for services that connect to a shared
 * deployment. The entries mirror the committed Ignition records
 * (ignition/deployments/chain-<chainId>/deployed_addresses.json, future ids
 * `TicketBroker#TicketBroker` and `TicketBroker#RecipientPool`); test/cli/abi.test.ts
 * fails when the two disagree.
 *
 * Arbitrum Sepolia (421614) has no entry yet: nobody has deployed there from this repository.
 * After `npx hardhat ignition deploy ... --network arbitrumSepolia`, commit
 * ignition/deployments/chain-421614/ and add its addresses here.
 *
 * Local chains (31337) are never listed: a `hardhat node` forgets its state on restart. A
 * rehearsal against a local node started with a public chain id (`hardhat node --chain-id
 * 421614`) is deployed under its own Ignition deployment id (`--deployment-id
 * rehearsal-421614`), never into `chain-421614/`, and never listed here (docs/deployment.md).
 */

/** A recorded deployment of the broker and its recipient pool. */
export interface BrokerDeployment {
  readonly chainId: number;
  readonly ticketBroker: `0x${string}`;
  readonly recipientPool: `0x${string}`;
}

/** Chain ids the project targets. */
export const CHAIN_IDS = {
  arbitrumOne: 42161,
  arbitrumSepolia: 421614,
  hardhat: 31337,
} as const;

/** Recorded deployments by chain id. Empty until a public deployment is committed. */
export const DEPLOYMENTS: Readonly<Partial<Record<number, BrokerDeployment>>> = {};

/**
 * The recorded deployment on `chainId`, or undefined when there is none.
 *
 * @example
 * ```ts
 * const deployment = getDeployment(421614); // undefined until Arbitrum Sepolia is deployed
 * ```
 */
export function getDeployment(chainId: number | bigint): BrokerDeployment | undefined {
  return DEPLOYMENTS[Number(chainId)];
}
