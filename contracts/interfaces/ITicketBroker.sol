// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IRecipientPool} from "./IRecipientPool.sol";

/**
 * @title ITicketBroker
 * @notice Escrow and settlement for probabilistic micropayments. A sender funds a deposit and a
 * reserve; it pays recipients off-chain with signed EIP-712 lottery tickets; a recipient submits
 * only the winning tickets, each paid its full face value from the sender's deposit first and
 * then from the recipient's share of the sender's reserve for the current round.
 *
 * Rules every caller can rely on:
 * - A winning ticket is paid in full or the call reverts and the ticket stays redeemable.
 * - The win draw is `uint256(keccak256(abi.encode(ticketDigest, recipientRand))) < winProb`,
 *   so the signature encoding has no influence on the lottery.
 * - For each (sender, recipient) pair the broker stores the highest redeemed sender nonce and
 *   accepts only greater nonces: recipients redeem in ascending nonce order.
 * - Nobody, including the owner of the recipient pool, can move a sender's or recipient's funds.
 */
interface ITicketBroker {
    // ----------------------------------------------------------------------------------------
    // Structs
    // ----------------------------------------------------------------------------------------

    /**
     * @notice A lottery ticket, signed by the sender (or its authorised signer) as EIP-712 typed
     * data under the broker's domain.
     * @param recipient Who is paid when the ticket wins; only this address can redeem it.
     * @param sender Whose deposit and reserve pay the ticket.
     * @param faceValue Wei paid when the ticket wins.
     * @param winProb Win probability × 2^256 (0 never wins, 2^256 − 1 almost always wins).
     * @param senderNonce Counter per (sender, recipient); must exceed the highest redeemed one and
     * fit in 96 bits.
     * @param recipientRandHash keccak256 of the recipient's secret 32-byte random value.
     * @param expiry Unix time in seconds; the ticket can be redeemed up to and including it.
     * @param workId Binds the ticket to the work it pays for (a segment hash, a job id); opaque here.
     */
    struct Ticket {
        address recipient;
        address sender;
        uint256 faceValue;
        uint256 winProb;
        uint256 senderNonce;
        bytes32 recipientRandHash;
        uint256 expiry;
        bytes32 workId;
    }

    /**
     * @notice A ticket with what redeeming it needs: its signature and the recipient's revealed
     * random value.
     * @param ticket The ticket.
     * @param signature 65-byte ECDSA signature (r ‖ s ‖ v, low s, v ∈ {27, 28}) over the digest.
     * @param recipientRand The preimage of `ticket.recipientRandHash`.
     */
    struct SignedTicket {
        Ticket ticket;
        bytes signature;
        uint256 recipientRand;
    }

    /**
     * @notice A sender's funds and lock state.
     * @param deposit Wei that pays winning tickets first.
     * @param reserve Wei of penalty escrow, shared per round among eligible recipients.
     * @param unlockEnd Unix time in seconds at which a started unlock completes; 0 when locked.
     */
    struct SenderInfo {
        uint256 deposit;
        uint256 reserve;
        uint256 unlockEnd;
    }

    // ----------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------

    /// @notice `funder` added `amount` wei to `sender`'s deposit.
    event DepositFunded(address indexed sender, address indexed funder, uint256 amount);

    /// @notice `funder` added `amount` wei to `sender`'s reserve.
    event ReserveFunded(address indexed sender, address indexed funder, uint256 amount);

    /// @notice `sender` started an unlock that completes at `unlockEnd` (Unix seconds).
    event UnlockStarted(address indexed sender, uint256 unlockEnd);

    /// @notice `sender`'s unlock was cancelled (explicitly or by funding its own account).
    event UnlockCancelled(address indexed sender);

    /// @notice `sender` withdrew its whole deposit and reserve.
    event Withdrawn(address indexed sender, uint256 deposit, uint256 reserve);

    /// @notice A winning ticket was paid its `faceValue` in wei.
    event WinningTicketRedeemed(
        address indexed sender,
        address indexed recipient,
        uint256 senderNonce,
        uint256 faceValue
    );

    /// @notice `amount` wei of a winning ticket's face value came from `sender`'s reserve.
    event ReserveClaimed(address indexed sender, address indexed recipient, uint256 amount);

    /**
     * @notice A ticket in a batch was not redeemed; it is untouched and may be retried.
     * @param index Position of the ticket in the batch.
     * @param reason The ABI-encoded custom error that single redemption would have reverted with.
     */
    event TicketRedemptionFailed(
        address indexed sender,
        address indexed recipient,
        uint256 index,
        uint256 senderNonce,
        bytes reason
    );

