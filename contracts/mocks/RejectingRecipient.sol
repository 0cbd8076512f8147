// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ITicketBroker} from "../interfaces/ITicketBroker.sol";

/**
 * @title RejectingRecipient
 * @notice A recipient (or sender) contract that refuses ether until told otherwise: the broker
 * must credit what it cannot send. Tests only.
 */
contract RejectingRecipient {
    error RejectingRecipientRefused();

    ITicketBroker public immutable BROKER;
    bool public accepting;
    uint256 public receipts;

    constructor(ITicketBroker broker_) {
        BROKER = broker_;
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (!accepting) revert RejectingRecipientRefused();
        ++receipts;
    }

    function setAccepting(bool accepting_) external {
        accepting = accepting_;
    }

    function redeem(ITicketBroker.Ticket calldata ticket, bytes calldata signature, uint256 rand) external {
        BROKER.redeemWinningTicket(ticket, signature, rand);
    }

    function redeemBatch(ITicketBroker.SignedTicket[] calldata tickets) external returns (uint256) {
        return BROKER.redeemWinningTickets(tickets);
    }

    function withdrawEarnings(address payable to) external {
        BROKER.withdrawEarnings(to);
    }

    function fund(uint256 depositAmount, uint256 reserveAmount) external payable {
        BROKER.fundDepositAndReserve{value: msg.value}(depositAmount, reserveAmount);
    }

    function unlock() external {
        BROKER.unlock();
    }

    function withdraw() external {
        BROKER.withdraw();
    }
}
