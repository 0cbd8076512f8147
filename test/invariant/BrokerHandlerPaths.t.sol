// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings
pragma solidity ^0.8.30;

import {RecipientPool} from "../../contracts/RecipientPool.sol";
import {TicketBroker} from "../../contracts/TicketBroker.sol";
import {Assertions} from "../utils/Assertions.sol";
import {BrokerHandler} from "./BrokerHandler.t.sol";

/// A fixed walk through the handler, so the invariant campaign is known to reach every path.
contract BrokerHandlerPathsTest is Assertions {
    function test_handler_ReachesEveryPath() public {
        vm.warp(20_000 days);
        address owner = vm.addr(0x0E1);
        RecipientPool pool = new RecipientPool(owner);
        TicketBroker broker = new TicketBroker(pool, 3 days, 1 days);
        BrokerHandler h = new BrokerHandler(broker, pool, owner);
        address[4] memory members = h.initialPool();
        vm.startPrank(owner);
        for (uint256 i = 0; i < members.length; ++i) pool.addRecipient(members[i]);
        vm.stopPrank();

        h.fund(0, 2 ether, 6 ether);
        h.fundFor(1, 0, 1 ether, 0);
        h.redeem(0, 0, 1 ether, 0); // from the deposit
        h.redeem(0, 1, 2 ether, 0); // 1 ether from the deposit, 1 ether from the reserve
        h.redeem(0, 2, 4 ether, 0); // more than recipient 2's share: refused
        h.redeemBatch(0, 4, 3, 7, 0); // to the contract that refuses ether: credited
        h.replay(0, 0); // refused
        h.withdrawEarnings();
        h.togglePool(3);
        h.warp(2 days);
        h.unlock(0);
        h.cancelUnlock(0);
        h.unlock(0);
        h.warp(2 days);
        h.warp(2 days);
        h.withdraw(0);

        assertLe(3, h.redemptions(), "redemptions happened");
        assertLe(2, h.singleRedemptions(), "single redemptions happened");
        assertLe(1, h.reserveClaims(), "reserve claims happened");
        assertLe(2, h.refusals(), "refusals happened");
        assertEq(h.withdrawals(), 1, "withdrawal happened");
        assertEq(address(broker).balance, h.owed(), "solvent");
        assertEq(address(broker).balance, h.ghostIn() - h.ghostOut(), "flows balance");
        assertFalse(h.ghostNonceRedeemedTwice() || h.ghostNonceDecreased() || h.ghostOverClaim(), "no flag");
        assertTrue(h.noncesMatchGhost(), "nonces match");
    }
}
