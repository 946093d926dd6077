-- Credit applications (授信) and the risk chain's persisted steps. Each
-- step's output is stored once per application (primary key), so a retried
-- or duplicated invocation changes nothing.
CREATE TABLE credit_applications (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  product_code VARCHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  step VARCHAR(16) NOT NULL,
  device TEXT NOT NULL,
  client_ip VARCHAR(64) NOT NULL,
  limit_fen BIGINT NOT NULL DEFAULT 0,
  annual_rate_bp INT NOT NULL DEFAULT 0,
  reasons TEXT NULL,
  arm VARCHAR(64) NOT NULL DEFAULT '',
  rule_set_version INT NOT NULL DEFAULT 0,
  model_version INT NOT NULL DEFAULT 0,
  attempts INT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  decided_at DATETIME(6) NULL,
  KEY ix_credit_apps_user (user_id, id),
  KEY ix_credit_apps_status (status, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE risk_steps (
  application_id BIGINT NOT NULL,
  step VARCHAR(16) NOT NULL,
  output MEDIUMTEXT NOT NULL,
  latency_us BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (application_id, step)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The decision record: inputs snapshot, features, hits, score, versions,
-- arm and timings (risk.Decision JSON), replayable.
CREATE TABLE risk_decisions (
  application_id BIGINT NOT NULL PRIMARY KEY,
  outcome VARCHAR(16) NOT NULL,
  decision MEDIUMTEXT NOT NULL,
  created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Versioned rule sets and models: never edited in place; one active rule
-- set per strategy (activation is one transaction).
CREATE TABLE rule_sets (
  strategy VARCHAR(64) NOT NULL,
  version INT NOT NULL,
  status VARCHAR(16) NOT NULL,
  definition MEDIUMTEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  activated_at DATETIME(6) NULL,
  PRIMARY KEY (strategy, version),
  KEY ix_rule_sets_status (strategy, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE risk_models (
  version INT NOT NULL PRIMARY KEY,
  definition MEDIUMTEXT NOT NULL,
  created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Internal blacklist by blind index (ID number, phone) or device id hash.
CREATE TABLE blacklist (
  kind VARCHAR(16) NOT NULL,
  value_hash BINARY(32) NOT NULL,
  reason VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (kind, value_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Devices seen per account (accounts-per-device) and the record behind the
-- Redis velocity windows.
CREATE TABLE device_bindings (
  device_id VARCHAR(128) NOT NULL,
  user_id BIGINT NOT NULL,
  first_seen DATETIME(6) NOT NULL,
  last_seen DATETIME(6) NOT NULL,
  PRIMARY KEY (device_id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE risk_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  device_id VARCHAR(128) NOT NULL,
  client_ip VARCHAR(64) NOT NULL,
  lat_e6 INT NULL,
  lng_e6 INT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY ix_risk_events_ip (client_ip, created_at),
  KEY ix_risk_events_device (device_id, created_at),
  KEY ix_risk_events_user (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The evidence chain's head: appenders lock this one row, so records get
-- gapless seqs in order even when written concurrently.
ALTER TABLE evidence MODIFY subject_id VARCHAR(128) NOT NULL;
CREATE TABLE evidence_head (
  id INT NOT NULL PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash CHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO evidence_head (id, seq, hash, created_at) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', '2026-01-01 00:00:00');
