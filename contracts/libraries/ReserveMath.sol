// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/**
 * @title ReserveMath
 * @notice How a sender's reserve is shared among eligible recipients within one round.
 */
library ReserveMath {
    /**
     * @notice What one recipient may still claim this round:
     * (remaining + claimedThisRound) / eligibleCount − claimedByRecipient, floored at zero and
     * capped at `remaining`. The cap matters when the eligible count changes mid-round: the
     * share is computed from the round's start, which can then exceed what is left.
     * @param remaining Reserve left now, in wei.
     * @param claimedThisRound Wei claimed from this reserve by all recipients this round.
     * @param eligibleCount Number of eligible recipients; zero means nobody may claim.
     * @param claimedByRecipient Wei this recipient already claimed this round.
     */
    function allocation(
        uint256 remaining,
        uint256 claimedThisRound,
        uint256 eligibleCount,
        uint256 claimedByRecipient
    ) internal pure returns (uint256) {
        if (eligibleCount == 0) return 0;
        // The round's starting reserve is what is left plus what was claimed; each recipient's
        // share of it is fixed for the round whatever order the claims come in.
        uint256 share = (remaining + claimedThisRound) / eligibleCount;
        uint256 left = share > claimedByRecipient ? share - claimedByRecipient : 0;
        return left < remaining ? left : remaining;
    }
}
