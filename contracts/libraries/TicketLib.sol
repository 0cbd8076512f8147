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
     * type once (src/ticketTypes.ts) and a test pins the two together.
     */
    bytes32 internal constant TICKET_TYPEHASH =
        keccak256(
            "Ticket(address recipient,address sender,uint256 faceValue,uint256 winProb,uint256 senderNonce,bytes32 recipientRandHash,uint256 expiry,bytes32 workId)"
        );

    /// @notice The EIP-712 struct hash of `ticket` (to be wrapped with the domain separator).
    function structHash(ITicketBroker.Ticket calldata ticket) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    TICKET_TYPEHASH,
                    ticket.recipient,
                    ticket.sender,
                    ticket.faceValue,
                    ticket.winProb,
                    ticket.senderNonce,
                    ticket.recipientRandHash,
                    ticket.expiry,
                    ticket.workId
                )
            );
    }

    /**
     * @notice The win draw: a ticket wins when keccak256(digest ‖ recipientRand), read as a
     * uint256, is strictly below `winProb`. It depends on the signed digest and the recipient's
     * secret only, never on the signature bytes, so no second signature encoding gives a second draw.
     */
    function isWinning(bytes32 digest, uint256 recipientRand, uint256 winProb) internal pure returns (bool) {
        return uint256(keccak256(abi.encode(digest, recipientRand))) < winProb;
    }
}
