// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/**
 * @title AggregatorV3Interface
 * @notice The read side of a Chainlink price feed (AggregatorV3), as the off-chain pricing code
 * calls it. Written here so the project does not depend on the Chainlink packages.
 * @dev `answer` is the price of one unit of the pair's base asset in its quote asset, scaled by
 * 10^decimals(); for "ETH / USD" with 8 decimals, 2000 USD per ETH is 200000000000.
 */
// Chainlink's own name, so that feed ABIs and documentation match.
// solhint-disable-next-line interface-starts-with-i
interface AggregatorV3Interface {
    /// @notice How many decimals `answer` carries.
    function decimals() external view returns (uint8);

    /// @notice The pair, written "BASE / QUOTE" (for example "ETH / USD").
    function description() external view returns (string memory);

    /// @notice The aggregator's version number.
    function version() external view returns (uint256);

    /**
     * @notice One past round.
     * @param roundId The round to read.
     * @return roundId_ The round read.
     * @return answer The price, scaled by 10^decimals().
     * @return startedAt When the round started (unix seconds).
     * @return updatedAt When the answer was last updated (unix seconds); 0 for an incomplete round.
     * @return answeredInRound Deprecated; the round in which the answer was computed.
     */
    function getRoundData(
        uint80 roundId
    )
        external
        view
        returns (
            uint80 roundId_,
            int256 answer,
            uint256 startedAt,
            uint256 updatedAt,
            uint80 answeredInRound
        );

    /**
     * @notice The latest round.
     * @return roundId The latest round.
     * @return answer The price, scaled by 10^decimals().
     * @return startedAt When the round started (unix seconds).
     * @return updatedAt When the answer was last updated (unix seconds); 0 for an incomplete round.
     * @return answeredInRound Deprecated; the round in which the answer was computed.
     */
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
