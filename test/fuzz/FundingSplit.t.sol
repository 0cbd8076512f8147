// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/// Funding accepts exactly msg.value == depositAmount + reserveAmount and moves balances exactly.
contract FundingSplitFuzzTest is BrokerTest {
    /// `value` is the exact sum when `exact`, else anything; amounts may be any uint256.
    function _fuzzSplit(
        address caller,
        address target,
        uint256 depositAmount,
        uint256 reserveAmount,
        uint256 value,
        bool exact
    ) internal {
        if (exact) {
            depositAmount = bound(depositAmount, 0, type(uint96).max - 1);
            // The target already holds 1 wei of reserve (below).
            reserveAmount = bound(reserveAmount, 0, type(uint96).max - 1 - depositAmount);
            value = depositAmount + reserveAmount;
        } else {
            value = bound(value, 0, uint256(type(uint96).max) * 2);
        }
        _fund(target, 0, 1); // pre-existing state to add to
        vm.prank(target);
        broker.unlock();
        uint256 unlockEnd = _unlockEnd(target);
        vm.deal(caller, value);
        uint256 brokerBefore = address(broker).balance;
        bool sumMatches = depositAmount <= value && value - depositAmount == reserveAmount;
        vm.prank(caller);
        try broker.fundDepositAndReserveFor{value: value}(target, depositAmount, reserveAmount) {
            assertTrue(sumMatches && value != 0, "accepted only the exact, non-zero sum");
            assertEq(address(broker).balance - brokerBefore, value, "broker received value");
            assertEq(caller.balance, 0, "caller paid value");
            assertEq(_deposit(target), depositAmount, "deposit moved exactly");
            assertEq(_reserve(target), 1 + reserveAmount, "reserve moved exactly");
            assertEq(_unlockEnd(target), caller == target ? 0 : unlockEnd, "only self-funding cancels");
        } catch (bytes memory reason) {
            bytes memory expected =
                !sumMatches
                    ? abi.encodeWithSelector(
                        ITicketBroker.TicketBrokerValueMismatch.selector,
                        value,
                        depositAmount,
                        reserveAmount
                    )
                    : abi.encodeWithSelector(ITicketBroker.TicketBrokerZeroValue.selector);
            assertEq(reason, expected, "refused for the right reason");
            assertEq(address(broker).balance, brokerBefore, "nothing moved");
            assertEq(caller.balance, value, "caller kept its ether");
        }
    }

    function testFuzz_fundDepositAndReserve_AcceptedIffExactSum(
        uint256 depositAmount,
        uint256 reserveAmount,
        uint256 value,
        bool exact
    ) public {
        _fuzzSplit(sender, sender, depositAmount, reserveAmount, value, exact);
    }

    function testFuzz_fundDepositAndReserveFor_AcceptedIffExactSum(
        uint256 depositAmount,
        uint256 reserveAmount,
        uint256 value,
        bool exact
    ) public {
        _fuzzSplit(funder, sender, depositAmount, reserveAmount, value, exact);
    }

    function testFuzz_fundDepositAndReserve_OffByOneRefused(
        uint96 depositAmount,
        uint96 reserveAmount,
        bool up
    ) public {
        uint256 sum = uint256(depositAmount) + reserveAmount;
        vm.assume(up || sum != 0);
        uint256 value = up ? sum + 1 : sum - 1;
        vm.deal(sender, value);
        vm.prank(sender);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerValueMismatch.selector,
                value,
                depositAmount,
                reserveAmount
            )
        );
        broker.fundDepositAndReserve{value: value}(depositAmount, reserveAmount);
    }

    function testFuzz_fundDepositThenReserve_Accumulate(uint64 a, uint64 b, uint64 c) public {
        vm.assume(a != 0 && b != 0 && c != 0);
        vm.deal(sender, uint256(a) + b + c);
        vm.startPrank(sender);
        broker.fundDeposit{value: a}();
        broker.fundReserve{value: b}();
        broker.fundDeposit{value: c}();
        vm.stopPrank();
        assertEq(_deposit(sender), uint256(a) + c, "deposit");
        assertEq(_reserve(sender), b, "reserve");
        assertEq(address(broker).balance, uint256(a) + b + c, "held");
    }
}
