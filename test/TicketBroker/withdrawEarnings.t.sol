// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {RejectingRecipient} from "../../contracts/mocks/RejectingRecipient.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract WithdrawEarningsTest is BrokerTest {
    RejectingRecipient internal rc;

    /// A recipient contract that refuses ether wins one ticket, so FACE is credited to it.
    function setUp() public override {
        super.setUp();
        _fund(sender, 5 ether, 0);
        rc = new RejectingRecipient(broker);
        ITicketBroker.Ticket memory t = _ticket(address(rc), 1);
        rc.redeem(t, _sign(SENDER_KEY, t), RAND);
    }

    function test_withdrawEarnings_SendsCreditToTheGivenAddress() public {
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.EarningsWithdrawn(address(rc), other, FACE);
        rc.withdrawEarnings(payable(other));
        assertEq(other.balance, FACE, "paid out");
        assertEq(broker.creditedEarnings(address(rc)), 0, "credit cleared");
        assertEq(address(broker).balance, 4 ether, "only the sender's deposit remains");
    }

    function test_withdrawEarnings_CanPayTheCallerItself() public {
        rc.setAccepting(true);
        rc.withdrawEarnings(payable(address(rc)));
        assertEq(address(rc).balance, FACE, "paid to itself");
    }

    function test_withdrawEarnings_RevertWhen_ToIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerZeroAddress.selector));
        rc.withdrawEarnings(payable(address(0)));
    }

    function test_withdrawEarnings_RevertWhen_NothingCredited() public {
        vm.prank(other);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerNoFunds.selector, other));
        broker.withdrawEarnings(payable(other));
    }

    function test_withdrawEarnings_RevertWhen_CalledTwice() public {
        rc.withdrawEarnings(payable(other));
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerNoFunds.selector, address(rc)));
        rc.withdrawEarnings(payable(other));
    }

    function test_withdrawEarnings_RevertWhen_DestinationRefuses() public {
        RejectingRecipient sink = new RejectingRecipient(broker);
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.TicketBrokerTransferFailed.selector, address(sink), FACE)
        );
        rc.withdrawEarnings(payable(address(sink)));
        assertEq(broker.creditedEarnings(address(rc)), FACE, "credit kept");
    }
}
