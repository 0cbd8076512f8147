import type { Signer } from "ethers";

import {
  RecipientPool__factory,
  TicketBroker__factory,
  type TicketBroker,
} from "../../typechain-types/index.js";

/**
 * Deploys a RecipientPool owned by `owner` and a TicketBroker on it, with an unlock period of a
 * day and rounds of an hour: the broker the service and redeemer tests run against.
 */
export async function deployBroker(owner: Signer): Promise<TicketBroker> {
  const pool = await new RecipientPool__factory(owner).deploy(await owner.getAddress());
  return new TicketBroker__factory(owner).deploy(await pool.getAddress(), 86_400n, 3_600n);
}
