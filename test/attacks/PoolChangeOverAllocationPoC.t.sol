// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/**
 * The reserve share is computed from the round's starting reserve and the current eligible
 * count. When the pool changes mid-round, others' earlier claims could be counted in a
 * recipient's share, so its allocation exceeded what was left: a ticket inside that allocation
 * then reverted with an arithmetic panic, which reverted a whole batch without reporting.
 * The allocation is now capped at the reserve left.
 */
contract PoolChangeOverAllocationPoC is BrokerTest {
    function _claim(address to, uint256 nonce, uint256 face) internal {
        ITicketBroker.Ticket memory t = _ticket(to, nonce);
        t.faceValue = face;
        _redeem(t);
    }

    function _setUpRemoval() internal {
        // Three eligible recipients share 3 ether; two of them claim 1 ether each.
        _fund(sender, 0, 3 ether);
        _claim(recipient, 1, 1 ether);
        _claim(recipient2, 1, 1 ether);
        vm.prank(poolOwner);
        pool.removeRecipient(recipient);
    }

    function test_attack_AllocationNeverExceedsTheReserveLeftAfterARemoval() public {
        _setUpRemoval();
        assertEq(_reserve(sender), 1 ether, "reserve left");
        assertEq(broker.claimableReserve(sender, recipient3), 1 ether, "capped at what is left");
        ITicketBroker.Ticket memory t = _ticket(recipient3, 1);
        t.faceValue = 1.5 ether;
        _expectRedeemRevert(
            t,
            _sign(SENDER_KEY, t),
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerInsufficientFunds.selector,
                sender,
                1 ether,
                1.5 ether
            )
        );
        _claim(recipient3, 1, 1 ether);
        assertEq(_reserve(sender), 0, "the rest paid");
    }

    function test_attack_AllocationNeverExceedsTheReserveLeftAfterAnAddition() public {
        vm.startPrank(poolOwner);
        pool.removeRecipient(recipient2);
        pool.removeRecipient(recipient3);
        vm.stopPrank();
        _fund(sender, 0, 1 ether);
        _claim(recipient, 1, 0.9 ether);
        vm.prank(poolOwner);
        pool.addRecipient(recipient2);
        assertEq(broker.claimableReserve(sender, recipient2), 0.1 ether, "capped at what is left");
    }

    function test_attack_BatchReportsTheOverAllocatedTicketInsteadOfReverting() public {
        _setUpRemoval();
        _fund(other, 5 ether, 0);
        ITicketBroker.Ticket memory good = _ticket(recipient3, 1);
        good.sender = other;
        ITicketBroker.Ticket memory tooBig = _ticket(recipient3, 1);
        tooBig.faceValue = 1.5 ether;
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](2);
        batch[0] = _signed(good, OTHER_KEY);
        batch[1] = _signed(tooBig, SENDER_KEY);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.TicketRedemptionFailed(
            sender,
            recipient3,
            1,
            1,
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerInsufficientFunds.selector,
                sender,
                1 ether,
                1.5 ether
            )
        );
        vm.prank(recipient3);
        assertEq(broker.redeemWinningTickets(batch), FACE, "the good ticket is paid");
    }
}
