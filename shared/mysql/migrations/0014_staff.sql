-- Staff of the lender (the back office). A password is an argon2id PHC
-- string; the TOTP secret is a PII-vault ciphertext (envelope encryption,
-- as borrowers' PII). totp_last_step is the last accepted RFC 6238 time
-- step: a code for that step or an earlier one is a replay. failures and
-- locked_until implement the lockout after repeated failed sign-ins.
CREATE TABLE staff (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(64) NOT NULL,
  display_name VARCHAR(64) NOT NULL,
  role VARCHAR(32) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  totp_secret_enc VARCHAR(1024) NOT NULL,
  totp_last_step BIGINT NOT NULL DEFAULT 0,
  failures INT NOT NULL DEFAULT 0,
  locked_until DATETIME(6) NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_staff_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Staff sessions: found by the SHA-256 of the cookie's random id (the id
-- itself is never stored). last_seen_at drives the 15-minute idle timeout,
-- expires_at the absolute one; the CSRF token is derived from the id hash
-- and AUTH_SECRET, so it is not stored either. requests counts the
-- session's requests (and makes every touch a real change). Borrower
-- sessions live in `sessions` and are never looked up here, nor these there.
CREATE TABLE staff_sessions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id_hash BINARY(32) NOT NULL,
  staff_id BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  last_seen_at DATETIME(6) NOT NULL,
  requests BIGINT NOT NULL DEFAULT 0,
  expires_at DATETIME(6) NOT NULL,
  revoked_at DATETIME(6) NULL,
  client_ip VARCHAR(64) NOT NULL DEFAULT '',
  UNIQUE KEY uk_staff_sessions_hash (id_hash),
  KEY ix_staff_sessions_staff (staff_id, expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
