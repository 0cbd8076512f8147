// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {RejectingRecipient} from "../../contracts/mocks/RejectingRecipient.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract WithdrawTest is BrokerTest {
    function _fundAndUnlock() internal {
        _fund(sender, 2 ether, 1 ether);
        vm.prank(sender);
        broker.unlock();
    }

    function test_withdraw_RevertWhen_OneSecondBeforeUnlockEnd() public {
        _fundAndUnlock();
        vm.warp(START + UNLOCK_PERIOD - 1);
        vm.prank(sender);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerUnlockPending.selector,
                sender,
                START + UNLOCK_PERIOD,
                START + UNLOCK_PERIOD - 1
            )
        );
        broker.withdraw();
    }

    function test_withdraw_PaysEverythingAtTheExactUnlockEnd() public {
        _fundAndUnlock();
        vm.warp(START + UNLOCK_PERIOD);
        uint256 before = sender.balance;
        vm.expectEmit(true, false, false, true, address(broker));
        emit ITicketBroker.Withdrawn(sender, 2 ether, 1 ether);
        vm.prank(sender);
        broker.withdraw();
        assertEq(sender.balance - before, 3 ether, "deposit and reserve paid");
        assertEq(address(broker).balance, 0, "broker empty");
        assertEq(_deposit(sender), 0, "deposit cleared");
        assertEq(_reserve(sender), 0, "reserve cleared");
        assertEq(_unlockEnd(sender), 0, "unlock cleared");
    }

    function test_withdraw_RevertWhen_NotUnlocking() public {
        _fund(sender, 1 ether, 0);
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerNotUnlocking.selector, sender));
        broker.withdraw();
    }

    function test_withdraw_RevertWhen_CalledTwice() public {
        _fundAndUnlock();
        vm.warp(START + UNLOCK_PERIOD);
        vm.prank(sender);
        broker.withdraw();
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerNotUnlocking.selector, sender));
        broker.withdraw();
    }

    function test_withdraw_PaysOnlyTheCaller() public {
        _fundAndUnlock();
        _fund(other, 5 ether, 0);
        vm.warp(START + UNLOCK_PERIOD);
        vm.prank(sender);
        broker.withdraw();
        assertEq(address(broker).balance, 5 ether, "other's funds stay");
        assertEq(_deposit(other), 5 ether, "other's deposit");
    }

    function test_withdraw_CreditsASenderThatCannotReceive() public {
        RejectingRecipient wallet = new RejectingRecipient(broker);
        vm.deal(address(this), 3);
        wallet.fund{value: 3}(2, 1);
        wallet.unlock();
        vm.warp(START + UNLOCK_PERIOD);
        vm.expectEmit(true, false, false, true, address(broker));
        emit ITicketBroker.EarningsCredited(address(wallet), 3);
        wallet.withdraw();
        assertEq(broker.creditedEarnings(address(wallet)), 3, "credited");
        assertEq(address(broker).balance, 3, "still held");
        wallet.withdrawEarnings(payable(other));
        assertEq(other.balance, 3, "taken out to another address");
    }
}
