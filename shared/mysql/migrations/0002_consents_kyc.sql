-- Agreement registry (synced from the embedded texts by db-migrate) and
-- acceptance records.
CREATE TABLE agreements (
  code VARCHAR(64) NOT NULL,
  version INT NOT NULL,
  title VARCHAR(200) NOT NULL,
  text_sha256 CHAR(64) NOT NULL,
  published_at DATETIME(6) NOT NULL,
  PRIMARY KEY (code, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE consents (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  agreement_code VARCHAR(64) NOT NULL,
  agreement_version INT NOT NULL,
  text_sha256 CHAR(64) NOT NULL,
  accepted_at DATETIME(6) NOT NULL,
  client_ip VARCHAR(64) NOT NULL,
  user_agent VARCHAR(512) NOT NULL,
  request_id VARCHAR(64) NOT NULL,
  UNIQUE KEY uk_consents (user_id, agreement_code, agreement_version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- KYC levels and the phone, encrypted field by field (see shared/pii):
-- *_enc hold self-describing ciphertexts, *_bidx keyed blind indexes for
-- equality look-ups, *_masked what screens may show.
ALTER TABLE users
  ADD COLUMN phone_enc VARCHAR(1024) NULL,
  ADD COLUMN phone_bidx BINARY(32) NULL,
  ADD COLUMN phone_masked VARCHAR(16) NULL,
  ADD COLUMN kyc_identity VARCHAR(16) NOT NULL DEFAULT 'none',
  ADD COLUMN kyc_liveness VARCHAR(16) NOT NULL DEFAULT 'none',
  ADD COLUMN kyc_bank_card VARCHAR(16) NOT NULL DEFAULT 'none',
  ADD KEY ix_users_phone_bidx (phone_bidx);

-- One real person (by ID number blind index) holds at most one account.
CREATE TABLE identities (
  user_id BIGINT NOT NULL PRIMARY KEY,
  name_enc VARCHAR(1024) NOT NULL,
  id_number_enc VARCHAR(1024) NOT NULL,
  id_number_bidx BINARY(32) NOT NULL,
  name_masked VARCHAR(64) NOT NULL,
  id_number_masked VARCHAR(32) NOT NULL,
  verified_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_identities_id_number (id_number_bidx)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE bank_cards (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  card_enc VARCHAR(1024) NOT NULL,
  card_bidx BINARY(32) NOT NULL,
  card_masked VARCHAR(16) NOT NULL,
  reserved_phone_enc VARCHAR(1024) NOT NULL,
  verified_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_bank_cards (user_id, card_bidx)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE liveness_sessions (
  biz_token VARCHAR(128) NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  provider_code VARCHAR(16) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NULL,
  KEY ix_liveness_user (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every provider check, for audit and to bound paid checks per day. No PII.
CREATE TABLE kyc_checks (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  step VARCHAR(16) NOT NULL,
  outcome VARCHAR(16) NOT NULL,
  provider_code VARCHAR(16) NOT NULL,
  provider_request_id VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY ix_kyc_checks_user (user_id, step, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
