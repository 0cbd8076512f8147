/**
 * The recipient's timing defaults, in one place: the {@link Recipient} issues params with them,
 * the redemption plan, the `Redeemer`, the redeemer service, the payee service and the CLI fall
 * back to them. A deployment that changes one passes the same value everywhere it is asked for
 * (winners written by a recipient also carry `redeemableAt`, so the redeemer rarely needs it).
 */

/** Seconds from issuance to the params' issuance deadline. */
export const DEFAULT_PARAMS_LIFETIME_SECONDS = 300n;

/**
 * Seconds after the params deadline during which late tickets are still accepted; a winner is
 * redeemable once the chain time is past deadline + grace (no lower nonce can still arrive).
 */
export const DEFAULT_GRACE_SECONDS = 60n;

/** Seconds after the deadline (+ grace) during which winners can be redeemed (ticket expiry). */
export const DEFAULT_REDEMPTION_WINDOW_SECONDS = 86_400n;
