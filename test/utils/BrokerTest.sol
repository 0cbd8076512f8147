// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {RecipientPool} from "../../contracts/RecipientPool.sol";
import {TicketBroker} from "../../contracts/TicketBroker.sol";
import {Assertions} from "./Assertions.sol";

/**
 * @title BrokerTest
 * @notice Fixture for TicketBroker tests: a recipient pool with three eligible recipients, a
 * broker, named keys and accounts, a ticket builder and an EIP-712 signer.
 */
abstract contract BrokerTest is Assertions {
    /// Seconds between unlock and withdraw in the fixture.
    uint256 internal constant UNLOCK_PERIOD = 3 days;
    /// Seconds per reserve round in the fixture.
    uint256 internal constant ROUND_LENGTH = 1 days;
    /// Fixture start time: 12:00 in some round, so a round boundary is never accidentally crossed.
    uint256 internal constant START = 20_000 days + 12 hours;
    /// Default face value of a ticket.
    uint256 internal constant FACE = 1 ether;
    /// winProb that wins for every draw except the single value 2^256 − 1.
    uint256 internal constant ALWAYS = type(uint256).max;

    uint256 internal constant SENDER_KEY = 0xA11CE;
    uint256 internal constant SIGNER_KEY = 0x51C4E5;
    uint256 internal constant OTHER_KEY = 0xBADBAD;

    /// The recipient's revealed secret in the default ticket.
    uint256 internal constant RAND = uint256(keccak256("recipient rand"));

    RecipientPool internal pool;
    TicketBroker internal broker;

    address internal poolOwner = vm.addr(0x0E1);
    address internal sender = vm.addr(SENDER_KEY);
    address internal signer = vm.addr(SIGNER_KEY);
    address internal other = vm.addr(OTHER_KEY);
    address internal recipient = vm.addr(0xC1);
    address internal recipient2 = vm.addr(0xC2);
    address internal recipient3 = vm.addr(0xC3);
    /// Not in the pool: it gets nothing from reserves.
    address internal outsider = vm.addr(0xC4);
    address internal funder = vm.addr(0xF0);

    function setUp() public virtual {
        vm.warp(START);
        pool = new RecipientPool(poolOwner);
        vm.startPrank(poolOwner);
        pool.addRecipient(recipient);
        pool.addRecipient(recipient2);
        pool.addRecipient(recipient3);
        vm.stopPrank();
        broker = new TicketBroker(pool, UNLOCK_PERIOD, ROUND_LENGTH);
        vm.label(address(broker), "broker");
        vm.label(address(pool), "pool");
        vm.label(sender, "sender");
        vm.label(recipient, "recipient");
    }

    // ---------------------------------------------------------------------------------------
    // Funding and state
    // ---------------------------------------------------------------------------------------

    /// `who` funds its own deposit and reserve with fresh ether.
    function _fund(address who, uint256 depositAmount, uint256 reserveAmount) internal {
        vm.deal(who, who.balance + depositAmount + reserveAmount);
        vm.prank(who);
        broker.fundDepositAndReserve{value: depositAmount + reserveAmount}(depositAmount, reserveAmount);
    }

    function _deposit(address who) internal view returns (uint256) {
        return broker.getSenderInfo(who).deposit;
    }

    function _reserve(address who) internal view returns (uint256) {
        return broker.getSenderInfo(who).reserve;
    }

    function _unlockEnd(address who) internal view returns (uint256) {
        return broker.getSenderInfo(who).unlockEnd;
    }

    /// First second of the next reserve round.
    function _nextRoundStart() internal view returns (uint256) {
        return (block.timestamp / ROUND_LENGTH + 1) * ROUND_LENGTH;
    }

    // ---------------------------------------------------------------------------------------
    // Tickets
    // ---------------------------------------------------------------------------------------

    /// A ticket from `sender` to `to` that always wins and expires in a day.
    function _ticket(address to, uint256 nonce) internal view returns (ITicketBroker.Ticket memory) {
        return
            ITicketBroker.Ticket({
                recipient: to,
                sender: sender,
                faceValue: FACE,
                winProb: ALWAYS,
                senderNonce: nonce,
                recipientRandHash: keccak256(abi.encode(RAND)),
                expiry: block.timestamp + 1 days,
                workId: keccak256(abi.encode("segment", nonce))
            });
    }

    /// (v, r, s) of `key` over the ticket's digest under `broker_`'s domain.
    function _vrs(
        TicketBroker broker_,
        uint256 key,
        ITicketBroker.Ticket memory t
    ) internal view returns (uint8 v, bytes32 r, bytes32 s) {
        return vm.sign(key, broker_.getTicketDigest(t));
    }

    /// The canonical 65-byte signature (r ‖ s ‖ v) of `key` over the ticket.
    function _sign(uint256 key, ITicketBroker.Ticket memory t) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = _vrs(broker, key, t);
        return abi.encodePacked(r, s, v);
    }

    /// The ticket's recipient redeems it with the sender's signature and the default rand.
    function _redeem(ITicketBroker.Ticket memory t) internal {
        bytes memory sig = _sign(SENDER_KEY, t);
        vm.prank(t.recipient);
        broker.redeemWinningTicket(t, sig, RAND);
    }

    /// The ticket's recipient tries to redeem it; the call must revert with exactly `err`.
    function _expectRedeemRevert(ITicketBroker.Ticket memory t, bytes memory sig, bytes memory err) internal {
        vm.prank(t.recipient);
        vm.expectRevert(err);
        broker.redeemWinningTicket(t, sig, RAND);
    }

    function _signed(
        ITicketBroker.Ticket memory t,
        uint256 key
    ) internal view returns (ITicketBroker.SignedTicket memory) {
        return ITicketBroker.SignedTicket({ticket: t, signature: _sign(key, t), recipientRand: RAND});
    }
}
