// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ITicketBroker} from "../interfaces/ITicketBroker.sol";
import {TicketLib} from "../libraries/TicketLib.sol";

/**
 * @title TicketLibHarness
 * @notice Exposes TicketLib's internal constant and functions so tests can pin the off-chain
 * encoding (src/ticket/ticketTypes.ts) to the contract's.
 */
contract TicketLibHarness {
    /// @notice TicketLib.TICKET_TYPEHASH.
    function ticketTypehash() external pure returns (bytes32) {
        return TicketLib.TICKET_TYPEHASH;
    }

    /// @notice TicketLib.structHash(ticket).
    function structHash(ITicketBroker.Ticket calldata ticket) external pure returns (bytes32) {
        return TicketLib.structHash(ticket);
    }

    /// @notice TicketLib.isWinning(digest, recipientRand, winProb).
    function isWinning(bytes32 digest, uint256 recipientRand, uint256 winProb) external pure returns (bool) {
        return TicketLib.isWinning(digest, recipientRand, winProb);
    }

    /// @notice TicketLib.randHash(recipientRand).
    function randHash(uint256 recipientRand) external pure returns (bytes32) {
        return TicketLib.randHash(recipientRand);
    }
}
