// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {RejectingRecipient} from "../../contracts/mocks/RejectingRecipient.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";
import {Vm} from "../utils/Vm.sol";

contract RedeemWinningTicketsTest is BrokerTest {
    function _batch(uint256 n) internal view returns (ITicketBroker.SignedTicket[] memory batch) {
        batch = new ITicketBroker.SignedTicket[](n);
        for (uint256 i = 0; i < n; ++i) batch[i] = _signed(_ticket(recipient, i + 1), SENDER_KEY);
    }

    function _redeemBatch(ITicketBroker.SignedTicket[] memory batch) internal returns (uint256 paid) {
        vm.prank(recipient);
        paid = broker.redeemWinningTickets(batch);
    }

    function test_redeemWinningTickets_PaysEveryTicket() public {
        _fund(sender, 10 ether, 0);
        uint256 paid = _redeemBatch(_batch(3));
        assertEq(paid, 3 * FACE, "returned total");
        assertEq(recipient.balance, 3 * FACE, "received total");
        assertEq(_deposit(sender), 7 ether, "deposit debited");
        assertEq(broker.highestRedeemedNonce(sender, recipient), 3, "highest nonce");
    }

    function test_redeemWinningTickets_PaysTheTotalInOneTransfer() public {
        _fund(sender, 10 ether, 0);
        RejectingRecipient rc = new RejectingRecipient(broker);
        rc.setAccepting(true);
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](4);
        for (uint256 i = 0; i < 4; ++i) batch[i] = _signed(_ticket(address(rc), i + 1), SENDER_KEY);
        uint256 paid = rc.redeemBatch(batch);
        assertEq(paid, 4 * FACE, "returned total");
        assertEq(address(rc).balance, 4 * FACE, "received total");
        assertEq(rc.receipts(), 1, "one transfer");
    }

    function test_redeemWinningTickets_EmptyBatchPaysNothing() public {
        vm.recordLogs();
        uint256 paid = _redeemBatch(new ITicketBroker.SignedTicket[](0));
        assertEq(paid, 0, "nothing paid");
        assertEq(vm.getRecordedLogs().length, 0, "no events");
    }

    function test_redeemWinningTickets_FailureEmitsReasonAndTicketStaysRedeemable() public {
        _fund(sender, 10 ether, 0);
        ITicketBroker.SignedTicket[] memory batch = _batch(2);
        batch[1].recipientRand = RAND + 1;
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.TicketRedemptionFailed(
            sender,
            recipient,
            1,
            2,
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerRandMismatch.selector,
                batch[1].ticket.recipientRandHash,
                RAND + 1
            )
        );
        uint256 paid = _redeemBatch(batch);
        assertEq(paid, FACE, "only the good ticket");
        assertEq(broker.highestRedeemedNonce(sender, recipient), 1, "failed nonce not consumed");
        batch[1].recipientRand = RAND;
        vm.prank(recipient);
        broker.redeemWinningTicket(batch[1].ticket, batch[1].signature, RAND);
        assertEq(recipient.balance, 2 * FACE, "failed ticket redeemed later");
    }

    function test_redeemWinningTickets_OneBadTicketDoesNotBlockTheRest() public {
        _fund(sender, 10 ether, 0);
        ITicketBroker.SignedTicket[] memory batch = _batch(3);
        batch[0].signature = _sign(OTHER_KEY, batch[0].ticket);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.TicketRedemptionFailed(
            sender,
            recipient,
            0,
            1,
            abi.encodeWithSelector(ITicketBroker.TicketBrokerUnauthorizedSigner.selector, sender, other)
        );
        uint256 paid = _redeemBatch(batch);
        assertEq(paid, 2 * FACE, "tickets 2 and 3 paid");
        assertEq(broker.highestRedeemedNonce(sender, recipient), 3, "highest nonce");
    }

    function test_redeemWinningTickets_RefusesDescendingNonces() public {
        _fund(sender, 10 ether, 0);
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](2);
        batch[0] = _signed(_ticket(recipient, 3), SENDER_KEY);
        batch[1] = _signed(_ticket(recipient, 2), SENDER_KEY);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.TicketRedemptionFailed(
            sender,
            recipient,
            1,
            2,
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerNonceAlreadyRedeemed.selector,
                sender,
                recipient,
                2,
                3
            )
        );
        assertEq(_redeemBatch(batch), FACE, "only nonce 3");
    }

    function test_redeemWinningTickets_SameTicketTwicePaysOnce() public {
        _fund(sender, 10 ether, 0);
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](2);
        batch[0] = _signed(_ticket(recipient, 1), SENDER_KEY);
        batch[1] = batch[0];
        assertEq(_redeemBatch(batch), FACE, "paid once");
        assertEq(_deposit(sender), 9 ether, "debited once");
    }

    function test_redeemWinningTickets_StopsPayingWhenFundsRunOut() public {
        _fund(sender, 2 * FACE, 0);
        ITicketBroker.SignedTicket[] memory batch = _batch(3);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.TicketRedemptionFailed(
            sender,
            recipient,
            2,
            3,
            abi.encodeWithSelector(ITicketBroker.TicketBrokerInsufficientFunds.selector, sender, 0, FACE)
        );
        assertEq(_redeemBatch(batch), 2 * FACE, "two paid in full, none partially");
        assertEq(broker.highestRedeemedNonce(sender, recipient), 2, "third nonce untouched");
    }

    function test_redeemWinningTickets_SkipsLaterTicketsOfASenderThatCouldNotPay() public {
        _fund(sender, FACE + FACE / 2, 0);
        _fund(other, 5 ether, 0);
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](3);
        ITicketBroker.Ticket memory big = _ticket(recipient, 1);
        big.faceValue = 2 * FACE;
        batch[0] = _signed(big, SENDER_KEY);
        // Payable on its own, but paying nonce 2 would leave the unpaid nonce 1 below the mark.
        batch[1] = _signed(_ticket(recipient, 2), SENDER_KEY);
        ITicketBroker.Ticket memory fromOther = _ticket(recipient, 1);
        fromOther.sender = other;
        batch[2] = _signed(fromOther, OTHER_KEY);

        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.TicketRedemptionFailed(
            sender,
            recipient,
            0,
            1,
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerInsufficientFunds.selector,
                sender,
                FACE + FACE / 2,
                2 * FACE
            )
        );
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.TicketRedemptionFailed(
            sender,
            recipient,
            1,
            2,
            abi.encodeWithSelector(ITicketBroker.TicketBrokerEarlierTicketUnpaid.selector, sender, 0)
        );
        assertEq(_redeemBatch(batch), FACE, "only the other sender's ticket");
        assertEq(broker.highestRedeemedNonce(sender, recipient), 0, "no nonce of the sender consumed");
        assertEq(_deposit(sender), FACE + FACE / 2, "sender untouched");

        // Once the sender can pay, the unpaid winner and then the skipped one redeem in order.
        _fund(sender, FACE + FACE / 2, 0);
        vm.startPrank(recipient);
        broker.redeemWinningTicket(batch[0].ticket, batch[0].signature, RAND);
        broker.redeemWinningTicket(batch[1].ticket, batch[1].signature, RAND);
        vm.stopPrank();
        assertEq(broker.highestRedeemedNonce(sender, recipient), 2, "both redeemed");
    }

    function test_redeemWinningTickets_ReserveClaimsRespectTheAllocation() public {
        _fund(sender, 0, 3 ether);
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](2);
        for (uint256 i = 0; i < 2; ++i) {
            ITicketBroker.Ticket memory t = _ticket(recipient, i + 1);
            t.faceValue = 0.6 ether;
            batch[i] = _signed(t, SENDER_KEY);
        }
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.TicketRedemptionFailed(
            sender,
            recipient,
            1,
            2,
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerInsufficientFunds.selector,
                sender,
                0.4 ether,
                0.6 ether
            )
        );
        assertEq(_redeemBatch(batch), 0.6 ether, "second exceeds the remaining share");
        assertEq(_reserve(sender), 2.4 ether, "reserve debited once");
    }

    function test_redeemWinningTickets_MixesSenders() public {
        _fund(sender, 5 ether, 0);
        _fund(other, 5 ether, 0);
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](2);
        batch[0] = _signed(_ticket(recipient, 1), SENDER_KEY);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.sender = other;
        t.faceValue = 2 ether;
        batch[1] = _signed(t, OTHER_KEY);
        assertEq(_redeemBatch(batch), 3 ether, "both paid");
        assertEq(_deposit(sender), 4 ether, "sender debited");
        assertEq(_deposit(other), 3 ether, "other debited");
    }

    function test_redeemWinningTickets_ReportsTicketsForAnotherRecipient() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](1);
        batch[0] = _signed(_ticket(recipient2, 1), SENDER_KEY);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.TicketRedemptionFailed(
            sender,
            recipient2,
            0,
            1,
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerCallerNotRecipient.selector,
                recipient,
                recipient2
            )
        );
        assertEq(_redeemBatch(batch), 0, "nothing paid");
        assertEq(recipient.balance, 0, "no transfer");
        assertEq(broker.creditedEarnings(recipient), 0, "no credit");
    }

    function test_redeemWinningTickets_CreditsTheTotalOnceWhenTransferFails() public {
        _fund(sender, 10 ether, 0);
        RejectingRecipient rc = new RejectingRecipient(broker);
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](3);
        for (uint256 i = 0; i < 3; ++i) batch[i] = _signed(_ticket(address(rc), i + 1), SENDER_KEY);
        vm.recordLogs();
        rc.redeemBatch(batch);
        assertEq(broker.creditedEarnings(address(rc)), 3 * FACE, "credited total");
        // One EarningsCredited event for the whole batch.
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 credits;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] == ITicketBroker.EarningsCredited.selector) ++credits;
        }
        assertEq(credits, 1, "one credit event");
    }
}
