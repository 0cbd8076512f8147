// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract FundReserveTest is BrokerTest {
    function test_fundReserve_AddsValueToCallersReserve() public {
        vm.deal(sender, 5 ether);
        vm.prank(sender);
        broker.fundReserve{value: 2 ether}();
        vm.prank(sender);
        broker.fundReserve{value: 1 ether}();
        assertEq(_reserve(sender), 3 ether, "reserve");
        assertEq(_deposit(sender), 0, "deposit untouched");
        assertEq(address(broker).balance, 3 ether, "broker balance");
    }

    function test_fundReserve_EmitsReserveFunded() public {
        vm.deal(sender, 1 ether);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.ReserveFunded(sender, sender, 1 ether);
        vm.prank(sender);
        broker.fundReserve{value: 1 ether}();
    }

    function test_fundReserve_CancelsCallersUnlock() public {
        _fund(sender, 0, 1 ether);
        vm.prank(sender);
        broker.unlock();
        vm.deal(sender, 1);
        vm.prank(sender);
        broker.fundReserve{value: 1}();
        assertEq(_unlockEnd(sender), 0, "unlock cancelled");
    }

    function test_fundReserve_RevertWhen_ValueIsZero() public {
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerZeroValue.selector));
        broker.fundReserve{value: 0}();
    }

    function test_fundReserve_RevertWhen_ReserveWouldExceed96Bits() public {
        uint256 max = type(uint96).max;
        _fund(sender, 0, max);
        assertEq(_reserve(sender), max, "reserve at the storage limit");
        vm.deal(sender, 1);
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerAmountTooLarge.selector, max + 1));
        broker.fundReserve{value: 1}();
    }
}
