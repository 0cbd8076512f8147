// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {RecipientPool} from "../contracts/RecipientPool.sol";
import {Assertions} from "./utils/Assertions.sol";

contract RecipientPoolTest is Assertions {
    RecipientPool internal pool;
    address internal owner = vm.addr(0x0E1);
    address internal newOwner = vm.addr(0x0E2);
    address internal stranger = vm.addr(0xBAD);
    address internal a = vm.addr(0xA);
    address internal b = vm.addr(0xB);

    function setUp() public {
        pool = new RecipientPool(owner);
    }

    function test_constructor_SetsOwnerAndEmptyPool() public view {
        assertEq(pool.owner(), owner, "owner");
        assertEq(pool.eligibleCount(), 0, "empty");
        assertEq(pool.recipients().length, 0, "no recipients");
    }

    function test_constructor_RevertWhen_OwnerIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new RecipientPool(address(0));
    }

    function test_addRecipient_MakesEligibleAndCounts() public {
        vm.expectEmit(true, false, false, true, address(pool));
        emit RecipientPool.RecipientAdded(a);
        vm.prank(owner);
        pool.addRecipient(a);
        vm.prank(owner);
        pool.addRecipient(b);
        assertTrue(pool.isEligible(a), "a eligible");
        assertTrue(pool.isEligible(b), "b eligible");
        assertFalse(pool.isEligible(stranger), "stranger not eligible");
        assertEq(pool.eligibleCount(), 2, "count");
        address[] memory list = pool.recipients();
        assertEq(list.length, 2, "listed");
        assertTrue((list[0] == a && list[1] == b) || (list[0] == b && list[1] == a), "both listed");
    }

    function test_addRecipient_RevertWhen_AlreadyEligible() public {
        vm.startPrank(owner);
        pool.addRecipient(a);
        vm.expectRevert(abi.encodeWithSelector(RecipientPool.RecipientPoolAlreadyEligible.selector, a));
        pool.addRecipient(a);
        vm.stopPrank();
        assertEq(pool.eligibleCount(), 1, "counted once");
    }

    function test_addRecipient_RevertWhen_ZeroAddress() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(RecipientPool.RecipientPoolZeroAddress.selector));
        pool.addRecipient(address(0));
    }

    function test_addRecipient_RevertWhen_CallerIsNotOwner() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        pool.addRecipient(a);
    }

    function test_removeRecipient_RemovesAndCounts() public {
        vm.startPrank(owner);
        pool.addRecipient(a);
        pool.addRecipient(b);
        vm.expectEmit(true, false, false, true, address(pool));
        emit RecipientPool.RecipientRemoved(a);
        pool.removeRecipient(a);
        vm.stopPrank();
        assertFalse(pool.isEligible(a), "a removed");
        assertTrue(pool.isEligible(b), "b stays");
        assertEq(pool.eligibleCount(), 1, "count");
        assertEq(pool.recipients()[0], b, "list");
    }

    function test_removeRecipient_RevertWhen_NotEligible() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(RecipientPool.RecipientPoolNotEligible.selector, a));
        pool.removeRecipient(a);
    }

    function test_removeRecipient_RevertWhen_CallerIsNotOwner() public {
        vm.prank(owner);
        pool.addRecipient(a);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        pool.removeRecipient(a);
        assertTrue(pool.isEligible(a), "still eligible");
    }

    function testFuzz_eligibleCount_EqualsTheNumberOfEligibleAddresses(uint8[16] memory ops) public {
        // Each op toggles one of 8 addresses; the count must match the members every time.
        address[8] memory addrs;
        for (uint256 i = 0; i < 8; ++i) addrs[i] = vm.addr(i + 100);
        vm.startPrank(owner);
        for (uint256 k = 0; k < ops.length; ++k) {
            address who = addrs[ops[k] % 8];
            if (pool.isEligible(who)) pool.removeRecipient(who);
            else pool.addRecipient(who);
            uint256 members;
            for (uint256 i = 0; i < 8; ++i) if (pool.isEligible(addrs[i])) ++members;
            assertEq(pool.eligibleCount(), members, "count == members");
            assertEq(pool.recipients().length, members, "list length == members");
        }
        vm.stopPrank();
    }

    function test_transferOwnership_TakesEffectOnlyWhenAccepted() public {
        vm.prank(owner);
        pool.transferOwnership(newOwner);
        assertEq(pool.owner(), owner, "owner unchanged until accepted");
        assertEq(pool.pendingOwner(), newOwner, "pending");
        vm.prank(newOwner);
        pool.acceptOwnership();
        assertEq(pool.owner(), newOwner, "new owner");
        assertEq(pool.pendingOwner(), address(0), "no longer pending");
        vm.prank(newOwner);
        pool.addRecipient(a);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        pool.addRecipient(b);
    }

    function test_acceptOwnership_RevertWhen_CallerIsNotPending() public {
        vm.prank(owner);
        pool.transferOwnership(newOwner);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        pool.acceptOwnership();
        assertEq(pool.owner(), owner, "owner unchanged");
    }

    function test_transferOwnership_RevertWhen_CallerIsNotOwner() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        pool.transferOwnership(stranger);
    }

    function test_renounceOwnership_FreezesThePool() public {
        vm.prank(owner);
        pool.renounceOwnership();
        assertEq(pool.owner(), address(0), "no owner");
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        pool.addRecipient(a);
    }
}
