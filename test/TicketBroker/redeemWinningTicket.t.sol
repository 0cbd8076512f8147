// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {RejectingRecipient} from "../../contracts/mocks/RejectingRecipient.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract RedeemWinningTicketTest is BrokerTest {
    // ---------------------------------------------------------------------------------------
    // Payment from the deposit
    // ---------------------------------------------------------------------------------------

    function test_redeemWinningTicket_PaysFaceValueFromDeposit() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.WinningTicketRedeemed(sender, recipient, 1, FACE);
        _redeem(t);
        assertEq(recipient.balance, FACE, "recipient paid face value");
        assertEq(_deposit(sender), 4 ether, "deposit debited");
        assertEq(address(broker).balance, 4 ether, "broker balance");
        assertEq(broker.highestRedeemedNonce(sender, recipient), 1, "nonce recorded");
    }

    function test_redeemWinningTicket_PaysWhenFaceValueEqualsDeposit() public {
        _fund(sender, FACE, 3 ether);
        vm.recordLogs();
        _redeem(_ticket(recipient, 1));
        assertEq(vm.getRecordedLogs().length, 1, "only WinningTicketRedeemed: no reserve claim");
        assertEq(recipient.balance, FACE, "paid");
        assertEq(_deposit(sender), 0, "deposit emptied");
        assertEq(_reserve(sender), 3 ether, "reserve untouched");
    }

    function test_redeemWinningTicket_DepositPlusOnePaysOneWeiFromReserve() public {
        _fund(sender, FACE, 3 ether);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.faceValue = FACE + 1;
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.ReserveClaimed(sender, recipient, 1);
        _redeem(t);
        assertEq(recipient.balance, FACE + 1, "paid in full");
        assertEq(_deposit(sender), 0, "deposit emptied");
        assertEq(_reserve(sender), 3 ether - 1, "one wei from the reserve");
        assertEq(broker.claimableReserve(sender, recipient), 1 ether - 1, "allocation reduced by the claim");
    }

    function test_redeemWinningTicket_RevertWhen_DepositPlusOneAndNoReserve() public {
        _fund(sender, FACE, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.faceValue = FACE + 1;
        bytes memory sig = _sign(SENDER_KEY, t);
        _expectRedeemRevert(
            t,
            sig,
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerInsufficientFunds.selector,
                sender,
                FACE,
                FACE + 1
            )
        );
        assertEq(broker.highestRedeemedNonce(sender, recipient), 0, "nonce not consumed");
        assertEq(_deposit(sender), FACE, "deposit untouched");
        // The ticket stays redeemable: once one more wei arrives it is paid in full.
        _fund(sender, 1, 0);
        vm.prank(recipient);
        broker.redeemWinningTicket(t, sig, RAND);
        assertEq(recipient.balance, FACE + 1, "paid in full later");
        assertEq(_deposit(sender), 0, "deposit emptied");
    }

    function test_redeemWinningTicket_RevertWhen_RecipientIneligibleForReserve() public {
        _fund(sender, FACE, 3 ether);
        ITicketBroker.Ticket memory t = _ticket(outsider, 1);
        t.faceValue = FACE + 1;
        _expectRedeemRevert(
            t,
            _sign(SENDER_KEY, t),
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerInsufficientFunds.selector,
                sender,
                FACE,
                FACE + 1
            )
        );
        assertEq(_reserve(sender), 3 ether, "reserve untouched");
    }

    function test_redeemWinningTicket_ZeroFaceValueConsumesNonceAndPaysNothing() public {
        ITicketBroker.Ticket memory t = _ticket(recipient, 7);
        t.faceValue = 0;
        _redeem(t);
        assertEq(recipient.balance, 0, "nothing paid");
        assertEq(broker.highestRedeemedNonce(sender, recipient), 7, "nonce consumed");
    }

    // ---------------------------------------------------------------------------------------
    // Payment from the reserve allocation
    // ---------------------------------------------------------------------------------------

    function test_redeemWinningTicket_PaysExactlyTheShareFromReserve() public {
        // 3 ether reserve shared by 3 eligible recipients: 1 ether each this round.
        _fund(sender, 0, 3 ether);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.faceValue = 1 ether;
        _redeem(t);
        assertEq(recipient.balance, 1 ether, "share paid");
        assertEq(_reserve(sender), 2 ether, "reserve debited");
        assertEq(broker.claimableReserve(sender, recipient), 0, "share used up");
        assertEq(broker.claimableReserve(sender, recipient2), 1 ether, "others keep their share");
    }

    function test_redeemWinningTicket_RevertWhen_FaceValueIsShareplusOne() public {
        _fund(sender, 0, 3 ether);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.faceValue = 1 ether + 1;
        _expectRedeemRevert(
            t,
            _sign(SENDER_KEY, t),
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerInsufficientFunds.selector,
                sender,
                1 ether,
                1 ether + 1
            )
        );
        assertEq(_reserve(sender), 3 ether, "reserve untouched");
    }

    function test_redeemWinningTicket_AllocationIsCumulativeWithinARound() public {
        _fund(sender, 0, 3 ether);
        ITicketBroker.Ticket memory t1 = _ticket(recipient, 1);
        t1.faceValue = 0.4 ether;
        _redeem(t1);
        ITicketBroker.Ticket memory t2 = _ticket(recipient, 2);
        t2.faceValue = 0.6 ether;
        _redeem(t2);
        ITicketBroker.Ticket memory t3 = _ticket(recipient, 3);
        t3.faceValue = 1;
        _expectRedeemRevert(
            t3,
            _sign(SENDER_KEY, t3),
            abi.encodeWithSelector(ITicketBroker.TicketBrokerInsufficientFunds.selector, sender, 0, 1)
        );
        // Others' shares are computed from the round's starting reserve, not from what is left.
        assertEq(broker.claimableReserve(sender, recipient2), 1 ether, "recipient2 share intact");
    }

    function test_redeemWinningTicket_NewRoundRenewsTheAllocation() public {
        _fund(sender, 0, 3 ether);
        ITicketBroker.Ticket memory t1 = _ticket(recipient, 1);
        t1.faceValue = 1 ether;
        _redeem(t1);
        uint256 nextRound = _nextRoundStart();
        vm.warp(nextRound - 1);
        assertEq(broker.claimableReserve(sender, recipient), 0, "still the old round");
        vm.warp(nextRound);
        // New round: 2 ether left, shared by 3.
        assertEq(broker.claimableReserve(sender, recipient), uint256(2 ether) / 3, "new share");
        ITicketBroker.Ticket memory t2 = _ticket(recipient, 2);
        t2.faceValue = uint256(2 ether) / 3;
        _redeem(t2);
        assertEq(recipient.balance, 1 ether + uint256(2 ether) / 3, "paid again in the new round");
    }

    function test_redeemWinningTicket_RevertWhen_PoolIsEmpty() public {
        _fund(sender, 0, 3 ether);
        vm.startPrank(poolOwner);
        pool.removeRecipient(recipient);
        pool.removeRecipient(recipient2);
        pool.removeRecipient(recipient3);
        vm.stopPrank();
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        _expectRedeemRevert(
            t,
            _sign(SENDER_KEY, t),
            abi.encodeWithSelector(ITicketBroker.TicketBrokerInsufficientFunds.selector, sender, 0, FACE)
        );
    }

    // ---------------------------------------------------------------------------------------
    // Validation
    // ---------------------------------------------------------------------------------------

    function test_redeemWinningTicket_RevertWhen_CallerIsNotRecipient() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        bytes memory sig = _sign(SENDER_KEY, t);
        vm.prank(other);
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.TicketBrokerCallerNotRecipient.selector, other, recipient)
        );
        broker.redeemWinningTicket(t, sig, RAND);
    }

    function test_redeemWinningTicket_RedeemableAtTheExactExpiry() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        vm.warp(t.expiry);
        _redeem(t);
        assertEq(recipient.balance, FACE, "paid at block.timestamp == expiry");
    }

    function test_redeemWinningTicket_RevertWhen_OneSecondAfterExpiry() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        bytes memory sig = _sign(SENDER_KEY, t);
        vm.warp(t.expiry + 1);
        _expectRedeemRevert(
            t,
            sig,
            abi.encodeWithSelector(ITicketBroker.TicketBrokerTicketExpired.selector, t.expiry, t.expiry + 1)
        );
    }

    function test_redeemWinningTicket_RevertWhen_RandDoesNotMatchCommitment() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        bytes memory sig = _sign(SENDER_KEY, t);
        vm.prank(recipient);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerRandMismatch.selector,
                t.recipientRandHash,
                RAND + 1
            )
        );
        broker.redeemWinningTicket(t, sig, RAND + 1);
    }

    function test_redeemWinningTicket_RevertWhen_NonceEqualsStored() public {
        _fund(sender, 5 ether, 0);
        _redeem(_ticket(recipient, 5));
        ITicketBroker.Ticket memory t = _ticket(recipient, 5);
        t.workId = keccak256("another ticket with the same nonce");
        _expectRedeemRevert(
            t,
            _sign(SENDER_KEY, t),
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerNonceAlreadyRedeemed.selector,
                sender,
                recipient,
                5,
                5
            )
        );
    }

    function test_redeemWinningTicket_RevertWhen_NonceBelowStored() public {
        _fund(sender, 5 ether, 0);
        _redeem(_ticket(recipient, 5));
        ITicketBroker.Ticket memory t = _ticket(recipient, 4);
        _expectRedeemRevert(
            t,
            _sign(SENDER_KEY, t),
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerNonceAlreadyRedeemed.selector,
                sender,
                recipient,
                4,
                5
            )
        );
    }

    function test_redeemWinningTicket_AcceptsStoredNoncePlusOneAndGaps() public {
        _fund(sender, 5 ether, 0);
        _redeem(_ticket(recipient, 5));
        _redeem(_ticket(recipient, 6));
        assertEq(broker.highestRedeemedNonce(sender, recipient), 6, "stored + 1");
        _redeem(_ticket(recipient, 100));
        assertEq(broker.highestRedeemedNonce(sender, recipient), 100, "gap allowed");
    }

    function test_redeemWinningTicket_RevertWhen_NonceIsZero() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 0);
        _expectRedeemRevert(
            t,
            _sign(SENDER_KEY, t),
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerNonceAlreadyRedeemed.selector,
                sender,
                recipient,
                0,
                0
            )
        );
    }

    function test_redeemWinningTicket_NoncesArePerPair() public {
        _fund(sender, 5 ether, 0);
        _redeem(_ticket(recipient, 5));
        _redeem(_ticket(recipient2, 1));
        assertEq(broker.highestRedeemedNonce(sender, recipient2), 1, "independent pair");
        assertEq(broker.highestRedeemedNonce(sender, recipient), 5, "first pair unchanged");
    }

    function test_redeemWinningTicket_AcceptsNonce96BitMaximum() public {
        _fund(sender, 5 ether, 0);
        uint256 max = type(uint96).max;
        _redeem(_ticket(recipient, max));
        assertEq(broker.highestRedeemedNonce(sender, recipient), max, "stored without truncation");
    }

    function test_redeemWinningTicket_RevertWhen_NonceIs2Pow96() public {
        _fund(sender, 5 ether, 0);
        uint256 tooLarge = uint256(type(uint96).max) + 1;
        ITicketBroker.Ticket memory t = _ticket(recipient, tooLarge);
        _expectRedeemRevert(
            t,
            _sign(SENDER_KEY, t),
            abi.encodeWithSelector(ITicketBroker.TicketBrokerNonceTooLarge.selector, tooLarge)
        );
        assertEq(broker.highestRedeemedNonce(sender, recipient), 0, "nothing stored");
    }

    function test_redeemWinningTicket_RevertWhen_WinProbIsZero() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.winProb = 0;
        bytes32 digest = broker.getTicketDigest(t);
        _expectRedeemRevert(
            t,
            _sign(SENDER_KEY, t),
            abi.encodeWithSelector(ITicketBroker.TicketBrokerTicketNotWinning.selector, digest, 0)
        );
    }

    function test_redeemWinningTicket_WinProbMaxWins() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        assertEq(t.winProb, type(uint256).max, "fixture uses 2^256 - 1");
        assertTrue(broker.isWinningTicket(t, RAND), "wins");
        _redeem(t);
        assertEq(recipient.balance, FACE, "paid");
    }

    function test_redeemWinningTicket_RevertWhen_SignatureIsShort() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        _expectRedeemRevert(
            t,
            hex"",
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerInvalidSignature.selector,
                broker.getTicketDigest(t)
            )
        );
    }

    function test_redeemWinningTicket_RevertWhen_SignatureDoesNotRecover() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        // r = 0 makes ecrecover return the zero address.
        bytes memory sig = abi.encodePacked(bytes32(0), bytes32(uint256(1)), uint8(27));
        _expectRedeemRevert(
            t,
            sig,
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerInvalidSignature.selector,
                broker.getTicketDigest(t)
            )
        );
    }

    function test_redeemWinningTicket_RevertWhen_SignedByAnotherKey() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        _expectRedeemRevert(
            t,
            _sign(OTHER_KEY, t),
            abi.encodeWithSelector(ITicketBroker.TicketBrokerUnauthorizedSigner.selector, sender, other)
        );
    }

    function test_redeemWinningTicket_RevertWhen_AnyFieldChangedAfterSigning() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        bytes memory sig = _sign(SENDER_KEY, t);
        t.faceValue = 2 * FACE;
        bytes32 digest = broker.getTicketDigest(t);
        (uint8 v, bytes32 r, bytes32 s) = _splitSig(sig);
        address recovered = ecrecover(digest, v, r, s);
        _expectRedeemRevert(
            t,
            sig,
            abi.encodeWithSelector(ITicketBroker.TicketBrokerUnauthorizedSigner.selector, sender, recovered)
        );
    }

    // ---------------------------------------------------------------------------------------
    // Unlock
    // ---------------------------------------------------------------------------------------

    function test_redeemWinningTicket_WorksOneSecondBeforeUnlockEnd() public {
        _fund(sender, 5 ether, 0);
        vm.prank(sender);
        broker.unlock();
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.expiry = START + UNLOCK_PERIOD + 1 days;
        vm.warp(START + UNLOCK_PERIOD - 1);
        _redeem(t);
        assertEq(recipient.balance, FACE, "redeemable while unlocking");
    }

    function test_redeemWinningTicket_RevertWhen_SenderUnlockEnded() public {
        _fund(sender, 5 ether, 0);
        vm.prank(sender);
        broker.unlock();
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.expiry = START + UNLOCK_PERIOD + 1 days;
        vm.warp(START + UNLOCK_PERIOD);
        _expectRedeemRevert(
            t,
            _sign(SENDER_KEY, t),
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerSenderUnlocked.selector,
                sender,
                START + UNLOCK_PERIOD
            )
        );
        assertEq(_deposit(sender), 5 ether, "deposit untouched");
    }

    // ---------------------------------------------------------------------------------------
    // Payout
    // ---------------------------------------------------------------------------------------

    function test_redeemWinningTicket_CreditsARecipientThatCannotReceive() public {
        _fund(sender, 5 ether, 0);
        RejectingRecipient rc = new RejectingRecipient(broker);
        ITicketBroker.Ticket memory t = _ticket(address(rc), 1);
        bytes memory sig = _sign(SENDER_KEY, t);
        vm.expectEmit(true, false, false, true, address(broker));
        emit ITicketBroker.EarningsCredited(address(rc), FACE);
        rc.redeem(t, sig, RAND);
        assertEq(broker.creditedEarnings(address(rc)), FACE, "credited");
        assertEq(broker.highestRedeemedNonce(sender, address(rc)), 1, "nonce consumed");
        assertEq(_deposit(sender), 4 ether, "deposit debited");
        assertEq(address(broker).balance, 5 ether, "credit still held");
    }

    function _splitSig(bytes memory sig) internal pure returns (uint8 v, bytes32 r, bytes32 s) {
        assembly ("memory-safe") {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
            v := byte(0, mload(add(sig, 0x60)))
        }
    }

    function test_redeemWinningTicket_NewRoundStartsTheRoundsClaimedTotalAtZero() public {
        _fund(sender, 0, 3 ether);
        ITicketBroker.Ticket memory t1 = _ticket(recipient, 1);
        t1.faceValue = 1 ether;
        _redeem(t1); // this round: 1 ether of 3 claimed
        vm.warp(_nextRoundStart());
        // The next round starts with 2 ether: 2/3 ether for each of the three recipients.
        uint256 share = uint256(2 ether) / 3;
        ITicketBroker.Ticket memory t2 = _ticket(recipient, 2);
        t2.faceValue = share;
        _redeem(t2);
        // recipient2's share comes from this round's start (2 ether), not from a total that
        // still counts the previous round's claim.
        assertEq(broker.claimableReserve(sender, recipient2), share, "share from this round's start");
        ITicketBroker.Ticket memory t3 = _ticket(recipient2, 1);
        t3.faceValue = share + 1;
        _expectRedeemRevert(
            t3,
            _sign(SENDER_KEY, t3),
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerInsufficientFunds.selector,
                sender,
                share,
                share + 1
            )
        );
    }
}
