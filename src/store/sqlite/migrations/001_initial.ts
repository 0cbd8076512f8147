import type { Migration } from "../../migration.js";

/**
 * The first SQLite schema. Nonces are zero-padded decimal text (30 digits) so that text order is
 * number order; other amounts that may exceed 64 bits (wei, face values) are decimal text summed
 * in the application; times are INTEGER seconds or milliseconds as given.
 */
export const migration001: Migration = {
  version: 1,
  name: "initial",
  sql: `
CREATE TABLE nonce_blocks (
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  high TEXT NOT NULL,
  PRIMARY KEY (sender, recipient)
) WITHOUT ROWID;

CREATE TABLE payments (
  client_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  session_id TEXT NOT NULL,
  ev_wei TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (client_id, idempotency_key)
);
CREATE INDEX payments_client_time ON payments (client_id, created_at);

CREATE TABLE replay_floors (
  recipient TEXT NOT NULL,
  sender TEXT NOT NULL,
  floor TEXT NOT NULL,
  PRIMARY KEY (recipient, sender)
) WITHOUT ROWID;

CREATE TABLE replay_params (
  recipient TEXT NOT NULL,
  sender TEXT NOT NULL,
  params_key TEXT NOT NULL,
  closes_at INTEGER NOT NULL,
  nonce_count INTEGER NOT NULL,
  PRIMARY KEY (recipient, sender, params_key)
) WITHOUT ROWID;
CREATE INDEX replay_params_pair_close ON replay_params (recipient, sender, closes_at);
CREATE INDEX replay_params_close ON replay_params (closes_at);

CREATE TABLE replay_nonces (
  recipient TEXT NOT NULL,
  sender TEXT NOT NULL,
  nonce TEXT NOT NULL,
  params_key TEXT NOT NULL,
  PRIMARY KEY (recipient, sender, nonce)
) WITHOUT ROWID;
CREATE INDEX replay_nonces_params ON replay_nonces (recipient, sender, params_key, nonce);

CREATE TABLE sessions (
  session_id TEXT PRIMARY KEY,
  credited_num TEXT NOT NULL,
  credited_den TEXT NOT NULL,
  debited_num TEXT NOT NULL,
  debited_den TEXT NOT NULL,
  closed_reason TEXT
);

CREATE TABLE session_ops (
  session_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('credit', 'debit')),
  op_id TEXT NOT NULL,
  PRIMARY KEY (session_id, kind, op_id)
) WITHOUT ROWID;

CREATE TABLE winners (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  digest TEXT NOT NULL UNIQUE,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  sender_nonce TEXT NOT NULL,
  face_value TEXT NOT NULL,
  winner TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'submitted', 'redeemed', 'unredeemable')),
  last_error_code TEXT,
  last_error_message TEXT,
  tx_hash TEXT,
  sub_tx_hash TEXT,
  sub_account_nonce INTEGER,
  sub_max_fee TEXT,
  sub_max_priority_fee TEXT,
  sub_block TEXT
);
CREATE INDEX winners_state ON winners (state, seq);
CREATE INDEX winners_sender ON winners (sender, seq);

CREATE TABLE winner_totals (
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  state TEXT NOT NULL,
  count INTEGER NOT NULL,
  face_value TEXT NOT NULL,
  PRIMARY KEY (sender, recipient, state)
) WITHOUT ROWID;
CREATE INDEX winner_totals_state ON winner_totals (state);

CREATE TABLE leader_locks (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  acquired_at INTEGER NOT NULL
);
`,
};