    /// @notice `amount` wei of earnings could not be sent to `recipient` and await `withdrawEarnings`.
    event EarningsCredited(address indexed recipient, uint256 amount);

    /// @notice `recipient` withdrew `amount` wei of credited earnings to `to`.
    event EarningsWithdrawn(address indexed recipient, address indexed to, uint256 amount);

    /// @notice `sender` authorised `signer` to sign its tickets.
    event SignerAuthorized(address indexed sender, address indexed signer);

    /// @notice `sender` revoked `signer`; the tickets it signed stay redeemable until `validUntil`.
    event SignerRevoked(address indexed sender, address indexed signer, uint256 validUntil);

    // ----------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------

    /// @notice A funding call sent no ether.
    error TicketBrokerZeroValue();

    /// @notice `msg.value` is not the sum of the requested deposit and reserve amounts.
    error TicketBrokerValueMismatch(uint256 value, uint256 depositAmount, uint256 reserveAmount);

    /// @notice A zero address was given where an account is required.
    error TicketBrokerZeroAddress();

    /// @notice A balance would exceed the 96-bit storage width (≈ 7.9e28 wei).
    error TicketBrokerAmountTooLarge(uint256 amount);

    /// @notice The sender has nothing to unlock or withdraw.
    error TicketBrokerNoFunds(address sender);

    /// @notice The sender already has an unlock in progress or completed.
    error TicketBrokerAlreadyUnlocking(address sender, uint256 unlockEnd);

    /// @notice The sender has no unlock to cancel or complete.
    error TicketBrokerNotUnlocking(address sender);

    /// @notice The sender's unlock period has not elapsed yet.
    error TicketBrokerUnlockPending(address sender, uint256 unlockEnd, uint256 timestamp);

    /// @notice Only the ticket's recipient can redeem it.
    error TicketBrokerCallerNotRecipient(address caller, address recipient);

    /// @notice The ticket expired at `expiry`; the block time is `timestamp`.
    error TicketBrokerTicketExpired(uint256 expiry, uint256 timestamp);

    /// @notice keccak256 of the revealed value is not the ticket's `recipientRandHash`.
    error TicketBrokerRandMismatch(bytes32 recipientRandHash, uint256 recipientRand);

    /// @notice The nonce is not above the highest nonce redeemed for the pair.
    error TicketBrokerNonceAlreadyRedeemed(
        address sender,
        address recipient,
        uint256 senderNonce,
        uint256 highestRedeemedNonce
    );

    /// @notice The nonce does not fit in 96 bits.
    error TicketBrokerNonceTooLarge(uint256 senderNonce);

    /// @notice The signature is not a canonical 65-byte ECDSA signature of the ticket digest.
    error TicketBrokerInvalidSignature(bytes32 digest);

    /// @notice The ticket was signed by `signer`, which is neither the sender nor authorised by it.
    error TicketBrokerUnauthorizedSigner(address sender, address signer);

    /// @notice The ticket did not win.
    error TicketBrokerTicketNotWinning(bytes32 digest, uint256 winProb);

    /// @notice The sender's unlock completed at `unlockEnd`; its tickets can no longer be redeemed.
    error TicketBrokerSenderUnlocked(address sender, uint256 unlockEnd);

    /// @notice The deposit plus the recipient's reserve allocation cannot pay the face value.
    error TicketBrokerInsufficientFunds(address sender, uint256 available, uint256 needed);

    /**
     * @notice In a batch, the ticket at `index` from the same sender could not be paid; this
     * later ticket is skipped so that the unpaid one stays redeemable (a higher redeemed nonce
     * would void it). Redeem the unpaid ticket first.
     */
    error TicketBrokerEarlierTicketUnpaid(address sender, uint256 index);

    /// @notice An ether transfer to `to` failed.
    error TicketBrokerTransferFailed(address to, uint256 amount);

    /// @notice `signer` is not an active signer of `sender`.
    error TicketBrokerSignerNotAuthorized(address sender, address signer);

    // ----------------------------------------------------------------------------------------
    // Funding
    // ----------------------------------------------------------------------------------------

    /// @notice Adds `msg.value` to the caller's deposit and cancels the caller's unlock, if any.
    function fundDeposit() external payable;

    /// @notice Adds `msg.value` to the caller's reserve and cancels the caller's unlock, if any.
    function fundReserve() external payable;

    /**
     * @notice Adds `depositAmount` to the caller's deposit and `reserveAmount` to its reserve and
     * cancels the caller's unlock, if any.
     * @dev Reverts with {TicketBrokerValueMismatch} unless `msg.value == depositAmount + reserveAmount`.
     */
    function fundDepositAndReserve(uint256 depositAmount, uint256 reserveAmount) external payable;

