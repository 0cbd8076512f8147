// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract FundDepositAndReserveForTest is BrokerTest {
    function test_fundDepositAndReserveFor_CreditsTheNamedSender() public {
        vm.deal(funder, 3 ether);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.DepositFunded(sender, funder, 2 ether);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.ReserveFunded(sender, funder, 1 ether);
        vm.prank(funder);
        broker.fundDepositAndReserveFor{value: 3 ether}(sender, 2 ether, 1 ether);
        assertEq(_deposit(sender), 2 ether, "sender deposit");
        assertEq(_reserve(sender), 1 ether, "sender reserve");
        assertEq(_deposit(funder), 0, "funder deposit");
        assertEq(funder.balance, 0, "funder paid");
    }

    function test_fundDepositAndReserveFor_DoesNotCancelAnotherSendersUnlock() public {
        _fund(sender, 1 ether, 0);
        vm.prank(sender);
        broker.unlock();
        uint256 unlockEnd = _unlockEnd(sender);
        vm.deal(funder, 2);
        vm.recordLogs();
        vm.prank(funder);
        broker.fundDepositAndReserveFor{value: 2}(sender, 1, 1);
        assertEq(vm.getRecordedLogs().length, 2, "only the two funding events");
        assertEq(_unlockEnd(sender), unlockEnd, "unlock untouched");
        assertTrue(broker.isUnlockInProgress(sender), "still unlocking");
    }

    function test_fundDepositAndReserveFor_SelfCancelsOwnUnlock() public {
        _fund(sender, 1 ether, 0);
        vm.prank(sender);
        broker.unlock();
        vm.deal(sender, 1);
        vm.expectEmit(true, false, false, true, address(broker));
        emit ITicketBroker.UnlockCancelled(sender);
        vm.prank(sender);
        broker.fundDepositAndReserveFor{value: 1}(sender, 1, 0);
        assertEq(_unlockEnd(sender), 0, "own funding cancels");
    }

    function test_fundDepositAndReserveFor_RevertWhen_SenderIsZero() public {
        vm.deal(funder, 1);
        vm.prank(funder);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerZeroAddress.selector));
        broker.fundDepositAndReserveFor{value: 1}(address(0), 1, 0);
    }

    function test_fundDepositAndReserveFor_RevertWhen_ValueMismatch() public {
        vm.deal(funder, 3);
        vm.prank(funder);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerValueMismatch.selector, 3, 1, 1));
        broker.fundDepositAndReserveFor{value: 3}(sender, 1, 1);
    }

    function test_fundDepositAndReserveFor_RevertWhen_ValueIsZero() public {
        vm.prank(funder);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerZeroValue.selector));
        broker.fundDepositAndReserveFor(sender, 0, 0);
    }
}
