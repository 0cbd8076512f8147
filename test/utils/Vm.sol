// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/**
 * @title Vm
 * @notice The few cheatcodes this suite uses, as served by Hardhat's Solidity test runner (EDR)
 * at the conventional cheatcode address. Declared here because forge-std is not a dependency;
 * test/utils/CheatcodeProbe.t.sol checks that every one of them behaves as declared.
 */
// solhint-disable-next-line interface-starts-with-i
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /// Sets block.timestamp.
    function warp(uint256 newTimestamp) external;

    /// Sets block.chainid.
    function chainId(uint256 newChainId) external;

    /// Sets msg.sender for the next call.
    function prank(address msgSender) external;

    /// Sets msg.sender for every call until stopPrank.
    function startPrank(address msgSender) external;

    function stopPrank() external;

    /// Sets an account's ether balance.
    function deal(address account, uint256 newBalance) external;

    /// The next call must revert with exactly this data.
    function expectRevert(bytes calldata revertData) external;

    /// The next call must revert (with any data).
    function expectRevert() external;

    /// The next emitted event must match the one emitted right after this call on the checked parts.
    function expectEmit(
        bool checkTopic1,
        bool checkTopic2,
        bool checkTopic3,
        bool checkData,
        address emitter
    ) external;

    /// Signs a digest with a private key: returns (v, r, s), v ∈ {27, 28}, low s.
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    /// The address of a private key.
    function addr(uint256 privateKey) external pure returns (address keyAddr);

    function recordLogs() external;

    function getRecordedLogs() external returns (Log[] memory logs);

    /// Discards the current fuzz input when `condition` is false.
    function assume(bool condition) external pure;

    /// Names an address in traces.
    function label(address account, string calldata newLabel) external;
}
