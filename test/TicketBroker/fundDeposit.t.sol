// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract FundDepositTest is BrokerTest {
    function test_fundDeposit_AddsValueToCallersDeposit() public {
        vm.deal(sender, 5 ether);
        vm.prank(sender);
        broker.fundDeposit{value: 2 ether}();
        vm.prank(sender);
        broker.fundDeposit{value: 1 ether}();
        assertEq(_deposit(sender), 3 ether, "deposit");
        assertEq(_reserve(sender), 0, "reserve untouched");
        assertEq(address(broker).balance, 3 ether, "broker balance");
        assertEq(sender.balance, 2 ether, "sender balance");
    }

    function test_fundDeposit_EmitsDepositFunded() public {
        vm.deal(sender, 1 ether);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.DepositFunded(sender, sender, 1 ether);
        vm.prank(sender);
        broker.fundDeposit{value: 1 ether}();
    }

    function test_fundDeposit_CancelsCallersUnlock() public {
        _fund(sender, 1 ether, 0);
        vm.prank(sender);
        broker.unlock();
        vm.deal(sender, 1);
        vm.expectEmit(true, false, false, true, address(broker));
        emit ITicketBroker.UnlockCancelled(sender);
        vm.prank(sender);
        broker.fundDeposit{value: 1}();
        assertEq(_unlockEnd(sender), 0, "unlock cancelled");
        assertFalse(broker.isUnlockInProgress(sender), "not unlocking");
    }

    function test_fundDeposit_RevertWhen_ValueIsZero() public {
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerZeroValue.selector));
        broker.fundDeposit{value: 0}();
    }

    function test_fundDeposit_AcceptsExactly96BitMaximum() public {
        uint256 max = type(uint96).max;
        vm.deal(sender, max);
        vm.prank(sender);
        broker.fundDeposit{value: max}();
        assertEq(_deposit(sender), max, "deposit at the storage limit");
    }

    function test_fundDeposit_RevertWhen_DepositWouldExceed96Bits() public {
        uint256 max = type(uint96).max;
        _fund(sender, max, 0);
        vm.deal(sender, 1);
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerAmountTooLarge.selector, max + 1));
        broker.fundDeposit{value: 1}();
    }
}
