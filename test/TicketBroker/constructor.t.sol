// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {IRecipientPool} from "../../contracts/interfaces/IRecipientPool.sol";
import {TicketBroker} from "../../contracts/TicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract ConstructorTest is BrokerTest {
    function test_constructor_StoresParameters() public view {
        assertEq(address(broker.recipientPool()), address(pool), "pool");
        assertEq(broker.unlockPeriod(), UNLOCK_PERIOD, "unlock period");
        assertEq(broker.roundLength(), ROUND_LENGTH, "round length");
    }

    function test_constructor_AcceptsOneSecondAndOneYear() public {
        TicketBroker b = new TicketBroker(pool, 1, 365 days);
        assertEq(b.unlockPeriod(), 1, "min unlock period");
        assertEq(b.roundLength(), 365 days, "max round length");
        b = new TicketBroker(pool, 365 days, 1);
        assertEq(b.unlockPeriod(), 365 days, "max unlock period");
        assertEq(b.roundLength(), 1, "min round length");
    }

    function test_constructor_RevertWhen_PoolIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(TicketBroker.TicketBrokerInvalidRecipientPool.selector));
        new TicketBroker(IRecipientPool(address(0)), UNLOCK_PERIOD, ROUND_LENGTH);
    }

    function test_constructor_RevertWhen_UnlockPeriodIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(TicketBroker.TicketBrokerInvalidUnlockPeriod.selector, 0));
        new TicketBroker(pool, 0, ROUND_LENGTH);
    }

    function test_constructor_RevertWhen_UnlockPeriodExceedsOneYear() public {
        vm.expectRevert(
            abi.encodeWithSelector(TicketBroker.TicketBrokerInvalidUnlockPeriod.selector, 365 days + 1)
        );
        new TicketBroker(pool, 365 days + 1, ROUND_LENGTH);
    }

    function test_constructor_RevertWhen_RoundLengthIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(TicketBroker.TicketBrokerInvalidRoundLength.selector, 0));
        new TicketBroker(pool, UNLOCK_PERIOD, 0);
    }

    function test_constructor_RevertWhen_RoundLengthExceedsOneYear() public {
        vm.expectRevert(
            abi.encodeWithSelector(TicketBroker.TicketBrokerInvalidRoundLength.selector, 365 days + 1)
        );
        new TicketBroker(pool, UNLOCK_PERIOD, 365 days + 1);
    }
}
