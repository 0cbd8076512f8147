// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {TicketBroker} from "../../contracts/TicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/**
 * Livepeer's ticket hash bound neither the chain nor the broker, so a ticket could be replayed
 * on another deployment where the sender also had funds. The EIP-712 domain binds both here.
 */
contract CrossChainReplayAttack is BrokerTest {
    function _recovered(bytes32 digest, bytes memory sig) internal pure returns (address) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
            v := byte(0, mload(add(sig, 0x60)))
        }
        return ecrecover(digest, v, r, s);
    }

    function test_attack_TicketSignedForAnotherChainIsRefused() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        bytes memory sig = _sign(SENDER_KEY, t); // signed under this chain id
        vm.chainId(421614);
        bytes32 digest = broker.getTicketDigest(t);
        address wrong = _recovered(digest, sig);
        assertTrue(wrong != sender, "the signature does not carry over");
        _expectRedeemRevert(
            t,
            sig,
            abi.encodeWithSelector(ITicketBroker.TicketBrokerUnauthorizedSigner.selector, sender, wrong)
        );
        // The same ticket signed for this chain works.
        _redeem(t);
        assertEq(recipient.balance, FACE, "paid on the chain it was signed for");
    }

    function test_attack_TicketSignedForAnotherBrokerIsRefused() public {
        TicketBroker broker2 = new TicketBroker(pool, UNLOCK_PERIOD, ROUND_LENGTH);
        _fund(sender, 5 ether, 0);
        vm.deal(sender, 5 ether);
        vm.prank(sender);
        broker2.fundDeposit{value: 5 ether}();
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        bytes memory sig = _sign(SENDER_KEY, t); // for `broker`
        bytes32 digest2 = broker2.getTicketDigest(t);
        assertTrue(digest2 != broker.getTicketDigest(t), "digests differ per broker");
        // Computed before the prank: ecrecover is a call and would use it up.
        address wrong = _recovered(digest2, sig);
        vm.prank(recipient);
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.TicketBrokerUnauthorizedSigner.selector, sender, wrong)
        );
        broker2.redeemWinningTicket(t, sig, RAND);
        vm.prank(recipient);
        broker.redeemWinningTicket(t, sig, RAND);
        assertEq(recipient.balance, FACE, "paid once, by the broker it was signed for");
        assertEq(broker2.getSenderInfo(sender).deposit, 5 ether, "second broker untouched");
    }
}
