// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract CancelUnlockTest is BrokerTest {
    function setUp() public override {
        super.setUp();
        _fund(sender, 2 ether, 0);
        vm.prank(sender);
        broker.unlock();
    }

    function test_cancelUnlock_ClearsUnlockEnd() public {
        vm.expectEmit(true, false, false, true, address(broker));
        emit ITicketBroker.UnlockCancelled(sender);
        vm.prank(sender);
        broker.cancelUnlock();
        assertEq(_unlockEnd(sender), 0, "locked again");
        assertFalse(broker.isUnlockInProgress(sender), "not unlocking");
    }

    function test_cancelUnlock_AfterCompletionMakesTicketsRedeemableAgain() public {
        vm.warp(START + UNLOCK_PERIOD);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        _expectRedeemRevert(
            t,
            _sign(SENDER_KEY, t),
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerSenderUnlocked.selector,
                sender,
                START + UNLOCK_PERIOD
            )
        );
        vm.prank(sender);
        broker.cancelUnlock();
        _redeem(t);
        assertEq(recipient.balance, FACE, "paid after cancel");
    }

    function test_cancelUnlock_RevertWhen_NotUnlocking() public {
        vm.prank(sender);
        broker.cancelUnlock();
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerNotUnlocking.selector, sender));
        broker.cancelUnlock();
    }

    function test_cancelUnlock_RevertWhen_CalledByAnotherAccount() public {
        vm.prank(other);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerNotUnlocking.selector, other));
        broker.cancelUnlock();
        assertEq(_unlockEnd(sender), START + UNLOCK_PERIOD, "sender's unlock untouched");
    }
}
