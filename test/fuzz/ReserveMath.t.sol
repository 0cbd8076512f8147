// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {ReserveMath} from "../../contracts/libraries/ReserveMath.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract ReserveMathFuzzTest is BrokerTest {
    /// Whatever the inputs (an eligible count changed mid-round included), nobody may claim
    /// more than is left.
    function testFuzz_allocation_NeverExceedsWhatIsLeft(
        uint96 remaining,
        uint96 claimedThisRound,
        uint256 eligibleCount,
        uint96 claimedByRecipient
    ) public pure {
        assertLe(
            ReserveMath.allocation(remaining, claimedThisRound, eligibleCount, claimedByRecipient),
            remaining,
            "allocation within the reserve"
        );
    }

    function testFuzz_allocation_MatchesTheFormula(
        uint128 remaining,
        uint128 claimedThisRound,
        uint256 eligibleCount,
        uint256 claimedByRecipient
    ) public pure {
        uint256 got = ReserveMath.allocation(remaining, claimedThisRound, eligibleCount, claimedByRecipient);
        if (eligibleCount == 0) {
            assertEq(got, 0, "nobody eligible");
            return;
        }
        uint256 share = (uint256(remaining) + claimedThisRound) / eligibleCount;
        uint256 left = share > claimedByRecipient ? share - claimedByRecipient : 0;
        assertEq(got, left < remaining ? left : remaining, "formula, capped at what is left");
    }

    /// Others' claims, while the eligible count is unchanged, move reserve from `remaining` to
    /// `claimedThisRound`: my allocation is unchanged (no one can claim into my share).
    function testFuzz_allocation_UnaffectedByOthersClaims(
        uint96 start,
        uint96 othersClaimed,
        uint8 count,
        uint96 mine
    ) public pure {
        uint256 n = bound(count, 1, 50);
        uint256 m = bound(mine, 0, start / n);
        // Others hold at most their own n − 1 shares.
        uint256 others = bound(othersClaimed, 0, (n - 1) * (start / n));
        assertEq(
            ReserveMath.allocation(start - m - others, m + others, n, m),
            ReserveMath.allocation(start - m, m, n, m),
            "independent of others"
        );
    }

    /// Recipients claim random amounts in a random order; nobody exceeds its share and the sum
    /// of all claims never exceeds the round's starting reserve.
    function testFuzz_allocation_SumOfClaimsNeverExceedsStartingReserve(
        uint96 start,
        uint8 count,
        uint256 seed
    ) public pure {
        uint256 n = bound(count, 1, 8);
        uint256[] memory claimed = new uint256[](n);
        uint256 remaining = start;
        uint256 total;
        for (uint256 step = 0; step < 40; ++step) {
            uint256 rnd = uint256(keccak256(abi.encode(seed, step)));
            uint256 i = rnd % n;
            uint256 allowed = ReserveMath.allocation(remaining, total, n, claimed[i]);
            assertLe(allowed, remaining, "allocation within what is left");
            // Claim anything up to what is allowed (often all of it).
            uint256 amount = (rnd >> 128) % 3 == 0 ? allowed : (rnd >> 8) % (allowed + 1);
            remaining -= amount;
            total += amount;
            claimed[i] += amount;
            assertLe(claimed[i], uint256(start) / n, "recipient within its share");
            assertLe(total, start, "sum within the starting reserve");
        }
    }

    /// Recipients claim in random, interleaved partial amounts: each still ends with exactly
    /// its full share, so the order of claims does not matter.
    function testFuzz_allocation_OrderIndependent(uint96 start, uint8 count, uint256 seed) public pure {
        uint256 n = bound(count, 1, 8);
        uint256 share = uint256(start) / n;
        uint256[] memory claimed = new uint256[](n);
        uint256 remaining = start;
        uint256 total;
        // Random interleaving of partial claims ...
        for (uint256 step = 0; step < 24; ++step) {
            uint256 rnd = uint256(keccak256(abi.encode(seed, step)));
            uint256 i = rnd % n;
            uint256 allowed = ReserveMath.allocation(remaining, total, n, claimed[i]);
            assertEq(allowed, share - claimed[i], "allocation depends only on own claims");
            uint256 amount = (rnd >> 8) % (allowed + 1);
            remaining -= amount;
            total += amount;
            claimed[i] += amount;
        }
        // ... then everyone takes the rest of its allocation.
        for (uint256 i = 0; i < n; ++i) {
            uint256 allowed = ReserveMath.allocation(remaining, total, n, claimed[i]);
            remaining -= allowed;
            total += allowed;
            claimed[i] += allowed;
            assertEq(claimed[i], share, "full share whatever the order");
        }
        assertEq(remaining, uint256(start) - share * n, "only the rounding dust is left");
    }

    /// The same through the broker: three recipients redeem their full claimable reserve in any order.
    function testFuzz_reserve_RecipientsClaimTheirShareInAnyOrder(uint96 reserve, uint8 orderSeed) public {
        uint256 r = bound(reserve, 3, 1e24);
        _fund(sender, 0, r);
        address[3] memory rs = [recipient, recipient2, recipient3];
        uint256 first = orderSeed % 3;
        for (uint256 k = 0; k < 3; ++k) {
            address to = rs[(first + k) % 3];
            ITicketBroker.Ticket memory t = _ticket(to, 1);
            t.faceValue = broker.claimableReserve(sender, to);
            assertEq(t.faceValue, r / 3, "claimable is the share whatever came before");
            _redeem(t);
            assertEq(to.balance, r / 3, "paid the share");
            assertEq(broker.claimableReserve(sender, to), 0, "share used up");
        }
        assertEq(_reserve(sender), r - 3 * (r / 3), "dust left");
    }
}
