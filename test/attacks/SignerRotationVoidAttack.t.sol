// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/**
 * A sender pays with tickets signed by a delegated hot key, then rotates the key (revoke K,
 * authorise K2) before the recipient redeems, hoping to void the winners it already handed out.
 * Earlier the revocation kept only tickets that expired within one unlock period, so tickets
 * with the recipient's usual, longer expiry died at once: a double-spend. The notice period now
 * runs on redemption time: every ticket K signed stays redeemable for one unlock period.
 */
contract SignerRotationVoidAttack is BrokerTest {
    function test_attack_RotatingTheKeyCannotVoidTicketsWithALongExpiry() public {
        _fund(sender, 10 ether, 0);
        vm.prank(sender);
        broker.authorizeSigner(signer);
        // The recipient's default policy: expiry ≈ issuance + params lifetime + grace + a
        // redemption window that can exceed the unlock period.
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.expiry = block.timestamp + 300 + 60 + 2 * UNLOCK_PERIOD;
        bytes memory sig = _sign(SIGNER_KEY, t);

        vm.warp(block.timestamp + 120);
        vm.startPrank(sender);
        broker.revokeSigner(signer);
        broker.authorizeSigner(other);
        vm.stopPrank();

        // The recipient redeems after the params deadline and grace, as its redeemer does.
        vm.warp(block.timestamp + 300);
        vm.prank(recipient);
        broker.redeemWinningTicket(t, sig, RAND);
        assertEq(recipient.balance, FACE, "winner paid despite the rotation");
    }
}
