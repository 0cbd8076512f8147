// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

import {ITicketBroker} from "../interfaces/ITicketBroker.sol";

/**
 * @title ERC1271Wallet
 * @notice A contract-wallet sender whose ERC-1271 answer is set by the test and can flip at any
 * time, or trap (revert) to prove nobody asks. It funds the broker and manages ticket signers as
 * a Safe would. Tests only.
 */
contract ERC1271Wallet is IERC1271 {
    error ERC1271WalletConsulted();

    ITicketBroker public immutable BROKER;
    /// What isValidSignature answers: true → the ERC-1271 magic value.
    bool public approves;
    /// When set, isValidSignature reverts, so any consultation is visible.
    bool public trap;

    constructor(ITicketBroker broker_) {
        BROKER = broker_;
    }

    function setAnswer(bool approves_, bool trap_) external {
        approves = approves_;
        trap = trap_;
    }

    // solhint-disable-next-line gas-calldata-parameters
    function isValidSignature(bytes32, bytes memory) external view returns (bytes4) {
        if (trap) revert ERC1271WalletConsulted();
        return approves ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }

    function fund(uint256 depositAmount, uint256 reserveAmount) external payable {
        BROKER.fundDepositAndReserve{value: msg.value}(depositAmount, reserveAmount);
    }

    function authorizeSigner(address signer) external {
        BROKER.authorizeSigner(signer);
    }

    function revokeSigner(address signer) external {
        BROKER.revokeSigner(signer);
    }
}
