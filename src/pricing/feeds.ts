/**
 * Known Chainlink AggregatorV3 price feeds. Each address was cross-checked against several
 * independent public sources (Chainlink's feed list as quoted by protocol documentation and
 * deployed contracts); check it again on a block explorer before relying on it in production.
 *
 * @example
 * ```ts
 * const feed = await PriceFeed.open({ ...KNOWN_PRICE_FEEDS.arbitrumOneEthUsd, runner: provider });
 * ```
 */
export interface KnownPriceFeed {
  /** The feed (proxy) address. */
  readonly address: string;
  /** The chain it lives on. */
  readonly chainId: bigint;
  /** The pair as `description()` returns it. */
  readonly description: string;
  /** The currency it converts to wei. */
  readonly currency: string;
  /** The decimals of its answer, checked on every read. */
  readonly expectedDecimals: number;
}

/** Chainlink ETH / USD on Arbitrum One (chain id 42161), 8 decimals. Cross-checked. */
export const ARBITRUM_ONE_ETH_USD_FEED: KnownPriceFeed = Object.freeze({
  address: "0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612",
  chainId: 42161n,
  description: "ETH / USD",
  currency: "USD",
  expectedDecimals: 8,
});

/** Chainlink ETH / USD on Ethereum mainnet (chain id 1), 8 decimals. Cross-checked. */
export const ETHEREUM_MAINNET_ETH_USD_FEED: KnownPriceFeed = Object.freeze({
  address: "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419",
  chainId: 1n,
  description: "ETH / USD",
  currency: "USD",
  expectedDecimals: 8,
});

/** The feed used when an operator sets a currency price without naming a feed. */
export const DEFAULT_PRICE_FEED: KnownPriceFeed = ARBITRUM_ONE_ETH_USD_FEED;

/** All known feeds by name. */
export const KNOWN_PRICE_FEEDS = Object.freeze({
  arbitrumOneEthUsd: ARBITRUM_ONE_ETH_USD_FEED,
  ethereumMainnetEthUsd: ETHEREUM_MAINNET_ETH_USD_FEED,
});
