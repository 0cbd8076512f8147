import type { Migration } from "../../migration.js";

/**
 * Server-side functions for the two per-ticket writes of a payee, so that each is one statement
 * (one round trip, atomic by itself) instead of a transaction of several statements:
 * `tb_replay_record` (the replay decision) and `tb_session_credit` (an idempotent exact credit).
 * They implement the same rules as the TypeScript stores; the conformance and model tests check
 * them against the memory model.
 */
export const migration002: Migration = {
  version: 2,
  name: "atomic_functions",
  sql: `
CREATE FUNCTION tb_replay_record(
  p_recipient TEXT, p_sender TEXT, p_params TEXT, p_nonce NUMERIC,
  p_closes_at BIGINT, p_max INTEGER, p_now BIGINT
) RETURNS TABLE (outcome TEXT, floor_value TEXT)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_top NUMERIC;
  v_floor NUMERIC;
  v_count INTEGER;
BEGIN
  -- Lock the pair: one sender's decisions are serialised across replicas.
  INSERT INTO replay_floors AS f (recipient, sender, floor) VALUES (p_recipient, p_sender, 0)
    ON CONFLICT (recipient, sender) DO UPDATE SET floor = f.floor;
  -- Fold the pair's params closed before now into the floor.
  WITH closed AS (
    DELETE FROM replay_params rp
    WHERE rp.recipient = p_recipient AND rp.sender = p_sender AND rp.closes_at < p_now
    RETURNING rp.params_key
  ), gone AS (
    DELETE FROM replay_nonces n USING closed
    WHERE n.recipient = p_recipient AND n.sender = p_sender AND n.params_key = closed.params_key
    RETURNING n.nonce
  )
  SELECT max(gone.nonce) INTO v_top FROM gone;
  UPDATE replay_floors f SET floor = GREATEST(f.floor, coalesce(v_top, 0))
    WHERE f.recipient = p_recipient AND f.sender = p_sender
    RETURNING f.floor INTO v_floor;
  IF p_nonce <= v_floor THEN
    RETURN QUERY SELECT 'belowFloor'::TEXT, v_floor::TEXT;
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM replay_nonces n
             WHERE n.recipient = p_recipient AND n.sender = p_sender AND n.nonce = p_nonce) THEN
    RETURN QUERY SELECT 'reused'::TEXT, NULL::TEXT;
    RETURN;
  END IF;
  SELECT rp.nonce_count INTO v_count FROM replay_params rp
    WHERE rp.recipient = p_recipient AND rp.sender = p_sender AND rp.params_key = p_params;
  IF coalesce(v_count, 0) >= p_max THEN
    RETURN QUERY SELECT 'limit'::TEXT, NULL::TEXT;
    RETURN;
  END IF;
  IF p_closes_at < p_now THEN
    -- Params already closed: the nonce, above the floor, becomes the floor at once.
    UPDATE replay_floors f SET floor = p_nonce
      WHERE f.recipient = p_recipient AND f.sender = p_sender;
    RETURN QUERY SELECT 'accepted'::TEXT, NULL::TEXT;
    RETURN;
  END IF;
  INSERT INTO replay_params AS rp (recipient, sender, params_key, closes_at, nonce_count)
    VALUES (p_recipient, p_sender, p_params, p_closes_at, 1)
    ON CONFLICT (recipient, sender, params_key) DO UPDATE SET nonce_count = rp.nonce_count + 1;
  INSERT INTO replay_nonces (recipient, sender, nonce, params_key)
    VALUES (p_recipient, p_sender, p_nonce, p_params);
  RETURN QUERY SELECT 'accepted'::TEXT, NULL::TEXT;
END
$fn$;

CREATE FUNCTION tb_session_credit(
  p_session TEXT, p_credit_id TEXT, p_num NUMERIC, p_den NUMERIC
) RETURNS TABLE (applied BOOLEAN, credited_num TEXT, credited_den TEXT, debited_num TEXT, debited_den TEXT)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_applied BOOLEAN;
  v_num NUMERIC;
  v_den NUMERIC;
  v_g NUMERIC;
  v_row sessions%ROWTYPE;
BEGIN
  INSERT INTO session_ops (session_id, kind, op_id) VALUES (p_session, 'credit', p_credit_id)
    ON CONFLICT DO NOTHING;
  v_applied := FOUND;
  INSERT INTO sessions AS s (session_id, credited_num, credited_den, debited_num, debited_den)
    VALUES (p_session, '0', '1', '0', '1')
    ON CONFLICT (session_id) DO UPDATE SET session_id = s.session_id
    RETURNING * INTO v_row;
  IF v_applied THEN
    v_num := v_row.credited_num::NUMERIC * p_den + p_num * v_row.credited_den::NUMERIC;
    v_den := v_row.credited_den::NUMERIC * p_den;
    v_g := gcd(v_num, v_den);
    IF v_g > 1 THEN
      v_num := v_num / v_g;
      v_den := v_den / v_g;
    END IF;
    UPDATE sessions s SET credited_num = trunc(v_num)::TEXT, credited_den = trunc(v_den)::TEXT
      WHERE s.session_id = p_session
      RETURNING * INTO v_row;
  END IF;
  RETURN QUERY SELECT v_applied, v_row.credited_num, v_row.credited_den, v_row.debited_num, v_row.debited_den;
END
$fn$;
`,
};
