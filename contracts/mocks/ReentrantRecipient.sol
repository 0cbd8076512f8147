// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ITicketBroker} from "../interfaces/ITicketBroker.sol";

/**
 * @title ReentrantRecipient
 * @notice A recipient contract whose receive() calls back into the broker while a payout is in
 * flight: redeeming another ticket, redeeming a batch, or withdrawing earnings. With `swallow`
 * set it catches the failure of the re-entrant call so that its receive() succeeds. It can also
 * act as a sender (fund, unlock, withdraw), so a withdrawal's payout can trigger the re-entry.
 * Tests only.
 */
contract ReentrantRecipient {
    enum Mode {
        None,
        Redeem,
        RedeemBatch,
        WithdrawEarnings
    }

    ITicketBroker public immutable BROKER;
    Mode public mode;
    bool public swallow;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;

    ITicketBroker.Ticket private _ticket;
    bytes private _signature;
    uint256 private _rand;

    constructor(ITicketBroker broker_) {
        BROKER = broker_;
    }

    /// Arms the re-entry: receive() will run `mode_` once with the stored ticket.
    function arm(
        Mode mode_,
        bool swallow_,
        ITicketBroker.Ticket calldata ticket,
        bytes calldata signature,
        uint256 rand
    ) external {
        mode = mode_;
        swallow = swallow_;
        _ticket = ticket;
        _signature = signature;
        _rand = rand;
    }

    function redeem(ITicketBroker.Ticket calldata ticket, bytes calldata signature, uint256 rand) external {
        BROKER.redeemWinningTicket(ticket, signature, rand);
    }

    function withdrawEarnings(address payable to) external {
        BROKER.withdrawEarnings(to);
    }

    function fundDeposit() external payable {
        BROKER.fundDeposit{value: msg.value}();
    }

    function unlock() external {
        BROKER.unlock();
    }

    function withdraw() external {
        BROKER.withdraw();
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        Mode m = mode;
        if (m == Mode.None) return;
        mode = Mode.None; // one attempt per arming
        ++reentryAttempts;
        bool ok = _reenter(m);
        if (ok) ++reentrySuccesses;
        else if (!swallow) revert ReentrantRecipientReentryFailed();
    }

    error ReentrantRecipientReentryFailed();

    function _reenter(Mode m) private returns (bool ok) {
        if (m == Mode.Redeem) {
            try BROKER.redeemWinningTicket(_ticket, _signature, _rand) {
                ok = true;
            } catch {
                ok = false;
            }
        } else if (m == Mode.RedeemBatch) {
            ITicketBroker.SignedTicket[] memory batch = new ITicketBroker.SignedTicket[](1);
            batch[0] = ITicketBroker.SignedTicket({
                ticket: _ticket,
                signature: _signature,
                recipientRand: _rand
            });
            try BROKER.redeemWinningTickets(batch) {
                ok = true;
            } catch {
                ok = false;
            }
        } else {
            try BROKER.withdrawEarnings(payable(address(this))) {
                ok = true;
            } catch {
                ok = false;
            }
        }
    }
}
