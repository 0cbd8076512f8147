import { TicketBrokerError } from "../errors.js";

type ErrorOptions = { details?: Record<string, unknown>; hint: string; cause?: unknown };

/** The command line was not understood: a wrong flag, a missing argument, a malformed value. */
export class CliUsageError extends TicketBrokerError {}

/** `--network` names a network that hardhat.config.ts does not define. */
export class UnknownNetworkError extends TicketBrokerError {}

/** The network could not be reached (node not running, wrong URL). */
export class NetworkUnreachableError extends TicketBrokerError {}

/**
 * A configuration variable of the selected network (e.g. `ARBITRUM_SEPOLIA_PRIVATE_KEY`) is
 * neither in the environment nor in the Hardhat keystore.
 */
export class ConfigurationVariableMissingError extends TicketBrokerError {}

/** No TicketBroker is deployed (or recorded) on the selected network. */
export class NoDeploymentError extends TicketBrokerError {}

/** The account cannot pay the value plus the gas of a transaction. */
export class InsufficientBalanceError extends TicketBrokerError {}

/** No key is available to sign a transaction. */
export class NoSignerError extends TicketBrokerError {}

/** A file the command needs could not be read or understood. */
export class CliInputFileError extends TicketBrokerError {}

/**
 * A transaction (or its gas estimate) reverted. `errorName` is the Solidity custom error name
 * (e.g. `TicketBrokerUnlockPending`) and `args` its values, when the revert data decodes.
 */
export class ContractRevertError extends TicketBrokerError {
  readonly errorName: string;
  readonly args: Readonly<Record<string, unknown>>;

  constructor(
    message: string,
    options: ErrorOptions & { errorName: string; args: Record<string, unknown> },
  ) {
    super(message, options);
    this.errorName = options.errorName;
    this.args = Object.freeze({ ...options.args });
  }
}

/** `serve <service>` names a service this build does not include. */
export class ServiceUnavailableError extends TicketBrokerError {}

/** `recipient withdraw-earnings` with nothing credited to the account. */
export class NothingToWithdrawError extends TicketBrokerError {}
