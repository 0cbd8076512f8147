// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/**
 * Livepeer drew the lottery on the signature bytes, so one ticket re-encoded as a 64-byte
 * EIP-2098 signature (or with high s, or v 0/1) got a second, independent draw. Here the draw
 * depends only on the digest and the revealed rand, and only the canonical encoding is accepted.
 */
contract SecondDrawSignatureEncodingAttack is BrokerTest {
    /// Order of the secp256k1 group.
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    /// The same signature in four encodings: canonical, EIP-2098 compact, high s, v ∈ {0, 1}.
    function _encodings(ITicketBroker.Ticket memory t) internal view returns (bytes[4] memory sigs) {
        (uint8 v, bytes32 r, bytes32 s) = _vrs(broker, SENDER_KEY, t);
        sigs[0] = abi.encodePacked(r, s, v);
        sigs[1] = abi.encodePacked(r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
        sigs[2] = abi.encodePacked(r, bytes32(N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        sigs[3] = abi.encodePacked(r, s, v - 27);
    }

    function test_attack_AlternativeEncodingsAreValidSignaturesOfTheSameKey() public view {
        // Sanity: each alternative really is the same signature, so refusing it is a choice.
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        bytes32 digest = broker.getTicketDigest(t);
        (uint8 v, bytes32 r, bytes32 s) = _vrs(broker, SENDER_KEY, t);
        assertEq(ecrecover(digest, v == 27 ? 28 : 27, r, bytes32(N - uint256(s))), sender, "high-s recovers");
    }

    function test_attack_OnlyTheCanonicalEncodingRedeems() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        bytes32 digest = broker.getTicketDigest(t);
        bytes[4] memory sigs = _encodings(t);
        for (uint256 i = 1; i < 4; ++i) {
            _expectRedeemRevert(
                t,
                sigs[i],
                abi.encodeWithSelector(ITicketBroker.TicketBrokerInvalidSignature.selector, digest)
            );
        }
        vm.prank(recipient);
        broker.redeemWinningTicket(t, sigs[0], RAND);
        for (uint256 i = 0; i < 4; ++i) {
            _expectRedeemRevert(
                t,
                sigs[i],
                abi.encodeWithSelector(
                    ITicketBroker.TicketBrokerNonceAlreadyRedeemed.selector,
                    sender,
                    recipient,
                    1,
                    1
                )
            );
        }
        assertEq(recipient.balance, FACE, "paid once");
    }

    function test_attack_ALosingTicketLosesUnderEveryEncoding() public {
        _fund(sender, 5 ether, 0);
        // A coin-flip ticket whose draw loses: find a rand that loses (each does with p = 1/2).
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.winProb = 1 << 255;
        uint256 rand;
        for (rand = 1; rand < 64; ++rand) {
            t.recipientRandHash = keccak256(abi.encode(rand));
            if (!broker.isWinningTicket(t, rand)) break;
        }
        assertFalse(broker.isWinningTicket(t, rand), "found a losing rand");
        bytes32 digest = broker.getTicketDigest(t);
        bytes[4] memory sigs = _encodings(t);
        bytes memory expected = abi.encodeWithSelector(
            ITicketBroker.TicketBrokerTicketNotWinning.selector,
            digest,
            t.winProb
        );
        for (uint256 i = 0; i < 4; ++i) {
            vm.prank(recipient);
            vm.expectRevert(expected);
            broker.redeemWinningTicket(t, sigs[i], rand);
        }
        assertEq(recipient.balance, 0, "no encoding won");
    }

    function testFuzz_attack_DrawIsTheSameUnderEveryEncoding(
        uint256 winProb,
        uint256 rand,
        uint8 encoding
    ) public {
        // A loser is refused as a loser before the signature is read, whatever its encoding; a
        // winner redeems with the canonical encoding only.
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.winProb = winProb;
        t.recipientRandHash = keccak256(abi.encode(rand));
        bytes32 digest = broker.getTicketDigest(t);
        bool won = uint256(keccak256(abi.encode(digest, rand))) < winProb;
        uint256 which = encoding % 4;
        bytes memory sig = _encodings(t)[which];
        vm.prank(recipient);
        if (!won) {
            vm.expectRevert(
                abi.encodeWithSelector(ITicketBroker.TicketBrokerTicketNotWinning.selector, digest, winProb)
            );
        } else if (which != 0) {
            vm.expectRevert(
                abi.encodeWithSelector(ITicketBroker.TicketBrokerInvalidSignature.selector, digest)
            );
        }
        broker.redeemWinningTicket(t, sig, rand);
        assertEq(recipient.balance, won && which == 0 ? FACE : 0, "paid only for a canonical winner");
    }
}
