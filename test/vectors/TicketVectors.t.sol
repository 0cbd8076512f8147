// SPDX-License-Identifier: MIT
// solhint-disable func-name-mixedcase, gas-small-strings
pragma solidity ^0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {RecipientPool} from "../../contracts/RecipientPool.sol";
import {TicketBroker} from "../../contracts/TicketBroker.sol";
import {Assertions} from "../utils/Assertions.sol";

/// @notice The file-reading and code-placing cheatcodes this test needs (served by EDR).
// solhint-disable-next-line interface-starts-with-i
interface VectorsVm {
    function readFile(string calldata path) external view returns (string memory);

    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);

    function parseJsonAddress(string calldata json, string calldata key) external pure returns (address);

    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);

    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);

    function parseJsonBool(string calldata json, string calldata key) external pure returns (bool);

    function chainId(uint256 newChainId) external;

    function etch(address target, bytes calldata code) external;
}

/**
 * @title TicketVectorsTest
 * @notice Reads the shared vectors (test/vectors/tickets.json, written by
 * scripts/generate-vectors.ts and also checked by test/ticket/vectors.test.ts) and checks each
 * against a TicketBroker placed at the vectors' verifying contract on their chain id: the digest,
 * the recovered signer, the rand commitment, the draw and the win verdict.
 * @dev Needs `test.solidity.fsPermissions.readFile` to include the vectors file (hardhat.config.ts).
 */
contract TicketVectorsTest is Assertions {
    VectorsVm private constant VVM = VectorsVm(address(uint160(uint256(keccak256("hevm cheat code")))));

    string private constant VECTORS_PATH = "test/vectors/tickets.json";

    string private _json;
    TicketBroker private _broker;

    function setUp() public {
        _json = VVM.readFile(VECTORS_PATH);
        address verifyingContract = VVM.parseJsonAddress(_json, ".domain.verifyingContract");
        VVM.chainId(VVM.parseJsonUint(_json, ".domain.chainId"));
        TicketBroker deployed = new TicketBroker(new RecipientPool(address(this)), 1 days, 1 days);
        // The broker's EIP-712 domain follows address(this) and block.chainid, so its code placed
        // at the vectors' address serves the vectors' domain.
        VVM.etch(verifyingContract, address(deployed).code);
        _broker = TicketBroker(verifyingContract);
    }

    function test_vectors_DomainMatchesFile() public view {
        (
            ,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            ,

        ) = _broker.eip712Domain();
        assertEq(keccak256(bytes(name)), keccak256(bytes("TicketBroker")), "domain name");
        assertEq(keccak256(bytes(version)), keccak256(bytes("1")), "domain version");
        assertEq(chainId, VVM.parseJsonUint(_json, ".domain.chainId"), "chain id");
        assertEq(verifyingContract, address(_broker), "verifying contract");
        bytes32 separator = keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                chainId,
                verifyingContract
            )
        );
        assertEq(separator, VVM.parseJsonBytes32(_json, ".domain.separator"), "domain separator");
    }

    function test_vectors_DigestSignerDrawAndVerdictMatch() public view {
        uint256 count = VVM.parseJsonUint(_json, ".count");
        assertTrue(count != 0, "vectors present");
        uint256 winners;
        for (uint256 i = 0; i < count; ++i) {
            string memory prefix = string.concat(".vectors[", Strings.toString(i), "]");
            ITicketBroker.Ticket memory ticket = _ticket(prefix);
            uint256 rand = VVM.parseJsonUint(_json, string.concat(prefix, ".recipientRand"));
            bytes32 digest = _broker.getTicketDigest(ticket);
            assertEq(digest, VVM.parseJsonBytes32(_json, string.concat(prefix, ".digest")), "digest");
            assertEq(
                ECDSA.recover(digest, VVM.parseJsonBytes(_json, string.concat(prefix, ".signature"))),
                VVM.parseJsonAddress(_json, string.concat(prefix, ".signer")),
                "signer"
            );
            assertEq(keccak256(abi.encode(rand)), ticket.recipientRandHash, "rand commitment");
            uint256 draw = uint256(keccak256(abi.encode(digest, rand)));
            assertEq(bytes32(draw), VVM.parseJsonBytes32(_json, string.concat(prefix, ".draw")), "draw");
            bool won = VVM.parseJsonBool(_json, string.concat(prefix, ".won"));
            assertTrue(_broker.isWinningTicket(ticket, rand) == won, "win verdict");
            assertTrue((draw < ticket.winProb) == won, "draw below winProb");
            if (won) ++winners;
        }
        assertTrue(winners != 0 && winners != count, "vectors hold winners and losers");
    }

    function _ticket(string memory prefix) private view returns (ITicketBroker.Ticket memory t) {
        string memory p = string.concat(prefix, ".ticket");
        t.recipient = VVM.parseJsonAddress(_json, string.concat(p, ".recipient"));
        t.sender = VVM.parseJsonAddress(_json, string.concat(p, ".sender"));
        t.faceValue = VVM.parseJsonUint(_json, string.concat(p, ".faceValue"));
        t.winProb = VVM.parseJsonUint(_json, string.concat(p, ".winProb"));
        t.senderNonce = VVM.parseJsonUint(_json, string.concat(p, ".senderNonce"));
        t.recipientRandHash = VVM.parseJsonBytes32(_json, string.concat(p, ".recipientRandHash"));
        t.expiry = VVM.parseJsonUint(_json, string.concat(p, ".expiry"));
        t.workId = VVM.parseJsonBytes32(_json, string.concat(p, ".workId"));
    }
}
