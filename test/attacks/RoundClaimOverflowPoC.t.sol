// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/**
 * A round's claimed totals are stored in 96 bits. A sender that funds its reserve past 2^96 wei
 * within one round (unreachable with real ether, reachable in principle) let a claim overflow
 * that total: SafeCast reverted, and with it the whole batch. The allocation now stops at what
 * the totals can record, so the ticket fails on its own with InsufficientFunds and the batch
 * goes on.
 */
contract RoundClaimOverflowPoC is BrokerTest {
    uint256 internal constant MAX96 = type(uint96).max;

    function setUp() public override {
        super.setUp();
        // One eligible recipient, so it may claim the whole reserve.
        vm.startPrank(poolOwner);
        pool.removeRecipient(recipient2);
        pool.removeRecipient(recipient3);
        vm.stopPrank();
        vm.deal(sender, 4 * MAX96);
    }

    function _claimAll(uint256 nonce) internal {
        ITicketBroker.Ticket memory t = _ticket(recipient, nonce);
        t.faceValue = MAX96;
        _redeem(t);
    }

    function test_attack_ClaimPastTheRoundTotalFailsAloneInABatch() public {
        _fund(sender, 0, MAX96);
        _claimAll(1);
        _fund(sender, 0, MAX96);
        assertEq(broker.claimableReserve(sender, recipient), 0, "nothing the round can record");

        _fund(other, 5 ether, 0);
        ITicketBroker.Ticket memory good = _ticket(recipient, 1);
        good.sender = other;
        ITicketBroker.Ticket memory overflowing = _ticket(recipient, 2);
        overflowing.faceValue = 1;
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](2);
        batch[0] = _signed(good, OTHER_KEY);
        batch[1] = _signed(overflowing, SENDER_KEY);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.TicketRedemptionFailed(
            sender,
            recipient,
            1,
            2,
            abi.encodeWithSelector(ITicketBroker.TicketBrokerInsufficientFunds.selector, sender, 0, 1)
        );
        vm.prank(recipient);
        assertEq(broker.redeemWinningTickets(batch), FACE, "the other ticket is paid");
    }

    function test_attack_OverflowingTicketIsPaidInTheNextRound() public {
        _fund(sender, 0, MAX96);
        _claimAll(1);
        _fund(sender, 0, MAX96);
        vm.warp(_nextRoundStart());
        ITicketBroker.Ticket memory t = _ticket(recipient, 2);
        t.faceValue = 1;
        _redeem(t);
        assertEq(_reserve(sender), MAX96 - 1, "paid from the fresh round");
    }

    function test_claimAtExactly2Pow96MinusOneIsPaid() public {
        _fund(sender, 0, MAX96);
        _claimAll(1);
        assertEq(_reserve(sender), 0, "claimed to the last wei the total can record");
    }
}
