// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract UnlockTest is BrokerTest {
    function test_unlock_SetsUnlockEndOnePeriodAhead() public {
        _fund(sender, 1 ether, 0);
        vm.expectEmit(true, false, false, true, address(broker));
        emit ITicketBroker.UnlockStarted(sender, START + UNLOCK_PERIOD);
        vm.prank(sender);
        broker.unlock();
        assertEq(_unlockEnd(sender), START + UNLOCK_PERIOD, "unlockEnd");
        assertEq(_deposit(sender), 1 ether, "funds stay");
    }

    function test_unlock_WorksWithOnlyAReserve() public {
        _fund(sender, 0, 1);
        vm.prank(sender);
        broker.unlock();
        assertEq(_unlockEnd(sender), START + UNLOCK_PERIOD, "unlockEnd");
    }

    function test_unlock_InProgressUntilTheExactSecond() public {
        _fund(sender, 1 ether, 0);
        vm.prank(sender);
        broker.unlock();
        vm.warp(START + UNLOCK_PERIOD - 1);
        assertTrue(broker.isUnlockInProgress(sender), "in progress one second before the end");
        vm.warp(START + UNLOCK_PERIOD);
        assertFalse(broker.isUnlockInProgress(sender), "complete at unlockEnd");
    }

    function test_unlock_RevertWhen_NoFunds() public {
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerNoFunds.selector, sender));
        broker.unlock();
    }

    function test_unlock_RevertWhen_AlreadyUnlocking() public {
        _fund(sender, 1 ether, 0);
        vm.prank(sender);
        broker.unlock();
        vm.warp(START + 10);
        vm.prank(sender);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerAlreadyUnlocking.selector,
                sender,
                START + UNLOCK_PERIOD
            )
        );
        broker.unlock();
    }

    function test_unlock_RevertWhen_UnlockAlreadyComplete() public {
        _fund(sender, 1 ether, 0);
        vm.prank(sender);
        broker.unlock();
        vm.warp(START + UNLOCK_PERIOD + 1);
        vm.prank(sender);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerAlreadyUnlocking.selector,
                sender,
                START + UNLOCK_PERIOD
            )
        );
        broker.unlock();
    }
}
