// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings, gas-strict-inequalities
pragma solidity ^0.8.30;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {BrokerTest} from "../utils/BrokerTest.sol";

/// The read-only surface: rounds, sender state, allocations, signers, the digest, the draw, EIP-5267.
contract ViewsTest is BrokerTest {
    bytes32 internal constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 internal constant TICKET_TYPEHASH = keccak256(
        "Ticket(address recipient,address sender,uint256 faceValue,uint256 winProb,uint256 senderNonce,bytes32 recipientRandHash,uint256 expiry,bytes32 workId)"
    );

    /// The EIP-712 digest computed from the spec with abi.encode, independent of the contract's code.
    function _referenceDigest(ITicketBroker.Ticket memory t) internal view returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256("TicketBroker"),
                keccak256("1"),
                block.chainid,
                address(broker)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                TICKET_TYPEHASH,
                t.recipient,
                t.sender,
                t.faceValue,
                t.winProb,
                t.senderNonce,
                t.recipientRandHash,
                t.expiry,
                t.workId
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function test_eip712Domain_DescribesThisBroker() public view {
        (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        ) = broker.eip712Domain();
        assertEq(uint256(uint8(fields)), 0x0f, "name, version, chainId, verifyingContract");
        assertEq(keccak256(bytes(name)), keccak256("TicketBroker"), "name");
        assertEq(keccak256(bytes(version)), keccak256("1"), "version");
        assertEq(chainId, block.chainid, "chain id");
        assertEq(verifyingContract, address(broker), "verifying contract");
        assertEq(salt, bytes32(0), "no salt");
        assertEq(extensions.length, 0, "no extensions");
    }

    function test_eip712Domain_FollowsTheChainId() public {
        vm.chainId(421614);
        (, , , uint256 chainId, , , ) = broker.eip712Domain();
        assertEq(chainId, 421614, "chain id after a fork");
    }

    function testFuzz_getTicketDigest_MatchesReferenceEncoding(
        address to,
        address from,
        uint256 faceValue,
        uint256 winProb,
        uint256 nonce,
        bytes32 randHash,
        uint256 expiry,
        bytes32 workId
    ) public view {
        ITicketBroker.Ticket memory t = ITicketBroker.Ticket(
            to,
            from,
            faceValue,
            winProb,
            nonce,
            randHash,
            expiry,
            workId
        );
        assertEq(broker.getTicketDigest(t), _referenceDigest(t), "digest");
    }

    function test_getTicketDigest_ChangesWithEveryField() public view {
        bytes32 base = broker.getTicketDigest(_ticket(recipient, 1));
        for (uint256 field = 0; field < 8; ++field) {
            ITicketBroker.Ticket memory t = _ticket(recipient, 1);
            if (field == 0) t.recipient = recipient2;
            else if (field == 1) t.sender = other;
            else if (field == 2) ++t.faceValue;
            else if (field == 3) --t.winProb;
            else if (field == 4) ++t.senderNonce;
            else if (field == 5) t.recipientRandHash = bytes32(uint256(t.recipientRandHash) ^ 1);
            else if (field == 6) ++t.expiry;
            else t.workId = bytes32(uint256(t.workId) ^ 1);
            assertTrue(broker.getTicketDigest(t) != base, "field not bound by the digest");
        }
    }

    function test_getTicketDigest_ChangesWithTheChainId() public {
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        bytes32 before = broker.getTicketDigest(t);
        vm.chainId(421614);
        bytes32 afterFork = broker.getTicketDigest(t);
        assertTrue(before != afterFork, "chain id bound");
        assertEq(afterFork, _referenceDigest(t), "reference on the new chain");
    }

    function testFuzz_isWinningTicket_MatchesTheSpecifiedDraw(uint256 winProb, uint256 rand) public view {
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.winProb = winProb;
        bool expected = uint256(keccak256(abi.encode(_referenceDigest(t), rand))) < winProb;
        assertTrue(broker.isWinningTicket(t, rand) == expected, "draw differs from the specification");
    }

    function testFuzz_isWinningTicket_ZeroNeverWins(uint256 rand) public view {
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.winProb = 0;
        assertFalse(broker.isWinningTicket(t, rand), "winProb 0 won");
    }

    function test_isWinningTicket_IgnoresTheRandCommitment() public view {
        ITicketBroker.Ticket memory t = _ticket(recipient, 1);
        t.recipientRandHash = bytes32(0);
        assertTrue(broker.isWinningTicket(t, RAND), "the draw ignores every other rule");
    }

    function test_currentRound_ChangesAtTheExactBoundary() public {
        uint256 next = _nextRoundStart();
        vm.warp(next - 1);
        assertEq(broker.currentRound(), next / ROUND_LENGTH - 1, "last second of the round");
        vm.warp(next);
        assertEq(broker.currentRound(), next / ROUND_LENGTH, "first second of the next");
    }

    function test_getSenderInfo_ReportsFundsAndUnlock() public {
        _fund(sender, 2 ether, 1 ether);
        vm.prank(sender);
        broker.unlock();
        ITicketBroker.SenderInfo memory info = broker.getSenderInfo(sender);
        assertEq(info.deposit, 2 ether, "deposit");
        assertEq(info.reserve, 1 ether, "reserve");
        assertEq(info.unlockEnd, START + UNLOCK_PERIOD, "unlockEnd");
        info = broker.getSenderInfo(other);
        assertEq(info.deposit + info.reserve + info.unlockEnd, 0, "unknown sender is empty");
    }

    function test_claimableReserve_IsTheShareForEligibleRecipients() public {
        assertEq(broker.claimableReserve(sender, recipient), 0, "no reserve");
        _fund(sender, 0, 3 ether + 2);
        assertEq(broker.claimableReserve(sender, recipient), 1 ether, "floor of reserve / 3");
        assertEq(broker.claimableReserve(sender, outsider), 0, "ineligible gets nothing");
        vm.prank(poolOwner);
        pool.removeRecipient(recipient3);
        assertEq(broker.claimableReserve(sender, recipient), (3 ether + 2) / 2, "count follows the pool");
        assertEq(broker.claimableReserve(sender, recipient3), 0, "removed gets nothing");
    }

    function test_signerValidUntil_ReportsEachState() public {
        assertEq(broker.signerValidUntil(sender, signer), 0, "never authorised");
        vm.prank(sender);
        broker.authorizeSigner(signer);
        assertEq(broker.signerValidUntil(sender, signer), type(uint256).max, "active");
        vm.prank(sender);
        broker.revokeSigner(signer);
        assertEq(broker.signerValidUntil(sender, signer), START + UNLOCK_PERIOD, "revoked");
    }

    function test_highestRedeemedNonceAndCredits_StartAtZero() public view {
        assertEq(broker.highestRedeemedNonce(sender, recipient), 0, "nonce");
        assertEq(broker.creditedEarnings(recipient), 0, "credits");
    }
}
