// SPDX-License-Identifier: MIT
// solhint-disable gas-small-strings, gas-strict-inequalities, max-states-count
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {RejectingRecipient} from "../../contracts/mocks/RejectingRecipient.sol";
import {RecipientPool} from "../../contracts/RecipientPool.sol";
import {TicketBroker} from "../../contracts/TicketBroker.sol";
import {Assertions} from "../utils/Assertions.sol";
import {Vm} from "../utils/Vm.sol";

/**
 * @title BrokerHandler
 * @notice Drives a broker with three senders and five recipients (three in the pool, one
 * outside it, and a contract that refuses ether so its payouts are credited) through funding,
 * funding by third parties, unlocks, cancels, withdrawals, single and batch redemptions of
 * tickets signed with vm.sign, replays, earnings withdrawals, pool changes and time warps
 * across rounds and unlock periods. Ghost variables record what the broker should hold and what
 * it has paid, independently of its own bookkeeping.
 */
contract BrokerHandler is Assertions {
    uint256 internal constant N_SENDERS = 3;
    uint256 internal constant N_RECIPIENTS = 5;
    uint256 internal constant MAX_BATCH = 5;

    TicketBroker public immutable BROKER;
    RecipientPool public immutable POOL;
    address internal immutable POOL_OWNER;
    RejectingRecipient public immutable REJECTING;

    uint256[N_SENDERS] internal _senderKeys;
    address[N_SENDERS] public senders;
    address[N_RECIPIENTS] public recipients;
    /// Outside funder, and where the rejecting recipient's earnings are sent.
    address internal _funder = vm.addr(0xF00D);
    address internal _sink = vm.addr(0x5111C);

    // ---- ghost variables ----
    uint256 public ghostIn; // wei sent into the broker
    uint256 public ghostOut; // wei sent out by the broker
    bool public ghostNonceRedeemedTwice;
    bool public ghostNonceDecreased;
    bool public ghostOverClaim;
    bool public ghostBatchReverted; // a batch must report failures per ticket, never revert
    mapping(bytes32 key => bool redeemed) internal _redeemed; // keccak(sender, recipient, nonce)
    mapping(address sender => mapping(address recipient => uint256 nonce)) public ghostHighestNonce;
    mapping(address sender => mapping(address recipient => uint256 nonce)) internal _lastSeenNonce;
    /// Reserve claimed per (sender, round) and per (sender, recipient, round), from events.
    mapping(address sender => mapping(uint256 round => uint256 amount)) internal _roundClaims;
    mapping(address sender => mapping(address recipient => mapping(uint256 round => uint256 amount)))
        internal _pairRoundClaims;
    /// The last redeemed ticket per pair, for replays.
    mapping(address sender => mapping(address recipient => ITicketBroker.Ticket ticket)) internal _last;

    // ---- call counters, so a run that does nothing is visible ----
    uint256 public redemptions;
    uint256 public singleRedemptions;
    uint256 public batchRedemptions;
    uint256 public reserveClaims;
    uint256 public refusals;
    uint256 public withdrawals;

    constructor(TicketBroker broker_, RecipientPool pool_, address poolOwner_) {
        BROKER = broker_;
        POOL = pool_;
        POOL_OWNER = poolOwner_;
        REJECTING = new RejectingRecipient(broker_);
        for (uint256 i = 0; i < N_SENDERS; ++i) {
            _senderKeys[i] = 0x5E0000 + i;
            senders[i] = vm.addr(_senderKeys[i]);
        }
        recipients[0] = vm.addr(0xEC0);
        recipients[1] = vm.addr(0xEC1);
        recipients[2] = vm.addr(0xEC2);
        recipients[3] = vm.addr(0xEC3); // starts outside the pool
        recipients[4] = address(REJECTING);
    }

    /// Adds the initial pool members; called by the test with the pool owner's authority.
    function initialPool() external view returns (address[4] memory members) {
        members = [recipients[0], recipients[1], recipients[2], recipients[4]];
    }

    modifier checksNonces() {
        _;
        for (uint256 s = 0; s < N_SENDERS; ++s) {
            for (uint256 r = 0; r < N_RECIPIENTS; ++r) {
                uint256 now_ = BROKER.highestRedeemedNonce(senders[s], recipients[r]);
                if (now_ < _lastSeenNonce[senders[s]][recipients[r]]) ghostNonceDecreased = true;
                _lastSeenNonce[senders[s]][recipients[r]] = now_;
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------

    function fund(uint256 senderSeed, uint256 depositAmount, uint256 reserveAmount) external checksNonces {
        address s = senders[senderSeed % N_SENDERS];
        _fundFor(s, s, depositAmount, reserveAmount);
    }

    function fundFor(
        uint256 senderSeed,
        uint256 funderSeed,
        uint256 depositAmount,
        uint256 reserveAmount
    ) external checksNonces {
        address s = senders[senderSeed % N_SENDERS];
        address f = funderSeed % 2 == 0 ? _funder : senders[(senderSeed + 1) % N_SENDERS];
        uint256 unlockEnd = BROKER.getSenderInfo(s).unlockEnd;
        _fundFor(f, s, depositAmount, reserveAmount);
        // Third-party funding never changes the sender's unlock.
        if (BROKER.getSenderInfo(s).unlockEnd != unlockEnd) ghostOverClaim = true;
    }

    function unlock(uint256 senderSeed) external checksNonces {
        address s = senders[senderSeed % N_SENDERS];
        ITicketBroker.SenderInfo memory info = BROKER.getSenderInfo(s);
        if (info.unlockEnd != 0 || info.deposit + info.reserve == 0) return;
        vm.prank(s);
        BROKER.unlock();
    }

    function cancelUnlock(uint256 senderSeed) external checksNonces {
        address s = senders[senderSeed % N_SENDERS];
        if (BROKER.getSenderInfo(s).unlockEnd == 0) return;
        vm.prank(s);
        BROKER.cancelUnlock();
    }

    function withdraw(uint256 senderSeed) external checksNonces {
        address s = senders[senderSeed % N_SENDERS];
        ITicketBroker.SenderInfo memory info = BROKER.getSenderInfo(s);
        if (info.unlockEnd == 0 || block.timestamp < info.unlockEnd) return;
        uint256 before = s.balance;
        vm.prank(s);
        BROKER.withdraw();
        assertEq(s.balance - before, info.deposit + info.reserve, "withdrawal amount");
        ghostOut += info.deposit + info.reserve;
        ++withdrawals;
    }

    function redeem(
        uint256 senderSeed,
        uint256 recipientSeed,
        uint256 face,
        uint256 nonceStep
    ) external checksNonces {
        address s = senders[senderSeed % N_SENDERS];
        address r = recipients[recipientSeed % N_RECIPIENTS];
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](1);
        batch[0] = _makeTicket(
            senderSeed % N_SENDERS,
            r,
            BROKER.highestRedeemedNonce(s, r) + 1 + (nonceStep % 3),
            face
        );
        _settle(s, r, batch, false);
    }

    function redeemBatch(
        uint256 senderSeed,
        uint256 recipientSeed,
        uint256 count,
        uint256 face,
        uint256 corruptSeed
    ) external checksNonces {
        address s = senders[senderSeed % N_SENDERS];
        address r = recipients[recipientSeed % N_RECIPIENTS];
        uint256 n = bound(count, 1, MAX_BATCH);
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](n);
        uint256 nonce = BROKER.highestRedeemedNonce(s, r);
        for (uint256 i = 0; i < n; ++i) {
            nonce += 1 + ((corruptSeed >> (8 * i)) % 2);
            batch[i] = _makeTicket(senderSeed % N_SENDERS, r, nonce, uint256(keccak256(abi.encode(face, i))));
        }
        // Sometimes corrupt one ticket or repeat one, so failures and duplicates are exercised.
        uint256 k = corruptSeed % n;
        uint256 kind = (corruptSeed >> 64) % 4;
        if (kind == 1) batch[k].recipientRand ^= 1;
        else if (kind == 2 && n > 1) batch[(k + 1) % n] = batch[k];
        _settle(s, r, batch, true);
    }

    /// Re-submits the last redeemed ticket of a pair: it must never pay again.
    function replay(uint256 senderSeed, uint256 recipientSeed) external checksNonces {
        uint256 si = senderSeed % N_SENDERS;
        address s = senders[si];
        address r = recipients[recipientSeed % N_RECIPIENTS];
        ITicketBroker.Ticket memory t = _last[s][r];
        if (t.sender == address(0) || block.timestamp > t.expiry) return;
        (uint8 v, bytes32 rr, bytes32 ss) = vm.sign(_senderKeys[si], BROKER.getTicketDigest(t));
        bytes memory sig = abi.encodePacked(rr, ss, v);
        vm.prank(r);
        try BROKER.redeemWinningTicket(t, sig, _rand(t.senderNonce)) {
            ghostNonceRedeemedTwice = true;
        } catch {
            ++refusals;
        }
    }

    function withdrawEarnings() external checksNonces {
        address r = address(REJECTING);
        uint256 credit = BROKER.creditedEarnings(r);
        if (credit == 0) return;
        vm.prank(r);
        BROKER.withdrawEarnings(payable(_sink));
        ghostOut += credit;
    }

    function togglePool(uint256 recipientSeed) external checksNonces {
        address r = recipients[recipientSeed % N_RECIPIENTS];
        bool eligible = POOL.isEligible(r); // read before the prank, which the next call uses
        vm.prank(POOL_OWNER);
        if (eligible) POOL.removeRecipient(r);
        else POOL.addRecipient(r);
    }

    function warp(uint256 secondsAhead) external checksNonces {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 2 days));
    }

    // ---------------------------------------------------------------------------------------
    // Views for the invariants
    // ---------------------------------------------------------------------------------------

    /// Σ deposits + Σ reserves + Σ credited earnings over every account the handler uses.
    function owed() external view returns (uint256 total) {
        for (uint256 i = 0; i < N_SENDERS; ++i) {
            ITicketBroker.SenderInfo memory info = BROKER.getSenderInfo(senders[i]);
            total += info.deposit + info.reserve + BROKER.creditedEarnings(senders[i]);
        }
        for (uint256 i = 0; i < N_RECIPIENTS; ++i) total += BROKER.creditedEarnings(recipients[i]);
    }

    /// Whether every pair's stored highest nonce equals the highest nonce the handler saw paid.
    function noncesMatchGhost() external view returns (bool) {
        for (uint256 s = 0; s < N_SENDERS; ++s) {
            for (uint256 r = 0; r < N_RECIPIENTS; ++r) {
                if (
                    BROKER.highestRedeemedNonce(senders[s], recipients[r]) !=
                    ghostHighestNonce[senders[s]][recipients[r]]
                ) return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------

    function _fundFor(address caller, address s, uint256 depositAmount, uint256 reserveAmount) internal {
        depositAmount = bound(depositAmount, 0, 10 ether);
        reserveAmount = bound(reserveAmount, 0, 10 ether);
        uint256 value = depositAmount + reserveAmount;
        if (value == 0) return;
        vm.deal(caller, caller.balance + value);
        vm.prank(caller);
        BROKER.fundDepositAndReserveFor{value: value}(s, depositAmount, reserveAmount);
        ghostIn += value;
    }

    function _rand(uint256 nonce) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("handler rand", nonce)));
    }

    function _makeTicket(
        uint256 si,
        address r,
        uint256 nonce,
        uint256 face
    ) internal view returns (ITicketBroker.SignedTicket memory st) {
        ITicketBroker.Ticket memory t = ITicketBroker.Ticket({
            recipient: r,
            sender: senders[si],
            faceValue: bound(face, 0, 4 ether),
            winProb: type(uint256).max,
            senderNonce: nonce,
            recipientRandHash: keccak256(abi.encode(_rand(nonce))),
            expiry: block.timestamp + 1 days,
            workId: bytes32(nonce)
        });
        (uint8 v, bytes32 rr, bytes32 ss) = vm.sign(_senderKeys[si], BROKER.getTicketDigest(t));
        st = ITicketBroker.SignedTicket({
            ticket: t,
            signature: abi.encodePacked(rr, ss, v),
            recipientRand: _rand(nonce)
        });
    }

    /// Updates the ghosts from the broker's events; returns the face values paid and the reserve claimed.
    function _record(
        address s,
        address r,
        ITicketBroker.SignedTicket[] memory batch,
        Vm.Log[] memory logs
    ) internal returns (uint256 paid, uint256 fromReserve) {
        uint256 round = block.timestamp / BROKER.roundLength();
        for (uint256 i = 0; i < logs.length; ++i) {
            bytes32 topic = logs[i].topics[0];
            if (topic == ITicketBroker.WinningTicketRedeemed.selector) {
                (uint256 nonce, uint256 faceValue) = abi.decode(logs[i].data, (uint256, uint256));
                _recordRedemption(s, r, batch, nonce);
                paid += faceValue;
            } else if (topic == ITicketBroker.ReserveClaimed.selector) {
                uint256 amount = abi.decode(logs[i].data, (uint256));
                fromReserve += amount;
                _roundClaims[s][round] += amount;
                _pairRoundClaims[s][r][round] += amount;
                ++reserveClaims;
            } else if (topic == ITicketBroker.TicketRedemptionFailed.selector) {
                ++refusals;
            }
        }
    }

    function _recordRedemption(
        address s,
        address r,
        ITicketBroker.SignedTicket[] memory batch,
        uint256 nonce
    ) internal {
        bytes32 key = keccak256(abi.encode(s, r, nonce));
        if (_redeemed[key]) ghostNonceRedeemedTwice = true;
        _redeemed[key] = true;
        if (nonce > ghostHighestNonce[s][r]) ghostHighestNonce[s][r] = nonce;
        ++redemptions;
        for (uint256 j = 0; j < batch.length; ++j) {
            if (batch[j].ticket.senderNonce == nonce) _last[s][r] = batch[j].ticket;
        }
    }

    /// What `r` may claim from `s`'s reserve now, computed from the handler's own claim records.
    function _ghostAllocation(address s, address r) internal view returns (uint256) {
        uint256 reserve = BROKER.getSenderInfo(s).reserve;
        if (reserve == 0 || !POOL.isEligible(r)) return 0;
        uint256 round = block.timestamp / BROKER.roundLength();
        uint256 share = (reserve + _roundClaims[s][round]) / POOL.eligibleCount();
        uint256 mine = _pairRoundClaims[s][r][round];
        return share > mine ? share - mine : 0;
    }

    /// Redeems `batch` (all from `s` to `r`) singly or as a batch and checks what happened.
    function _settle(address s, address r, ITicketBroker.SignedTicket[] memory batch, bool asBatch) internal {
        uint256 claimable = BROKER.claimableReserve(s, r);
        uint256 ghostAllowed = _ghostAllocation(s, r);
        uint256 recipientBefore = r.balance;
        uint256 creditBefore = BROKER.creditedEarnings(r);
        vm.recordLogs();
        vm.prank(r);
        if (asBatch) {
            try BROKER.redeemWinningTickets(batch) {
                ++batchRedemptions;
            } catch {
                ghostBatchReverted = true;
            }
        } else {
            ITicketBroker.SignedTicket memory st = batch[0];
            try BROKER.redeemWinningTicket(st.ticket, st.signature, st.recipientRand) {
                ++singleRedemptions;
            } catch {
                ++refusals;
            }
        }
        (uint256 paid, uint256 fromReserve) = _record(s, r, batch, vm.getRecordedLogs());
        // Claims within one call never exceed the allocation before it, by the broker's view or ours.
        if (fromReserve > claimable || fromReserve > ghostAllowed) ghostOverClaim = true;
        // The recipient got exactly the face values paid, directly or as a credit.
        uint256 got = r.balance - recipientBefore + BROKER.creditedEarnings(r) - creditBefore;
        assertEq(got, paid, "recipient received the face values");
        ghostOut += r.balance - recipientBefore;
    }
}
