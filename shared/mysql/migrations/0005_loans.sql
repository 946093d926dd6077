-- Credit lines (额度): one per borrower. available = limit_fen - used_fen;
-- every draw is a conditional update, so concurrent draws never exceed it.
CREATE TABLE credit_lines (
  user_id BIGINT NOT NULL PRIMARY KEY,
  limit_fen BIGINT NOT NULL,
  used_fen BIGINT NOT NULL DEFAULT 0,
  annual_rate_bp INT NOT NULL,
  status VARCHAR(16) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  application_id BIGINT NULL,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Loans (用信). status moves only by conditional update (shared/loan).
CREATE TABLE loans (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  quote_id CHAR(32) NOT NULL,
  product_code VARCHAR(64) NOT NULL,
  product_version INT NOT NULL,
  amount_fen BIGINT NOT NULL,
  term_months INT NOT NULL,
  method VARCHAR(32) NOT NULL,
  annual_rate_bp INT NOT NULL,
  apr_bp INT NOT NULL,
  status VARCHAR(16) NOT NULL,
  status_reason VARCHAR(64) NOT NULL DEFAULT '',
  schedule TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_loans_quote (quote_id),
  KEY ix_loans_user (user_id, id),
  KEY ix_loans_status (status, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE loan_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  loan_id BIGINT NOT NULL,
  from_status VARCHAR(16) NOT NULL,
  to_status VARCHAR(16) NOT NULL,
  reason VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY ix_loan_events_loan (loan_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Transactional outbox: the next asynchronous step, written in the same
-- transaction as the state change; a dispatcher invokes the function and
-- the sweeper re-drives what was not dispatched.
CREATE TABLE outbox (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  function_name VARCHAR(64) NOT NULL,
  payload TEXT NOT NULL,
  dedupe_key VARCHAR(128) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  dispatched_at DATETIME(6) NULL,
  attempts INT NOT NULL DEFAULT 0,
  UNIQUE KEY uk_outbox_dedupe (dedupe_key),
  KEY ix_outbox_pending (dispatched_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- api.md Idempotency-Key: the first response to (user, key) is kept with
-- the hash of the request body it answered.
CREATE TABLE idempotency_keys (
  user_id BIGINT NOT NULL,
  idem_key VARCHAR(64) NOT NULL,
  endpoint VARCHAR(64) NOT NULL,
  request_hash CHAR(64) NOT NULL,
  status_code INT NOT NULL DEFAULT 0,
  response TEXT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (user_id, idem_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Contracts rendered from versioned templates with the quoted terms.
CREATE TABLE contracts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  loan_id BIGINT NOT NULL,
  template_version VARCHAR(32) NOT NULL,
  document MEDIUMTEXT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  sm3 CHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  flow_id VARCHAR(64) NULL,
  sign_url VARCHAR(512) NULL,
  signed_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_contracts_loan (loan_id),
  UNIQUE KEY uk_contracts_flow (flow_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Evidence hash chain (存证): append-only, seq gapless.
CREATE TABLE evidence (
  seq BIGINT NOT NULL PRIMARY KEY,
  kind VARCHAR(32) NOT NULL,
  subject_id VARCHAR(64) NOT NULL,
  content_hash CHAR(64) NOT NULL,
  prev_hash CHAR(64) NOT NULL,
  hash CHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
