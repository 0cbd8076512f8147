// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IRecipientPool} from "./interfaces/IRecipientPool.sol";

/**
 * @title RecipientPool
 * @notice The default recipient pool: a set of recipients managed by an owner with two-step
 * ownership transfer. The owner decides who shares senders' reserves; it cannot move any funds.
 */
contract RecipientPool is IRecipientPool, Ownable2Step {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice `recipient` joined the pool.
    event RecipientAdded(address indexed recipient);

    /// @notice `recipient` left the pool.
    event RecipientRemoved(address indexed recipient);

    /// @notice `recipient` is already in the pool.
    error RecipientPoolAlreadyEligible(address recipient);

    /// @notice `recipient` is not in the pool.
    error RecipientPoolNotEligible(address recipient);

    /// @notice The zero address cannot be a recipient.
    error RecipientPoolZeroAddress();

    EnumerableSet.AddressSet private _recipients;

    /// @param initialOwner The account that manages the pool.
    constructor(address initialOwner) Ownable(initialOwner) {}

    /// @notice Adds `recipient` to the pool. Only the owner.
    function addRecipient(address recipient) external onlyOwner {
        require(recipient != address(0), RecipientPoolZeroAddress());
        require(_recipients.add(recipient), RecipientPoolAlreadyEligible(recipient));
        emit RecipientAdded(recipient);
    }

    /// @notice Removes `recipient` from the pool. Only the owner.
    function removeRecipient(address recipient) external onlyOwner {
        require(_recipients.remove(recipient), RecipientPoolNotEligible(recipient));
        emit RecipientRemoved(recipient);
    }

    /// @inheritdoc IRecipientPool
    function isEligible(address recipient) external view returns (bool) {
        return _recipients.contains(recipient);
    }

    /// @inheritdoc IRecipientPool
    function eligibleCount() external view returns (uint256) {
        return _recipients.length();
    }

    /// @notice Every recipient in the pool, in no particular order.
    function recipients() external view returns (address[] memory) {
        return _recipients.values();
    }
}
