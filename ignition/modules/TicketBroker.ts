import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys the default owner-managed RecipientPool and a TicketBroker that uses it.
 *
 * Parameters (module id `TicketBroker`), one file per network under ignition/parameters/:
 * - `owner`: the account that manages the pool (adds and removes recipients). Defaults to the
 *   deploying account. It can never move funds; ownership moves in two steps (Ownable2Step).
 * - `unlockPeriod`: seconds between a sender's `unlock` and `withdraw` (1 s to 365 days).
 * - `roundLength`: seconds per reserve round (1 s to 365 days).
 *
 * @example
 * ```sh
 * npx hardhat ignition deploy ignition/modules/TicketBroker.ts \
 *   --network localhost --parameters ignition/parameters/localhost.json
 * ```
 */
export default buildModule("TicketBroker", (m) => {
  const owner = m.getParameter("owner", m.getAccount(0));
  const unlockPeriod = m.getParameter<bigint>("unlockPeriod", 86_400n);
  const roundLength = m.getParameter<bigint>("roundLength", 3_600n);

  const recipientPool = m.contract("RecipientPool", [owner]);
  const ticketBroker = m.contract("TicketBroker", [recipientPool, unlockPeriod, roundLength]);

  return { recipientPool, ticketBroker };
});
