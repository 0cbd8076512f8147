// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/**
 * @title IRecipientPool
 * @notice Decides which recipients may claim a share of a sender's reserve, and how many share it.
 * @dev The broker divides a sender's reserve by `eligibleCount()` each round, so an implementation
 * must keep `eligibleCount()` equal to the number of addresses for which `isEligible` is true.
 */
interface IRecipientPool {
    /// @notice Whether `recipient` may claim from senders' reserves.
    function isEligible(address recipient) external view returns (bool);

    /// @notice How many recipients are eligible.
    function eligibleCount() external view returns (uint256);
}
