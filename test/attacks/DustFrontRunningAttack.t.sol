// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/**
 * The sender sees a recipient's redemption in the mempool and front-runs it by paying a dust
 * ticket to an accomplice, leaving its deposit just below the face value. Livepeer then paid
 * the honest recipient what was left and consumed the ticket (PR #657, issue #663). Here the
 * honest redemption must revert without consuming the ticket, and must later be paid in full.
 */
contract DustFrontRunningAttack is BrokerTest {
    /// Controlled by the sender; it receives the dust ticket.
    address internal accomplice = vm.addr(0xACC);

    ITicketBroker.Ticket internal honest;
    bytes internal honestSig;

    function setUp() public override {
        super.setUp();
        honest = _ticket(recipient, 1);
        honestSig = _sign(SENDER_KEY, honest);
    }

    function _frontRun(uint256 dust) internal {
        ITicketBroker.Ticket memory t = _ticket(accomplice, 1);
        t.faceValue = dust;
        _redeem(t);
    }

    function test_attack_DrainedDepositRevertsAndKeepsTheTicket() public {
        _fund(sender, FACE, 0);
        _frontRun(1);
        _expectRedeemRevert(
            honest,
            honestSig,
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerInsufficientFunds.selector,
                sender,
                FACE - 1,
                FACE
            )
        );
        assertEq(recipient.balance, 0, "not paid the remainder");
        assertEq(broker.highestRedeemedNonce(sender, recipient), 0, "ticket not consumed");
        assertEq(_deposit(sender), FACE - 1, "remainder untouched");

        // Funds return (here a third party tops the sender up): the ticket is paid in full.
        vm.deal(funder, 1);
        vm.prank(funder);
        broker.fundDepositAndReserveFor{value: 1}(sender, 1, 0);
        vm.prank(recipient);
        broker.redeemWinningTicket(honest, honestSig, RAND);
        assertEq(recipient.balance, FACE, "paid exactly the face value");
    }

    function test_attack_ReserveCoversTheDustGap() public {
        _fund(sender, FACE, 3 ether);
        _frontRun(0.1 ether);
        vm.prank(recipient);
        broker.redeemWinningTicket(honest, honestSig, RAND);
        assertEq(recipient.balance, FACE, "paid in full");
        assertEq(_reserve(sender), 3 ether - 0.1 ether, "gap taken from the reserve");
    }

    function test_attack_UnlockRightBeforeRedemptionDoesNotBlockIt() public {
        _fund(sender, FACE, 0);
        vm.prank(sender);
        broker.unlock();
        vm.prank(recipient);
        broker.redeemWinningTicket(honest, honestSig, RAND);
        assertEq(recipient.balance, FACE, "paid while the unlock runs");
    }

    /// Whatever the sender leaves behind, the honest ticket is paid exactly its face value or not at all.
    function testFuzz_attack_NeverPaysLessThanFaceValue(uint96 deposit, uint96 reserve, uint96 dust) public {
        uint256 d = bound(deposit, 1, 10 ether);
        uint256 r = bound(reserve, 0, 10 ether);
        uint256 x = bound(dust, 0, d);
        _fund(sender, d, r);
        _frontRun(x);
        uint256 claimable = broker.claimableReserve(sender, recipient);
        uint256 depositLeft = _deposit(sender);
        vm.prank(recipient);
        try broker.redeemWinningTicket(honest, honestSig, RAND) {
            assertEq(recipient.balance, FACE, "paid exactly the face value");
            assertLe(FACE, depositLeft + claimable, "only paid when covered");
            assertEq(broker.highestRedeemedNonce(sender, recipient), 1, "consumed when paid");
        } catch (bytes memory reason) {
            assertEq(
                reason,
                abi.encodeWithSelector(
                    ITicketBroker.TicketBrokerInsufficientFunds.selector,
                    sender,
                    depositLeft + claimable,
                    FACE
                ),
                "only for lack of funds"
            );
            assertTrue(depositLeft + claimable < FACE, "refused only when not covered");
            assertEq(recipient.balance, 0, "nothing paid");
            assertEq(broker.highestRedeemedNonce(sender, recipient), 0, "not consumed");
        }
    }
}
