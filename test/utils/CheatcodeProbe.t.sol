// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities, one-contract-per-file
pragma solidity ^0.8.30;

import {Assertions} from "./Assertions.sol";
import {Vm} from "./Vm.sol";

contract Emitter {
    event Ping(address indexed who, uint256 indexed value);
    error Nope(uint256 value);

    function ping(uint256 value) external {
        emit Ping(msg.sender, value);
    }

    function fail(uint256 value) external pure {
        revert Nope(value);
    }

    function whoami() external view returns (address) {
        return msg.sender;
    }
}

/// @notice Pins the behaviour of every cheatcode declared in Vm.sol under Hardhat's runner.
contract CheatcodeProbeTest is Assertions {
    event Ping(address indexed who, uint256 indexed value);

    Emitter internal e = new Emitter();

    function test_warp_SetsTimestamp() public {
        vm.warp(1_000_000);
        assertTrue(block.timestamp == 1_000_000, "warp");
    }

    function test_chainId_SetsChainId() public {
        vm.chainId(421614);
        assertTrue(block.chainid == 421614, "chainId");
    }

    function test_prank_SetsSenderForOneCall() public {
        vm.prank(address(0xBEEF));
        assertTrue(e.whoami() == address(0xBEEF), "prank");
        assertTrue(e.whoami() == address(this), "prank once");
        vm.startPrank(address(0xCAFE));
        assertTrue(e.whoami() == address(0xCAFE), "startPrank");
        assertTrue(e.whoami() == address(0xCAFE), "startPrank 2");
        vm.stopPrank();
        assertTrue(e.whoami() == address(this), "stopPrank");
    }

    function test_deal_SetsBalance() public {
        vm.deal(address(0xBEEF), 7 ether);
        assertTrue(address(0xBEEF).balance == 7 ether, "deal");
    }

    function test_expectRevert_MatchesData() public {
        vm.expectRevert(abi.encodeWithSelector(Emitter.Nope.selector, 5));
        e.fail(5);
    }

    function test_expectRevert_FailsOnOtherData() public {
        // expectRevert with wrong data must make the call itself fail.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = address(this).call(abi.encodeCall(this.wrongRevertData, ()));
        assertTrue(!ok, "expectRevert accepted wrong data");
    }

    function wrongRevertData() external {
        vm.expectRevert(abi.encodeWithSelector(Emitter.Nope.selector, 6));
        e.fail(5);
    }

    function test_expectEmit_Matches() public {
        vm.expectEmit(true, true, false, true, address(e));
        emit Ping(address(this), 3);
        e.ping(3);
    }

    function test_sign_RecoversToAddr() public pure {
        uint256 key = 0xA11CE;
        bytes32 digest = keccak256("probe");
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        assertTrue(ecrecover(digest, v, r, s) == vm.addr(key), "sign/addr");
        assertTrue(v == 27 || v == 28, "v");
        assertTrue(uint256(s) <= 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0, "low s");
    }

    function test_recordLogs_ReturnsLogs() public {
        vm.recordLogs();
        e.ping(9);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertTrue(logs.length == 1, "one log");
        assertTrue(logs[0].emitter == address(e), "emitter");
        assertTrue(logs[0].topics[0] == Ping.selector, "topic");
        assertTrue(logs[0].topics[2] == bytes32(uint256(9)), "indexed value");
    }

    function testFuzz_assume_Filters(uint256 x) public pure {
        vm.assume(x % 2 == 0);
        assertTrue(x % 2 == 0, "assume");
    }

    function test_label_DoesNotRevert() public {
        vm.label(address(e), "emitter");
    }
}
