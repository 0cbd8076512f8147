// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/**
 * The replay guard keeps only the highest redeemed nonce per (sender, recipient). If anyone but
 * the recipient could redeem, an attacker (or the sender) who saw a higher-nonce ticket could
 * redeem it first and void every lower-nonce winner the recipient still holds.
 */
contract NonceFrontRunningAttack is BrokerTest {
    address internal attacker = vm.addr(0xA77AC);

    function test_attack_ThirdPartyCannotRedeemAHigherNonceFirst() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.Ticket memory low = _ticket(recipient, 1);
        ITicketBroker.Ticket memory high = _ticket(recipient, 2);
        bytes memory highSig = _sign(SENDER_KEY, high);
        for (uint256 i = 0; i < 2; ++i) {
            address caller = i == 0 ? attacker : sender;
            vm.prank(caller);
            vm.expectRevert(
                abi.encodeWithSelector(
                    ITicketBroker.TicketBrokerCallerNotRecipient.selector,
                    caller,
                    recipient
                )
            );
            broker.redeemWinningTicket(high, highSig, RAND);
        }
        assertEq(broker.highestRedeemedNonce(sender, recipient), 0, "nothing consumed");
        _redeem(low);
        vm.prank(recipient);
        broker.redeemWinningTicket(high, highSig, RAND);
        assertEq(recipient.balance, 2 * FACE, "both paid, in ascending order");
    }

    function test_attack_ThirdPartyBatchCannotConsumeTheRecipientsNonce() public {
        _fund(sender, 5 ether, 0);
        ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](1);
        batch[0] = _signed(_ticket(recipient, 9), SENDER_KEY);
        vm.prank(attacker);
        assertEq(broker.redeemWinningTickets(batch), 0, "nothing paid");
        assertEq(broker.highestRedeemedNonce(sender, recipient), 0, "nothing consumed");
    }

    function test_attack_HigherNonceForAnotherPairDoesNotAffectThisPair() public {
        _fund(sender, 5 ether, 0);
        _redeem(_ticket(attacker, 1_000));
        _redeem(_ticket(recipient, 1));
        assertEq(broker.highestRedeemedNonce(sender, recipient), 1, "pair independent");
    }
}
