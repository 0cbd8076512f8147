// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {ReentrantRecipient} from "../../contracts/mocks/ReentrantRecipient.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/**
 * A recipient contract re-enters the broker from receive() while its payout is being sent,
 * hoping to be paid twice or to redeem against state that is not yet updated. Every payout
 * must be paid or credited exactly once and the broker must stay solvent.
 */
contract ReentrantRecipientAttack is BrokerTest {
    ReentrantRecipient internal attacker;
    ITicketBroker.Ticket internal first;
    ITicketBroker.Ticket internal second;

    function setUp() public override {
        super.setUp();
        _fund(sender, 5 ether, 0);
        attacker = new ReentrantRecipient(broker);
        first = _ticket(address(attacker), 1);
        second = _ticket(address(attacker), 2);
    }

    /// What the attacker got, paid or credited.
    function _received() internal view returns (uint256) {
        return address(attacker).balance + broker.creditedEarnings(address(attacker));
    }

    function _assertSolvent() internal view {
        assertEq(
            address(broker).balance,
            _deposit(sender) + _reserve(sender) + broker.creditedEarnings(address(attacker)),
            "broker holds exactly what it owes"
        );
    }

    function _attack(ReentrantRecipient.Mode mode, bool swallow) internal {
        attacker.arm(mode, swallow, second, _sign(SENDER_KEY, second), RAND);
        attacker.redeem(first, _sign(SENDER_KEY, first), RAND);
    }

    function test_attack_ReenteringRedeemIsCreditedOnce() public {
        _attack(ReentrantRecipient.Mode.Redeem, false);
        assertEq(_received(), FACE, "first ticket paid once, as a credit");
        assertEq(broker.creditedEarnings(address(attacker)), FACE, "credited because receive reverted");
        assertEq(broker.highestRedeemedNonce(sender, address(attacker)), 1, "second ticket not redeemed");
        assertEq(_deposit(sender), 4 ether, "debited once");
        _assertSolvent();
    }

    function test_attack_SwallowedReentryStillPaysOnce() public {
        _attack(ReentrantRecipient.Mode.Redeem, true);
        assertEq(attacker.reentryAttempts(), 1, "re-entry attempted");
        assertEq(attacker.reentrySuccesses(), 0, "re-entry refused");
        assertEq(address(attacker).balance, FACE, "paid once");
        assertEq(broker.creditedEarnings(address(attacker)), 0, "nothing credited");
        _assertSolvent();
        // The second ticket is still good on its own.
        attacker.arm(ReentrantRecipient.Mode.None, false, second, "", 0);
        attacker.redeem(second, _sign(SENDER_KEY, second), RAND);
        assertEq(address(attacker).balance, 2 * FACE, "second ticket paid normally");
        _assertSolvent();
    }

    function test_attack_ReenteringBatchRedemptionIsRefused() public {
        _attack(ReentrantRecipient.Mode.RedeemBatch, true);
        assertEq(attacker.reentrySuccesses(), 0, "batch re-entry refused");
        assertEq(_received(), FACE, "paid once");
        _assertSolvent();
    }

    function test_attack_ReenteringWithdrawEarningsCannotDoubleSpendACredit() public {
        // First payout is credited (receive reverts on a failed re-entry) ...
        _attack(ReentrantRecipient.Mode.Redeem, false);
        assertEq(broker.creditedEarnings(address(attacker)), FACE, "credited");
        // ... then withdrawing it to itself re-enters withdrawEarnings from receive().
        attacker.arm(ReentrantRecipient.Mode.WithdrawEarnings, true, second, "", 0);
        attacker.withdrawEarnings(payable(address(attacker)));
        assertEq(attacker.reentrySuccesses(), 0, "re-entry refused");
        assertEq(address(attacker).balance, FACE, "credit paid once");
        assertEq(broker.creditedEarnings(address(attacker)), 0, "credit cleared");
        _assertSolvent();
    }

    /// The earnings payout is made with the guard held: redeeming from its receive() is refused.
    function test_attack_RedeemingFromAnEarningsPayoutIsRefused() public {
        // First payout: receive() re-enters, fails and reverts, so the face value is credited.
        attacker.arm(ReentrantRecipient.Mode.Redeem, false, second, _sign(SENDER_KEY, second), RAND);
        attacker.redeem(first, _sign(SENDER_KEY, first), RAND);
        assertEq(broker.creditedEarnings(address(attacker)), FACE, "credited");
        // Withdrawing the credit to itself: receive() tries to redeem the second ticket.
        attacker.arm(ReentrantRecipient.Mode.Redeem, true, second, _sign(SENDER_KEY, second), RAND);
        attacker.withdrawEarnings(payable(address(attacker)));
        assertEq(attacker.reentrySuccesses(), 0, "re-entry refused");
        assertEq(address(attacker).balance, FACE, "only the credit paid");
        assertEq(broker.highestRedeemedNonce(sender, address(attacker)), 1, "second ticket not redeemed");
    }

    /// A sender's withdrawal is paid with the guard held: redeeming from its receive() is refused.
    function test_attack_RedeemingFromAWithdrawalPayoutIsRefused() public {
        ITicketBroker.Ticket memory t = _ticket(address(attacker), 1);
        t.expiry = block.timestamp + 2 * UNLOCK_PERIOD;
        bytes memory sig = _sign(SENDER_KEY, t);
        vm.deal(address(this), 2 ether);
        attacker.fundDeposit{value: 2 ether}();
        attacker.unlock();
        vm.warp(block.timestamp + UNLOCK_PERIOD);
        attacker.arm(ReentrantRecipient.Mode.Redeem, true, t, sig, RAND);
        attacker.withdraw();
        assertEq(attacker.reentryAttempts(), 1, "receive() tried to re-enter");
        assertEq(attacker.reentrySuccesses(), 0, "re-entry refused");
        assertEq(address(attacker).balance, 2 ether, "only its own deposit paid");
        // The ticket it tried to redeem is untouched and redeems normally afterwards.
        attacker.redeem(t, sig, RAND);
        assertEq(address(attacker).balance, 2 ether + FACE, "ticket paid once");
    }

    function test_attack_FailedWithdrawalKeepsTheCredit() public {
        _attack(ReentrantRecipient.Mode.Redeem, false);
        attacker.arm(ReentrantRecipient.Mode.WithdrawEarnings, false, second, "", 0);
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.TicketBrokerTransferFailed.selector, address(attacker), FACE)
        );
        attacker.withdrawEarnings(payable(address(attacker)));
        assertEq(broker.creditedEarnings(address(attacker)), FACE, "credit kept");
        _assertSolvent();
    }
}
