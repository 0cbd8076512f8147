// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

contract AuthorizeSignerTest is BrokerTest {
    function setUp() public override {
        super.setUp();
        _fund(sender, 5 ether, 0);
    }

    function test_authorizeSigner_MakesTicketsSignedByTheKeyRedeemable() public {
        vm.expectEmit(true, true, false, true, address(broker));
        emit ITicketBroker.SignerAuthorized(sender, signer);
        vm.prank(sender);
        broker.authorizeSigner(signer);
        assertEq(broker.signerValidUntil(sender, signer), type(uint256).max, "active");
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        bytes memory sig = _sign(SIGNER_KEY, t);
        vm.prank(recipient);
        broker.redeemWinningTicket(t, sig, RAND);
        assertEq(recipient.balance, FACE, "paid from the sender's deposit");
        assertEq(_deposit(sender), 4 ether, "sender debited");
    }

    function test_authorizeSigner_RevertWhen_TicketSignedBeforeAuthorisation() public {
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        _expectRedeemRevert(
            t,
            _sign(SIGNER_KEY, t),
            abi.encodeWithSelector(ITicketBroker.TicketBrokerUnauthorizedSigner.selector, sender, signer)
        );
    }

    function test_authorizeSigner_OnlyForTheAuthorisingSender() public {
        vm.prank(sender);
        broker.authorizeSigner(signer);
        _fund(other, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.sender = other;
        _expectRedeemRevert(
            t,
            _sign(SIGNER_KEY, t),
            abi.encodeWithSelector(ITicketBroker.TicketBrokerUnauthorizedSigner.selector, other, signer)
        );
    }

    function test_authorizeSigner_ReauthorisingARevokedSignerRestoresIt() public {
        vm.startPrank(sender);
        broker.authorizeSigner(signer);
        broker.revokeSigner(signer);
        broker.authorizeSigner(signer);
        vm.stopPrank();
        assertEq(broker.signerValidUntil(sender, signer), type(uint256).max, "active again");
    }

    function test_authorizeSigner_RevertWhen_SignerIsZero() public {
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketBrokerZeroAddress.selector));
        broker.authorizeSigner(address(0));
    }
}
