// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {ERC1271Wallet} from "../../contracts/mocks/ERC1271Wallet.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/**
 * A contract-wallet sender could "sign" tickets through ERC-1271 and flip its answer before the
 * recipient redeems, voiding winners it already paid with (a double-spend). The broker never
 * consults ERC-1271 at redemption: a wallet pays only through an ECDSA key it authorised, and
 * revoking that key cannot void tickets issued within their validity.
 */
contract ContractWalletSignerAttack is BrokerTest {
    ERC1271Wallet internal wallet;

    function setUp() public override {
        super.setUp();
        wallet = new ERC1271Wallet(broker);
        vm.deal(address(this), 5 ether);
        wallet.fund{value: 5 ether}(5 ether, 0);
    }

    function _walletTicket(uint256 nonce) internal view returns (ITicketBroker.Ticket memory t) {
        t = _ticket(recipient, nonce);
        t.sender = address(wallet);
    }

    function test_attack_TicketValidOnlyThroughERC1271IsAlwaysRefused() public {
        ITicketBroker.Ticket memory t = _walletTicket(1);
        // The wallet vouches for a signature by a key it never authorised ...
        bytes memory sig = _sign(OTHER_KEY, t);
        bytes memory refused = abi.encodeWithSelector(
            ITicketBroker.TicketBrokerUnauthorizedSigner.selector,
            address(wallet),
            other
        );
        wallet.setAnswer(true, false);
        _expectRedeemRevert(t, sig, refused);
        // ... and whatever it answers later, the outcome is the same.
        wallet.setAnswer(false, false);
        _expectRedeemRevert(t, sig, refused);
        wallet.setAnswer(false, true);
        _expectRedeemRevert(t, sig, refused);
    }

    function test_attack_NonECDSAWalletSignatureIsRefused() public {
        ITicketBroker.Ticket memory t = _walletTicket(1);
        wallet.setAnswer(true, false);
        // A Safe-style contract signature blob: not a 65-byte ECDSA signature.
        bytes memory blob = abi.encodePacked(
            bytes32(uint256(uint160(address(wallet)))),
            bytes32(0),
            uint8(0),
            "x"
        );
        _expectRedeemRevert(
            t,
            blob,
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerInvalidSignature.selector,
                broker.getTicketDigest(t)
            )
        );
    }

    function test_attack_AuthorisedKeyStaysRedeemableWhateverTheWalletAnswers() public {
        wallet.authorizeSigner(signer);
        ITicketBroker.Ticket memory t1 = _walletTicket(1);
        ITicketBroker.Ticket memory t2 = _walletTicket(2);
        bytes memory sig1 = _sign(SIGNER_KEY, t1);
        bytes memory sig2 = _sign(SIGNER_KEY, t2);
        // The wallet now denies everything, and even reverts if asked.
        wallet.setAnswer(false, true);
        vm.prank(recipient);
        broker.redeemWinningTicket(t1, sig1, RAND);
        wallet.setAnswer(false, false);
        vm.prank(recipient);
        broker.redeemWinningTicket(t2, sig2, RAND);
        assertEq(recipient.balance, 2 * FACE, "both paid from the wallet's deposit");
        assertEq(broker.getSenderInfo(address(wallet)).deposit, 3 ether, "wallet debited");
    }

    function test_attack_RevokingTheKeyCannotVoidIssuedTickets() public {
        wallet.authorizeSigner(signer);
        ITicketBroker.Ticket memory t = _walletTicket(1);
        t.expiry = block.timestamp + 2 * UNLOCK_PERIOD; // expires well after the notice period
        bytes memory sig = _sign(SIGNER_KEY, t);
        // The wallet revokes its key and turns hostile right after paying with the ticket.
        wallet.revokeSigner(signer);
        wallet.setAnswer(false, true);
        vm.warp(block.timestamp + UNLOCK_PERIOD); // the last second of the notice period
        vm.prank(recipient);
        broker.redeemWinningTicket(t, sig, RAND);
        assertEq(recipient.balance, FACE, "issued ticket honoured");
    }

    function test_attack_RevokedKeyIsRefusedOnceTheNoticePeriodEnds() public {
        wallet.authorizeSigner(signer);
        wallet.revokeSigner(signer);
        // A leaked key keeps signing after the revocation: its tickets die with the notice period.
        ITicketBroker.Ticket memory t = _walletTicket(1);
        t.expiry = block.timestamp + 2 * UNLOCK_PERIOD;
        vm.warp(block.timestamp + UNLOCK_PERIOD + 1);
        _expectRedeemRevert(
            t,
            _sign(SIGNER_KEY, t),
            abi.encodeWithSelector(
                ITicketBroker.TicketBrokerUnauthorizedSigner.selector,
                address(wallet),
                signer
            )
        );
    }
}
