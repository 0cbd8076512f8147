// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings
pragma solidity ^0.8.30;

import {RecipientPool} from "../../contracts/RecipientPool.sol";
import {TicketBroker} from "../../contracts/TicketBroker.sol";
import {Assertions} from "../utils/Assertions.sol";
import {BrokerHandler} from "./BrokerHandler.t.sol";

/// Invariants of the broker under random sequences of every user action (see BrokerHandler).
contract BrokerInvariantTest is Assertions {
    BrokerHandler internal handler;
    TicketBroker internal broker;

    function setUp() public {
        vm.warp(20_000 days);
        address owner = vm.addr(0x0E1);
        RecipientPool pool = new RecipientPool(owner);
        broker = new TicketBroker(pool, 3 days, 1 days);
        handler = new BrokerHandler(broker, pool, owner);
        address[4] memory members = handler.initialPool();
        vm.startPrank(owner);
        for (uint256 i = 0; i < members.length; ++i) pool.addRecipient(members[i]);
        vm.stopPrank();
    }

    /// Only the handler is called by the invariant fuzzer.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_brokerIsSolvent() public view {
        assertEq(address(broker).balance, handler.owed(), "balance == deposits + reserves + credits");
    }

    function invariant_balanceEqualsEtherInMinusEtherOut() public view {
        assertEq(address(broker).balance, handler.ghostIn() - handler.ghostOut(), "no ether created or lost");
    }

    function invariant_noNonceRedeemedTwice() public view {
        assertFalse(handler.ghostNonceRedeemedTwice(), "a (sender, recipient, nonce) paid twice");
    }

    function invariant_highestRedeemedNonceNeverDecreases() public view {
        assertFalse(handler.ghostNonceDecreased(), "a pair's highest nonce went down");
        assertTrue(handler.noncesMatchGhost(), "stored highest nonce == highest nonce paid");
    }

    function invariant_batchRedemptionNeverReverts() public view {
        assertFalse(handler.ghostBatchReverted(), "a batch reverted instead of reporting its failures");
    }

    function invariant_noRecipientClaimsMoreThanItsAllocation() public view {
        assertFalse(handler.ghostOverClaim(), "a claim exceeded the allocation (or funding moved an unlock)");
    }
}
