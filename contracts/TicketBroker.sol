// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IRecipientPool} from "./interfaces/IRecipientPool.sol";
import {ITicketBroker} from "./interfaces/ITicketBroker.sol";
import {ReserveMath} from "./libraries/ReserveMath.sol";
import {TicketLib} from "./libraries/TicketLib.sol";

/**
 * @title TicketBroker
 * @notice Settles winning probabilistic-micropayment tickets against senders' deposits and
 * reserves. See {ITicketBroker} for the rules. The contract has no owner and no upgrade path:
 * nobody can move a sender's or recipient's funds.
 */
contract TicketBroker is ITicketBroker, EIP712, ReentrancyGuardTransient {
    /// @notice The constructor's unlock period is zero or longer than a year.
    error TicketBrokerInvalidUnlockPeriod(uint256 unlockPeriod);

    /// @notice The constructor's round length is zero or longer than a year.
    error TicketBrokerInvalidRoundLength(uint256 roundLength);

    /// @notice The constructor's recipient pool is the zero address.
    error TicketBrokerInvalidRecipientPool();

    /// @dev One slot: what a deposit-paid redemption reads and writes. 96 bits hold 7.9e28 wei.
    struct Sender {
        uint96 deposit; // wei
        uint64 unlockEnd; // Unix seconds; 0 = locked
    }

    /**
     * @dev One slot: the reserve together with what was claimed from it in its latest round with
     * a claim, so a claim writes a slot that funding already made non-zero.
     */
    struct Reserve {
        uint96 funds; // wei remaining
        uint96 claimed; // wei claimed by all recipients together in `round`
        uint64 round;
    }

    /**
     * @dev Per (sender, recipient), packed into one slot so that a reserve claim writes no slot
     * that a deposit-paid redemption does not already write.
     */
    struct Pair {
        uint96 highestNonce; // highest redeemed sender nonce
        uint96 reserveClaimed; // wei this recipient claimed from the sender's reserve in `claimRound`
        uint64 claimRound;
    }

    /// @dev Longest unlock period or round length the constructor accepts.
    uint256 private constant MAX_PERIOD = 365 days;

    /// @dev `_signerValidUntil` value of an authorised, unrevoked signer.
    uint64 private constant SIGNER_ACTIVE = type(uint64).max;

    uint256 private immutable _unlockPeriod;
    uint256 private immutable _roundLength;
    IRecipientPool private immutable _recipientPool;

    mapping(address sender => Sender account) private _senders;
    mapping(address sender => Reserve reserve) private _reserves;
    mapping(address sender => mapping(address recipient => Pair)) private _pairs;
    mapping(address recipient => uint256 amount) private _credits;
    mapping(address sender => mapping(address signer => uint64 validUntil)) private _signerValidUntil;

    /**
     * @param recipientPool_ Decides which recipients share senders' reserves.
     * @param unlockPeriod_ Seconds between {unlock} and {withdraw} (1 s to 365 days).
     * @param roundLength_ Seconds per reserve round (1 s to 365 days).
     */
    constructor(
        IRecipientPool recipientPool_,
        uint256 unlockPeriod_,
        uint256 roundLength_
    ) EIP712("TicketBroker", "1") {
        require(address(recipientPool_) != address(0), TicketBrokerInvalidRecipientPool());
        require(
            unlockPeriod_ != 0 && unlockPeriod_ <= MAX_PERIOD,
            TicketBrokerInvalidUnlockPeriod(unlockPeriod_)
        );
        require(
            roundLength_ != 0 && roundLength_ <= MAX_PERIOD,
            TicketBrokerInvalidRoundLength(roundLength_)
        );
        _recipientPool = recipientPool_;
        _unlockPeriod = unlockPeriod_;
        _roundLength = roundLength_;
    }

    // ----------------------------------------------------------------------------------------
    // Funding
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc ITicketBroker
    function fundDeposit() external payable {
        _fund(msg.sender, msg.value, 0);
    }

    /// @inheritdoc ITicketBroker
    function fundReserve() external payable {
        _fund(msg.sender, 0, msg.value);
    }

    /// @inheritdoc ITicketBroker
    function fundDepositAndReserve(uint256 depositAmount, uint256 reserveAmount) external payable {
        _checkSplit(depositAmount, reserveAmount);
        _fund(msg.sender, depositAmount, reserveAmount);
    }

    /// @inheritdoc ITicketBroker
    function fundDepositAndReserveFor(
        address sender,
        uint256 depositAmount,
        uint256 reserveAmount
    ) external payable {
        require(sender != address(0), TicketBrokerZeroAddress());
        _checkSplit(depositAmount, reserveAmount);
        _fund(sender, depositAmount, reserveAmount);
    }

    // ----------------------------------------------------------------------------------------
    // Unlock and withdrawal
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc ITicketBroker
    function unlock() external {
        Sender storage s = _senders[msg.sender];
        require(s.deposit != 0 || _reserves[msg.sender].funds != 0, TicketBrokerNoFunds(msg.sender));
        require(s.unlockEnd == 0, TicketBrokerAlreadyUnlocking(msg.sender, s.unlockEnd));
        // block.timestamp + at most 365 days fits in 64 bits for the next 5e11 years.
        uint64 unlockEnd = uint64(block.timestamp + _unlockPeriod);
        s.unlockEnd = unlockEnd;
        emit UnlockStarted(msg.sender, unlockEnd);
    }

    /// @inheritdoc ITicketBroker
    function cancelUnlock() external {
        Sender storage s = _senders[msg.sender];
        require(s.unlockEnd != 0, TicketBrokerNotUnlocking(msg.sender));
        s.unlockEnd = 0;
        emit UnlockCancelled(msg.sender);
    }

    /// @inheritdoc ITicketBroker
    function withdraw() external nonReentrant {
        Sender memory s = _senders[msg.sender];
        require(s.unlockEnd != 0, TicketBrokerNotUnlocking(msg.sender));
        require(
            block.timestamp >= s.unlockEnd,
            TicketBrokerUnlockPending(msg.sender, s.unlockEnd, block.timestamp)
        );
        uint256 reserve = _reserves[msg.sender].funds;
        delete _senders[msg.sender];
        delete _reserves[msg.sender];
        emit Withdrawn(msg.sender, s.deposit, reserve);
        _transfer(msg.sender, s.deposit + reserve);
    }

    // ----------------------------------------------------------------------------------------
    // Signer delegation
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc ITicketBroker
    function authorizeSigner(address signer) external {
        require(signer != address(0), TicketBrokerZeroAddress());
        _signerValidUntil[msg.sender][signer] = SIGNER_ACTIVE;
        emit SignerAuthorized(msg.sender, signer);
    }

    /// @inheritdoc ITicketBroker
    function revokeSigner(address signer) external {
        mapping(address signer => uint64 validUntil) storage signers = _signerValidUntil[msg.sender];
        require(signers[signer] == SIGNER_ACTIVE, TicketBrokerSignerNotAuthorized(msg.sender, signer));
        // Same bound as in unlock(): fits in 64 bits.
        uint64 validUntil = uint64(block.timestamp + _unlockPeriod);
        signers[signer] = validUntil;
        emit SignerRevoked(msg.sender, signer, validUntil);
    }

    // ----------------------------------------------------------------------------------------
    // Redemption
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc ITicketBroker
    function redeemWinningTicket(
        Ticket calldata ticket,
        bytes calldata signature,
        uint256 recipientRand
    ) external nonReentrant {
        (uint256 paid, bytes memory reason) = _redeem(ticket, signature, recipientRand);
        if (reason.length != 0) {
            assembly ("memory-safe") {
                revert(add(reason, 0x20), mload(reason))
            }
        }
        _transfer(msg.sender, paid);
    }

    /// @inheritdoc ITicketBroker
    function redeemWinningTickets(
        SignedTicket[] calldata tickets
    ) external nonReentrant returns (uint256 paid) {
        uint256 count = tickets.length;
        // Batch indices of tickets the sender could not pay. Later tickets of that sender are
        // skipped: paying a higher nonce would leave the unpaid winner below the redeemed mark.
        uint256[] memory unpaid = new uint256[](count);
        uint256 unpaidCount;
        for (uint256 i = 0; i < count; ++i) {
            SignedTicket calldata t = tickets[i];
            uint256 freeMemory;
            assembly ("memory-safe") {
                freeMemory := mload(0x40)
            }
            uint256 amount;
            bytes memory reason;
            if (unpaidCount != 0) reason = _earlierUnpaid(tickets, t.ticket.sender, unpaid, unpaidCount);
            if (reason.length == 0) (amount, reason) = _redeem(t.ticket, t.signature, t.recipientRand);
            if (reason.length == 0) {
                paid += amount;
            } else {
                if (bytes4(reason) == TicketBrokerInsufficientFunds.selector) {
                    unpaid[unpaidCount] = i;
                    ++unpaidCount;
                }
                emit TicketRedemptionFailed(
                    t.ticket.sender,
                    t.ticket.recipient,
                    i,
                    t.ticket.senderNonce,
                    reason
                );
            }
            // Nothing allocated for this ticket is used again: reuse the memory for the next one
            // rather than let memory (and its quadratic cost) grow with the batch.
            assembly ("memory-safe") {
                mstore(0x40, freeMemory)
            }
        }
        _transfer(msg.sender, paid);
    }

    /// @inheritdoc ITicketBroker
    function withdrawEarnings(address payable to) external nonReentrant {
        require(to != address(0), TicketBrokerZeroAddress());
        uint256 amount = _credits[msg.sender];
        require(amount != 0, TicketBrokerNoFunds(msg.sender));
        _credits[msg.sender] = 0;
        emit EarningsWithdrawn(msg.sender, to, amount);
        (bool ok, ) = to.call{value: amount}("");
        require(ok, TicketBrokerTransferFailed(to, amount));
    }

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc ITicketBroker
    function unlockPeriod() external view returns (uint256) {
        return _unlockPeriod;
    }

    /// @inheritdoc ITicketBroker
    function roundLength() external view returns (uint256) {
        return _roundLength;
    }

    /// @inheritdoc ITicketBroker
    function recipientPool() external view returns (IRecipientPool) {
        return _recipientPool;
    }

    /// @inheritdoc ITicketBroker
    function currentRound() public view returns (uint256) {
        return block.timestamp / _roundLength;
    }

    /// @inheritdoc ITicketBroker
    function getSenderInfo(address sender) external view returns (SenderInfo memory) {
        Sender memory s = _senders[sender];
        return SenderInfo({deposit: s.deposit, reserve: _reserves[sender].funds, unlockEnd: s.unlockEnd});
    }

    /// @inheritdoc ITicketBroker
    function isUnlockInProgress(address sender) external view returns (bool) {
        uint256 unlockEnd = _senders[sender].unlockEnd;
        return unlockEnd != 0 && block.timestamp < unlockEnd;
    }

    /// @inheritdoc ITicketBroker
    function highestRedeemedNonce(address sender, address recipient) external view returns (uint256) {
        return _pairs[sender][recipient].highestNonce;
    }

    /// @inheritdoc ITicketBroker
    function claimableReserve(address sender, address recipient) external view returns (uint256) {
        return _allocation(_reserves[sender], recipient, _pairs[sender][recipient], currentRound());
    }

    /// @inheritdoc ITicketBroker
    function creditedEarnings(address recipient) external view returns (uint256) {
        return _credits[recipient];
    }

    /// @inheritdoc ITicketBroker
    function signerValidUntil(address sender, address signer) external view returns (uint256) {
        uint64 validUntil = _signerValidUntil[sender][signer];
        return validUntil == SIGNER_ACTIVE ? type(uint256).max : validUntil;
    }

    /// @inheritdoc ITicketBroker
    function getTicketDigest(Ticket calldata ticket) external view returns (bytes32) {
        return _hashTypedDataV4(TicketLib.structHash(ticket));
    }

    /// @inheritdoc ITicketBroker
    function isWinningTicket(Ticket calldata ticket, uint256 recipientRand) external view returns (bool) {
        return
            TicketLib.isWinning(
                _hashTypedDataV4(TicketLib.structHash(ticket)),
                recipientRand,
                ticket.winProb
            );
    }

    // ----------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------

    function _checkSplit(uint256 depositAmount, uint256 reserveAmount) private view {
        // Compared without adding, so no amounts can overflow the check.
        require(
            depositAmount <= msg.value && reserveAmount == msg.value - depositAmount,
            TicketBrokerValueMismatch(msg.value, depositAmount, reserveAmount)
        );
    }

    /// @dev Credits the amounts; only the sender's own funding cancels its unlock.
    function _fund(address sender, uint256 depositAmount, uint256 reserveAmount) private {
        require(msg.value != 0, TicketBrokerZeroValue());
        Sender storage s = _senders[sender];
        bool cancelsUnlock = msg.sender == sender && s.unlockEnd != 0;
        if (depositAmount != 0 || cancelsUnlock) {
            uint256 deposit = s.deposit + depositAmount;
            require(deposit <= type(uint96).max, TicketBrokerAmountTooLarge(deposit));
            s.deposit = uint96(deposit);
            if (cancelsUnlock) s.unlockEnd = 0;
        }
        if (reserveAmount != 0) {
            Reserve storage r = _reserves[sender];
            uint256 reserve = r.funds + reserveAmount;
            require(reserve <= type(uint96).max, TicketBrokerAmountTooLarge(reserve));
            r.funds = uint96(reserve);
        }
        if (depositAmount != 0) emit DepositFunded(sender, msg.sender, depositAmount);
        if (reserveAmount != 0) emit ReserveFunded(sender, msg.sender, reserveAmount);
        if (cancelsUnlock) emit UnlockCancelled(sender);
    }

    /// @dev The error for a batch ticket whose sender has an unpaid ticket earlier in the batch, or "".
    function _earlierUnpaid(
        SignedTicket[] calldata tickets,
        address sender,
        uint256[] memory unpaid,
        uint256 unpaidCount
    ) private pure returns (bytes memory) {
        for (uint256 j = 0; j < unpaidCount; ++j) {
            uint256 index = unpaid[j];
            if (tickets[index].ticket.sender == sender) {
                return abi.encodeWithSelector(TicketBrokerEarlierTicketUnpaid.selector, sender, index);
            }
        }
        return "";
    }

    /**
     * @dev Validates and settles one ticket without reverting: returns the wei to pay the caller,
     * or the ABI-encoded custom error explaining why the ticket was refused, in which case no
     * state changed. Effects are complete before any ether leaves (the callers transfer last).
     */
    function _redeem(
        Ticket calldata ticket,
        bytes calldata signature,
        uint256 recipientRand
    ) private returns (uint256 paid, bytes memory reason) {
        Pair storage pair = _pairs[ticket.sender][ticket.recipient];
        reason = _validate(ticket, signature, recipientRand, pair);
        if (reason.length == 0) (paid, reason) = _settle(ticket, pair);
    }

    /// @dev Every rule that does not depend on the sender's funds; returns the error or "".
    function _validate(
        Ticket calldata ticket,
        bytes calldata signature,
        uint256 recipientRand,
        Pair storage pair
    ) private view returns (bytes memory) {
        address recipient = ticket.recipient;
        address sender = ticket.sender;
        if (recipient != msg.sender) {
            return abi.encodeWithSelector(TicketBrokerCallerNotRecipient.selector, msg.sender, recipient);
        }
        if (block.timestamp > ticket.expiry) {
            return abi.encodeWithSelector(TicketBrokerTicketExpired.selector, ticket.expiry, block.timestamp);
        }
        if (TicketLib.randHash(recipientRand) != ticket.recipientRandHash) {
            return
                abi.encodeWithSelector(
                    TicketBrokerRandMismatch.selector,
                    ticket.recipientRandHash,
                    recipientRand
                );
        }
        uint256 nonce = ticket.senderNonce;
        uint256 highestNonce = pair.highestNonce;
        if (nonce <= highestNonce) {
            return
                abi.encodeWithSelector(
                    TicketBrokerNonceAlreadyRedeemed.selector,
                    sender,
                    recipient,
                    nonce,
                    highestNonce
                );
        }
        if (nonce > type(uint96).max) {
            return abi.encodeWithSelector(TicketBrokerNonceTooLarge.selector, nonce);
        }
        bytes32 digest = _hashTypedDataV4(TicketLib.structHash(ticket));
        if (!TicketLib.isWinning(digest, recipientRand, ticket.winProb)) {
            return abi.encodeWithSelector(TicketBrokerTicketNotWinning.selector, digest, ticket.winProb);
        }
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err != ECDSA.RecoverError.NoError) {
            return abi.encodeWithSelector(TicketBrokerInvalidSignature.selector, digest);
        }
        // A delegate's tickets count until its validUntil (a revocation gives one unlock period of
        // notice, whatever their expiry), so revoking cannot void tickets already issued.
        if (signer != sender && block.timestamp > _signerValidUntil[sender][signer]) {
            return abi.encodeWithSelector(TicketBrokerUnauthorizedSigner.selector, sender, signer);
        }
        return "";
    }

    /// @dev Pays a valid winning ticket from the deposit, then the reserve allocation; all or nothing.
    function _settle(
        Ticket calldata ticket,
        Pair storage pair
    ) private returns (uint256 paid, bytes memory reason) {
        address sender = ticket.sender;
        Sender storage senderSlot = _senders[sender];
        Sender memory s = senderSlot;
        if (s.unlockEnd != 0 && block.timestamp >= s.unlockEnd) {
            return (0, abi.encodeWithSelector(TicketBrokerSenderUnlocked.selector, sender, s.unlockEnd));
        }
        uint256 faceValue = ticket.faceValue;
        uint256 fromReserve;
        if (faceValue <= s.deposit) {
            // faceValue <= deposit < 2^96, and _validate checked the nonce fits in 96 bits.
            senderSlot.deposit = uint96(s.deposit - faceValue);
            pair.highestNonce = uint96(ticket.senderNonce);
        } else {
            fromReserve = faceValue - s.deposit;
            Reserve storage reserveSlot = _reserves[sender];
            Reserve memory r = reserveSlot;
            Pair memory p = pair;
            uint256 round = currentRound();
            uint256 allocation = _allocation(r, ticket.recipient, p, round);
            // The guard and the payout use the same quantity: the ticket is paid in full or not at all.
            if (fromReserve > allocation) {
                return (
                    0,
                    abi.encodeWithSelector(
                        TicketBrokerInsufficientFunds.selector,
                        sender,
                        s.deposit + allocation,
                        faceValue
                    )
                );
            }
            // fromReserve <= allocation <= r.funds < 2^96 (ReserveMath caps the allocation at what
            // is left); round = block.timestamp / roundLength < 2^64. _allocation keeps both
            // claimed totals within 96 bits; SafeCast stays as a second guard.
            senderSlot.deposit = 0;
            reserveSlot.funds = r.funds - uint96(fromReserve);
            reserveSlot.claimed = SafeCast.toUint96((r.round == round ? r.claimed : 0) + fromReserve);
            reserveSlot.round = uint64(round);
            pair.highestNonce = uint96(ticket.senderNonce);
            pair.reserveClaimed = SafeCast.toUint96(
                (p.claimRound == round ? p.reserveClaimed : 0) + fromReserve
            );
            pair.claimRound = uint64(round);
            emit ReserveClaimed(sender, ticket.recipient, fromReserve);
        }
        emit WinningTicketRedeemed(sender, ticket.recipient, ticket.senderNonce, faceValue);
        return (faceValue, "");
    }

    /// @dev What `recipient` may still claim this round from the reserve `r`.
    function _allocation(
        Reserve memory r,
        address recipient,
        Pair memory p,
        uint256 round
    ) private view returns (uint256) {
        if (r.funds == 0 || !_recipientPool.isEligible(recipient)) return 0;
        uint256 roundClaimed = r.round == round ? r.claimed : 0;
        uint256 pairClaimed = p.claimRound == round ? p.reserveClaimed : 0;
        uint256 allocation = ReserveMath.allocation(
            r.funds,
            roundClaimed,
            _recipientPool.eligibleCount(),
            pairClaimed
        );
        // The round's claimed totals are stored in 96 bits. They could pass 2^96 − 1 only if more
        // than 2^96 wei were funded within one round; the allocation then stops at what the
        // totals can still record, so such a ticket fails with InsufficientFunds (and stays
        // redeemable next round) instead of reverting a whole batch.
        uint256 room = type(uint96).max - (roundClaimed > pairClaimed ? roundClaimed : pairClaimed);
        return allocation < room ? allocation : room;
    }

    /**
     * @dev Sends `amount` to `to`; if `to` cannot receive it, credits it for {withdrawEarnings}
     * so that no payout is lost and a recipient contract cannot make its own redemptions revert.
     */
    function _transfer(address to, uint256 amount) private {
        if (amount == 0) return;
        (bool ok, ) = payable(to).call{value: amount}("");
        if (!ok) {
            _credits[to] += amount;
            emit EarningsCredited(to, amount);
        }
    }
}
