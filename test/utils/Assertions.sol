// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Vm} from "./Vm.sol";

/**
 * @title Assertions
 * @notice Assertions that revert with a custom error carrying both values, so a failing test
 * reports what differed (the project's lint forbids string reverts).
 */
abstract contract Assertions {
    error AssertionFailed(string what);
    error AssertEqUintFailed(string what, uint256 left, uint256 right);
    error AssertEqAddressFailed(string what, address left, address right);
    error AssertEqBytes32Failed(string what, bytes32 left, bytes32 right);
    error AssertEqBytesFailed(string what, bytes left, bytes right);
    error AssertLeFailed(string what, uint256 left, uint256 right);

    // solhint-disable-next-line const-name-snakecase
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert AssertionFailed(what);
    }

    function assertFalse(bool condition, string memory what) internal pure {
        if (condition) revert AssertionFailed(what);
    }

    function assertEq(uint256 left, uint256 right, string memory what) internal pure {
        if (left != right) revert AssertEqUintFailed(what, left, right);
    }

    function assertEq(address left, address right, string memory what) internal pure {
        if (left != right) revert AssertEqAddressFailed(what, left, right);
    }

    function assertEq(bytes32 left, bytes32 right, string memory what) internal pure {
        if (left != right) revert AssertEqBytes32Failed(what, left, right);
    }

    function assertEq(bytes memory left, bytes memory right, string memory what) internal pure {
        if (keccak256(left) != keccak256(right)) revert AssertEqBytesFailed(what, left, right);
    }

    /// Asserts left <= right.
    function assertLe(uint256 left, uint256 right, string memory what) internal pure {
        if (left > right) revert AssertLeFailed(what, left, right);
    }

    /// Maps `x` into [lo, hi] (uniformly enough for fuzzing), keeping `x` itself when it is in range.
    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        if (lo > hi) revert AssertionFailed("bound: lo > hi");
        // solhint-disable-next-line gas-strict-inequalities
        if (x >= lo && x <= hi) return x;
        uint256 size = hi - lo;
        if (size == type(uint256).max) return x;
        return lo + (x % (size + 1));
    }
}
