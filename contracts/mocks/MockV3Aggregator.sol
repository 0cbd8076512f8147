// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/**
 * @title MockV3Aggregator
 * @notice A settable Chainlink-style price feed for local networks and tests. Anyone can set the
 * answer: never deploy it where a real feed is expected.
 */
contract MockV3Aggregator is AggregatorV3Interface {
    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
    }

    /// @notice The requested round was never written.
    error MockV3AggregatorNoRound(uint80 roundId);

    /// @notice Emitted when a new answer is written.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 indexed updatedAt);

    uint8 private immutable _DECIMALS;
    string private _description;
    uint80 private _latestRound;
    mapping(uint80 roundId => Round round) private _rounds;

    /**
     * @param decimals_ The decimals of every answer (8 for the USD feeds).
     * @param description_ The pair, written "BASE / QUOTE" (for example "ETH / USD").
     * @param initialAnswer The first answer, scaled by 10^decimals_.
     */
    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) {
        _DECIMALS = decimals_;
        _description = description_;
        updateAnswer(initialAnswer);
    }

    /// @notice Writes a new round with `answer`, stamped with the current block time.
    function updateAnswer(int256 answer) public {
        updateRoundData(_latestRound + 1, answer, block.timestamp, block.timestamp);
    }

    /**
     * @notice Writes a round with explicit timestamps (to simulate stale or incomplete rounds) and
     * makes it the latest.
     */
    function updateRoundData(uint80 roundId, int256 answer, uint256 updatedAt, uint256 startedAt) public {
        _latestRound = roundId;
        _rounds[roundId] = Round({answer: answer, startedAt: startedAt, updatedAt: updatedAt});
        emit AnswerUpdated(answer, roundId, updatedAt);
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external view returns (uint8) {
        return _DECIMALS;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external view returns (string memory) {
        return _description;
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure returns (uint256) {
        // 4 is the version of the current Chainlink aggregators; nothing reads it.
        return 4;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory round = _rounds[roundId];
        require(round.updatedAt != 0 || round.startedAt != 0, MockV3AggregatorNoRound(roundId));
        return (roundId, round.answer, round.startedAt, round.updatedAt, roundId);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory round = _rounds[_latestRound];
        return (_latestRound, round.answer, round.startedAt, round.updatedAt, _latestRound);
    }
}
