// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/**
 * Livepeer's funding modifier cancelled the *funded* sender's unlock, so anyone could keep a
 * sender from ever withdrawing by funding it with 1 wei before each unlock ended. Here funding
 * for another address must never touch that address's unlock.
 */
contract ThirdPartyUnlockCancellationAttack is BrokerTest {
    address internal attacker = vm.addr(0xA77AC);

    function setUp() public override {
        super.setUp();
        _fund(sender, 2 ether, 1 ether);
        vm.prank(sender);
        broker.unlock();
        vm.deal(attacker, 1 ether);
    }

    function test_attack_DustFundingForTheSenderDoesNotCancelItsUnlock() public {
        uint256 unlockEnd = _unlockEnd(sender);
        vm.startPrank(attacker);
        broker.fundDepositAndReserveFor{value: 1}(sender, 1, 0);
        vm.warp(unlockEnd - 1);
        broker.fundDepositAndReserveFor{value: 1}(sender, 0, 1);
        vm.stopPrank();
        assertEq(_unlockEnd(sender), unlockEnd, "unlock end unchanged");
        vm.warp(unlockEnd);
        uint256 before = sender.balance;
        vm.prank(sender);
        broker.withdraw();
        assertEq(sender.balance - before, 3 ether + 2, "sender withdraws on time, donations included");
    }

    function test_attack_AttackerCannotCancelTheSendersUnlockDirectly() public {
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerNotUnlocking.selector, attacker));
        broker.cancelUnlock();
        assertTrue(broker.isUnlockInProgress(sender), "still unlocking");
    }

    function testFuzz_attack_FundingForAnotherNeverChangesItsUnlock(
        uint96 depositAmount,
        uint96 reserveAmount,
        uint32 delay
    ) public {
        // Keep the sender's balances inside the 96-bit limit (the overflow has its own tests).
        depositAmount = uint96(bound(depositAmount, 0, 1e27));
        reserveAmount = uint96(bound(reserveAmount, 0, 1e27));
        vm.assume(uint256(depositAmount) + reserveAmount != 0);
        uint256 unlockEnd = _unlockEnd(sender);
        vm.warp(START + bound(delay, 0, UNLOCK_PERIOD * 2));
        uint256 value = uint256(depositAmount) + reserveAmount;
        vm.deal(attacker, value);
        vm.prank(attacker);
        broker.fundDepositAndReserveFor{value: value}(sender, depositAmount, reserveAmount);
        assertEq(_unlockEnd(sender), unlockEnd, "unlock end unchanged");
    }
}