    /**
     * @notice Funds `sender`'s deposit and reserve on its behalf. Funding another address never
     * changes its unlock; when `sender` is the caller this is {fundDepositAndReserve}.
     * @dev Reverts with {TicketBrokerValueMismatch} unless `msg.value == depositAmount + reserveAmount`.
     */
    function fundDepositAndReserveFor(
        address sender,
        uint256 depositAmount,
        uint256 reserveAmount
    ) external payable;

    // ----------------------------------------------------------------------------------------
    // Unlock and withdrawal
    // ----------------------------------------------------------------------------------------

    /**
     * @notice Starts the unlock period for the caller's funds. Its tickets stay redeemable until
     * the period ends; after that it may {withdraw}.
     */
    function unlock() external;

    /// @notice Cancels the caller's unlock; its tickets are redeemable again.
    function cancelUnlock() external;

    /// @notice Sends the caller its whole deposit and reserve once its unlock period is over.
    function withdraw() external;

    // ----------------------------------------------------------------------------------------
    // Signer delegation
    // ----------------------------------------------------------------------------------------

    /**
     * @notice Authorises `signer` to sign tickets for the caller (an EOA or a contract wallet).
     * @dev Tickets signed by an authorised signer are as good as tickets signed by the sender.
     */
    function authorizeSigner(address signer) external;

    /**
     * @notice Revokes `signer`. The tickets it signed stay redeemable for one more unlock period
     * (until `signerValidUntil`), whatever their expiry, so a sender cannot void tickets it
     * already issued: recipients get the same notice as for the sender's own unlock.
     */
    function revokeSigner(address signer) external;

    // ----------------------------------------------------------------------------------------
    // Redemption
    // ----------------------------------------------------------------------------------------

    /**
     * @notice Redeems one winning ticket; the caller must be its recipient and receives the face
     * value. Reverts with the reason if the ticket is invalid, not winning or cannot be paid in full.
     */
    function redeemWinningTicket(
        Ticket calldata ticket,
        bytes calldata signature,
        uint256 recipientRand
    ) external;

    /**
     * @notice Redeems many winning tickets, all with the caller as recipient, and pays the total in
     * one transfer. Each ticket succeeds or fails on its own; a failure emits
     * {TicketRedemptionFailed} with the reason and leaves the ticket redeemable. Once a sender
     * cannot pay one of its tickets, its later tickets in the batch are skipped with
     * {TicketBrokerEarlierTicketUnpaid}, so that no higher nonce voids the unpaid winner.
     * Order each sender's tickets by ascending nonce.
     * @return paid Total wei paid to the caller.
     */
    function redeemWinningTickets(SignedTicket[] calldata tickets) external returns (uint256 paid);

    /**
     * @notice Sends the caller's credited earnings (payouts its address could not receive) to `to`.
     */
    function withdrawEarnings(address payable to) external;

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @notice Seconds between {unlock} and {withdraw}.
    function unlockPeriod() external view returns (uint256);

    /// @notice Length of a reserve round in seconds; round = block.timestamp / roundLength.
    function roundLength() external view returns (uint256);

    /// @notice The pool that decides which recipients share a sender's reserve.
    function recipientPool() external view returns (IRecipientPool);

    /// @notice The current reserve round.
    function currentRound() external view returns (uint256);

    /// @notice `sender`'s deposit, reserve and unlock end.
    function getSenderInfo(address sender) external view returns (SenderInfo memory);

    /// @notice Whether `sender` has an unlock in progress (not yet complete).
    function isUnlockInProgress(address sender) external view returns (bool);

    /// @notice The highest sender nonce redeemed for the pair (0 if none).
    function highestRedeemedNonce(address sender, address recipient) external view returns (uint256);

    /**
     * @notice What `recipient` can still claim from `sender`'s reserve in the current round:
     * (reserve + claimed this round) / eligible count − claimed by `recipient` this round.
     */
    function claimableReserve(address sender, address recipient) external view returns (uint256);

    /// @notice Wei credited to `recipient` that it can take with {withdrawEarnings}.
    function creditedEarnings(address recipient) external view returns (uint256);

    /**
     * @notice The last second (block time) at which tickets signed by `signer` can be redeemed
     * for `sender`: 0 if never authorised, type(uint256).max while authorised, the revocation
     * time plus one unlock period after {revokeSigner}.
     */
    function signerValidUntil(address sender, address signer) external view returns (uint256);

    /// @notice The EIP-712 digest the sender signs for `ticket`.
    function getTicketDigest(Ticket calldata ticket) external view returns (bytes32);

    /// @notice Whether `ticket` wins given `recipientRand` (ignores every other rule).
    function isWinningTicket(Ticket calldata ticket, uint256 recipientRand) external view returns (bool);
}
