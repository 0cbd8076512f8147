// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ITicketBroker} from "../interfaces/ITicketBroker.sol";

/**
 * @title TicketLib
 * @notice Pure ticket logic: the EIP-712 struct hash and the win draw.
 */
library TicketLib {
    /**
     * @notice EIP-712 type hash of {ITicketBroker.Ticket}. The off-chain library defines the same
     * type once (src/ticket/ticketTypes.ts) and a test pins the two together.
     */
    bytes32 internal constant TICKET_TYPEHASH = keccak256(
        "Ticket(address recipient,address sender,uint256 faceValue,uint256 winProb,uint256 senderNonce,bytes32 recipientRandHash,uint256 expiry,bytes32 workId)"
    );

    /**
     * @notice The EIP-712 struct hash of `ticket` (to be wrapped with the domain separator).
     * @dev Every Ticket field is a static 32-byte word, so the calldata struct is exactly the 8
     * words that follow the type hash in the EIP-712 encoding; hashing them in place avoids
     * re-encoding (about 400 gas a ticket). Callers read `recipient` and `sender` through
     * Solidity, which reverts on dirty address bits, before relying on the hash. The digest
     * tests (TypeScript against ethers, viem and eth-sig-util) pin this encoding.
     */
    function structHash(ITicketBroker.Ticket calldata ticket) internal pure returns (bytes32 hash) {
        bytes32 typeHash = TICKET_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), ticket, 0x100)
            hash := keccak256(ptr, 0x120)
        }
    }

    /**
     * @notice The win draw: a ticket wins when keccak256(digest ‖ recipientRand), read as a
     * uint256, is strictly below `winProb`. It depends on the signed digest and the recipient's
     * secret only, never on the signature bytes, so no second signature encoding gives a second draw.
     */
    function isWinning(
        bytes32 digest,
        uint256 recipientRand,
        uint256 winProb
    ) internal pure returns (bool won) {
        assembly ("memory-safe") {
            // keccak256(abi.encode(digest, recipientRand)) in the scratch space.
            mstore(0x00, digest)
            mstore(0x20, recipientRand)
            won := lt(keccak256(0x00, 0x40), winProb)
        }
    }

    /// @notice keccak256(abi.encode(recipientRand)): the commitment a ticket carries.
    function randHash(uint256 recipientRand) internal pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            mstore(0x00, recipientRand)
            hash := keccak256(0x00, 0x20)
        }
    }
}
