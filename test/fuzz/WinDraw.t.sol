// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {TicketLib} from "../../contracts/libraries/TicketLib.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/**
 * The win frequency matches winProb / 2^256.
 *
 * Tolerance. The number of wins X in n independent draws with probability p is binomial with
 * mean μ = np and variance σ² = np(1 − p). Bernstein's inequality gives
 *     P(|X − μ| ≥ t) ≤ 2·exp(−t² / (2σ² + 2t/3)).
 * With t = 6σ + 10 the exponent t²/(2σ² + 2t/3) is 15 at σ = 0, about 20 at σ = 1 and tends to
 * 18 as σ grows; it is never below 15. So one check fails by chance with probability at most
 * 2·e^−15 ≈ 6·10^−7: about 10^−4 over every check of a full run. The tolerance is more than
 * 5σ, as required, and the draws are deterministic per input (no block data, no time), so a
 * run is reproducible from the fuzz seed in hardhat.config.ts.
 *
 * The keccak output is the randomness: draws use distinct (digest, rand) pairs, so they are
 * independent under the random-oracle model of keccak256.
 */
contract WinDrawFuzzTest is BrokerTest {
    /// Scale of the fixed-point arithmetic below: p is held as p × 2^64.
    uint256 internal constant ONE = 1 << 64;

    error WinCountOutOfTolerance(
        uint256 winProb,
        uint256 draws,
        uint256 wins,
        uint256 meanX64,
        uint256 tolX64
    );

    /// The tolerance t = 6σ + 10 and mean μ, both × 2^64, for `draws` draws at `winProb`.
    function _bounds(uint256 winProb, uint256 draws) internal pure returns (uint256 meanX64, uint256 tolX64) {
        // p × 2^64, truncated: the error (< 2^-64 per draw) is far below one win.
        uint256 p64 = winProb >> 192;
        meanX64 = draws * p64;
        uint256 varX128 = draws * p64 * (ONE - p64); // σ² × 2^128; < 2^12 · 2^128
        tolX64 = 6 * Math.sqrt(varX128) + 10 * ONE;
    }

    function _check(uint256 winProb, uint256 draws, uint256 wins) internal pure {
        (uint256 meanX64, uint256 tolX64) = _bounds(winProb, draws);
        uint256 winsX64 = wins * ONE;
        uint256 diff = winsX64 > meanX64 ? winsX64 - meanX64 : meanX64 - winsX64;
        if (diff > tolX64) revert WinCountOutOfTolerance(winProb, draws, wins, meanX64, tolX64);
    }

    /// The library draw, for any winProb: 400 draws with one digest and 400 rands.
    function testFuzz_winDraw_MatchesProbability(uint256 winProb, bytes32 digest) public pure {
        uint256 draws = 400;
        uint256 wins;
        for (uint256 i = 0; i < draws; ++i) {
            if (TicketLib.isWinning(digest, uint256(keccak256(abi.encode(i))), winProb)) ++wins;
        }
        _check(winProb, draws, wins);
    }

    /// The broker's own draw at fixed probabilities, 2,000 tickets each (distinct nonces).
    function test_winDraw_BrokerFrequencyMatchesFixedProbabilities() public view {
        uint256[5] memory probs = [
            uint256(1) << 255, // 1/2
            uint256(1) << 253, // 1/8
            type(uint256).max / 100, // ≈ 1/100
            type(uint256).max / 3, // ≈ 1/3
            uint256(1) << 236 // 2^-20: expect no win
        ];
        uint256 draws = 2_000;
        for (uint256 k = 0; k < probs.length; ++k) {
            ITicketBroker.Ticket memory t = _ticket(recipient, 1);
            t.winProb = probs[k];
            uint256 wins;
            for (uint256 i = 0; i < draws; ++i) {
                t.senderNonce = i + 1;
                if (broker.isWinningTicket(t, RAND)) ++wins;
            }
            _check(probs[k], draws, wins);
        }
    }

    /// The tolerance is tight enough to catch a draw off by a factor of two at p = 1/2 or 1/8.
    function test_winDraw_ToleranceDetectsADoubledOrHalvedProbability() public pure {
        uint256 draws = 2_000;
        uint256[2] memory probs = [uint256(1) << 255, uint256(1) << 253];
        for (uint256 k = 0; k < 2; ++k) {
            (uint256 meanX64, uint256 tolX64) = _bounds(probs[k], draws);
            assertLe(tolX64, meanX64 / 2, "tolerance below half the mean");
        }
    }

    function testFuzz_winDraw_ZeroNeverWinsAndMaxWinsBelowMax(bytes32 digest, uint256 rand) public pure {
        assertFalse(TicketLib.isWinning(digest, rand, 0), "winProb 0 won");
        uint256 draw = uint256(keccak256(abi.encode(digest, rand)));
        assertTrue(TicketLib.isWinning(digest, rand, type(uint256).max) == (draw < type(uint256).max), "max");
        // Strict comparison: a winProb equal to the draw loses, one above it wins.
        assertFalse(TicketLib.isWinning(digest, rand, draw), "winProb == draw must lose");
        if (draw < type(uint256).max)
            assertTrue(TicketLib.isWinning(digest, rand, draw + 1), "draw + 1 wins");
    }
}
