-- Manual review of applications risk sent to `review`: the person's
-- decision, pinned to the reviewer, next to the machine's record
-- (risk_decisions). One per application.
CREATE TABLE manual_decisions (
  application_id BIGINT NOT NULL PRIMARY KEY,
  reviewer_id BIGINT NOT NULL,
  reviewer VARCHAR(64) NOT NULL,
  outcome VARCHAR(16) NOT NULL,
  reason VARCHAR(512) NOT NULL,
  limit_fen BIGINT NOT NULL,
  annual_rate_bp INT NOT NULL,
  decided_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Account closures (PIPL Art. 47): the PII erased, what was kept and why.
CREATE TABLE account_closures (
  user_id BIGINT NOT NULL PRIMARY KEY,
  closed_at DATETIME(6) NOT NULL,
  erased TEXT NOT NULL,
  kept TEXT NOT NULL,
  retention_reason VARCHAR(512) NOT NULL,
  request_id VARCHAR(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
