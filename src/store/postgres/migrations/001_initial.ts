import type { Migration } from "../../migration.js";

/**
 * The first PostgreSQL schema. Nonces and wei amounts are NUMERIC (exact, beyond 64 bits);
 * times are BIGINT; rationals are numerator/denominator text.
 */
export const migration001: Migration = {
  version: 1,
  name: "initial",
  sql: `
CREATE TABLE nonce_blocks (
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  high NUMERIC(40, 0) NOT NULL,
  PRIMARY KEY (sender, recipient)
);

CREATE TABLE payments (
  client_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  session_id TEXT NOT NULL,
  ev_wei NUMERIC(78, 0) NOT NULL,
  response TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (client_id, idempotency_key)
);
CREATE INDEX payments_client_time ON payments (client_id, created_at);

CREATE TABLE replay_floors (
  recipient TEXT NOT NULL,
  sender TEXT NOT NULL,
  floor NUMERIC(40, 0) NOT NULL,
  PRIMARY KEY (recipient, sender)
);

CREATE TABLE replay_params (
  recipient TEXT NOT NULL,
  sender TEXT NOT NULL,
  params_key TEXT NOT NULL,
  closes_at BIGINT NOT NULL,
  nonce_count INTEGER NOT NULL,
  PRIMARY KEY (recipient, sender, params_key)
);
CREATE INDEX replay_params_pair_close ON replay_params (recipient, sender, closes_at);
CREATE INDEX replay_params_close ON replay_params (closes_at);

CREATE TABLE replay_nonces (
  recipient TEXT NOT NULL,
  sender TEXT NOT NULL,
  nonce NUMERIC(40, 0) NOT NULL,
  params_key TEXT NOT NULL,
  PRIMARY KEY (recipient, sender, nonce)
);
CREATE INDEX replay_nonces_params ON replay_nonces (recipient, sender, params_key);

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
);

CREATE TABLE winners (
  seq BIGSERIAL PRIMARY KEY,
  digest TEXT NOT NULL UNIQUE,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  sender_nonce NUMERIC(40, 0) NOT NULL,
  face_value NUMERIC(78, 0) NOT NULL,
  winner TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'submitted', 'redeemed', 'unredeemable')),
  last_error_code TEXT,
  last_error_message TEXT,
  tx_hash TEXT,
  sub_tx_hash TEXT,
  sub_account_nonce BIGINT,
  sub_max_fee TEXT,
  sub_max_priority_fee TEXT,
  sub_block TEXT
);
CREATE INDEX winners_state ON winners (state, seq);
CREATE INDEX winners_sender ON winners (sender, seq);
CREATE INDEX winners_unpaid ON winners (sender, recipient) INCLUDE (face_value)
  WHERE state IN ('pending', 'submitted');
`,
};
