// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract RevokeSignerTest is BrokerTest {
    uint256 internal validUntil;

    function setUp() public override {
        super.setUp();
        _fund(sender, 5 ether, 0);
        vm.prank(sender);
        broker.authorizeSigner(signer);
        vm.warp(START + 100);
        validUntil = START + 100 + UNLOCK_PERIOD;
    }

    function _revoke() internal {
        vm.prank(sender);
        broker.revokeSigner(signer);
    }

    function test_revokeSigner_SetsValidUntilOneUnlockPeriodAhead() public {
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.SignerRevoked(sender, signer, validUntil);
        _revoke();
        assertEq(broker.signerValidUntil(sender, signer), validUntil, "validUntil");
    }

    function test_revokeSigner_TicketStaysRedeemableUntilValidUntilWhateverItsExpiry() public {
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        // Issued before the revocation and valid long after the notice period.
        t.expiry = validUntil + 365 days;
        bytes memory sig = _sign(SIGNER_KEY, t);
        _revoke();
        vm.warp(validUntil);
        vm.prank(recipient);
        broker.redeemWinningTicket(t, sig, RAND);
        assertEq(recipient.balance, FACE, "issued ticket honoured at the last second");
    }

    function test_revokeSigner_RevertWhen_RedeemedOneSecondAfterValidUntil() public {
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.expiry = validUntil + 365 days;
        bytes memory sig = _sign(SIGNER_KEY, t);
        _revoke();
        vm.warp(validUntil + 1);
        _expectRedeemRevert(
            t,
            sig,
            abi.encodeWithSelector(ITicketBroker.TicketBrokerUnauthorizedSigner.selector, sender, signer)
        );
    }

    function test_revokeSigner_DoesNotAffectTheSendersOwnSignature() public {
        _revoke();
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.expiry = validUntil + 365 days;
        _redeem(t);
        assertEq(recipient.balance, FACE, "sender's own key still valid");
    }

    function test_revokeSigner_RevertWhen_NeverAuthorised() public {
        vm.prank(sender);
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.TicketBrokerSignerNotAuthorized.selector, sender, other)
        );
        broker.revokeSigner(other);
    }

    function test_revokeSigner_RevertWhen_AlreadyRevoked() public {
        _revoke();
        vm.warp(START + 200);
        vm.prank(sender);
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.TicketBrokerSignerNotAuthorized.selector, sender, signer)
        );
        broker.revokeSigner(signer);
        assertEq(
            broker.signerValidUntil(sender, signer),
            validUntil,
            "a second revoke cannot move validUntil"
        );
    }

    function test_revokeSigner_RevertWhen_CalledByAnotherSender() public {
        vm.prank(other);
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.TicketBrokerSignerNotAuthorized.selector, other, signer)
        );
        broker.revokeSigner(signer);
        assertEq(broker.signerValidUntil(sender, signer), type(uint256).max, "still active for sender");
    }
}
