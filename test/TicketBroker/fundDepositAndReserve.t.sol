// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract FundDepositAndReserveTest is BrokerTest {
    function test_fundDepositAndReserve_SplitsValue() public {
        vm.deal(sender, 3 ether);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.DepositFunded(sender, sender, 2 ether);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.ReserveFunded(sender, sender, 1 ether);
        vm.prank(sender);
        broker.fundDepositAndReserve{value: 3 ether}(2 ether, 1 ether);
        assertEq(_deposit(sender), 2 ether, "deposit");
        assertEq(_reserve(sender), 1 ether, "reserve");
        assertEq(address(broker).balance, 3 ether, "broker balance");
    }

    function test_fundDepositAndReserve_OnlyDepositEmitsOnlyDepositFunded() public {
        vm.deal(sender, 1 ether);
        vm.recordLogs();
        vm.prank(sender);
        broker.fundDepositAndReserve{value: 1 ether}(1 ether, 0);
        assertEq(vm.getRecordedLogs().length, 1, "one event");
        assertEq(_deposit(sender), 1 ether, "deposit");
        assertEq(_reserve(sender), 0, "reserve");
    }

    function test_fundDepositAndReserve_RevertWhen_ValueOneBelowSum() public {
        vm.deal(sender, 3 ether);
        vm.prank(sender);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerValueMismatch.selector,
                3 ether - 1,
                2 ether,
                1 ether
            )
        );
        broker.fundDepositAndReserve{value: 3 ether - 1}(2 ether, 1 ether);
    }

    function test_fundDepositAndReserve_RevertWhen_ValueOneAboveSum() public {
        vm.deal(sender, 4 ether);
        vm.prank(sender);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerValueMismatch.selector,
                3 ether + 1,
                2 ether,
                1 ether
            )
        );
        broker.fundDepositAndReserve{value: 3 ether + 1}(2 ether, 1 ether);
    }

    function test_fundDepositAndReserve_RevertWhen_DepositAmountExceedsValue() public {
        vm.deal(sender, 1 ether);
        vm.prank(sender);
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.TicketBrokerValueMismatch.selector, 1 ether, 1 ether + 1, 0)
        );
        broker.fundDepositAndReserve{value: 1 ether}(1 ether + 1, 0);
    }

    function test_fundDepositAndReserve_RevertWhen_AmountsOverflowTheirSum() public {
        // depositAmount + reserveAmount wraps to 1 wei if added unchecked; the split must still fail.
        uint256 huge = type(uint256).max;
        vm.deal(sender, 1);
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerValueMismatch.selector, 1, huge, 2));
        broker.fundDepositAndReserve{value: 1}(huge, 2);
    }

    function test_fundDepositAndReserve_RevertWhen_AllZero() public {
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerZeroValue.selector));
        broker.fundDepositAndReserve{value: 0}(0, 0);
    }

    function test_fundDepositAndReserve_CancelsCallersUnlock() public {
        _fund(sender, 1 ether, 1 ether);
        vm.prank(sender);
        broker.unlock();
        _fund(sender, 1, 1);
        assertEq(_unlockEnd(sender), 0, "unlock cancelled");
    }
}
