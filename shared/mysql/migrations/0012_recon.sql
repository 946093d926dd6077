-- Reconciliation (job-reconcile): one row per merchant account and bill
-- date, the run and its daily report at once. state: waiting (a bill not
-- ready yet: retried, not a break), refused (a bill failed its SHA-1,
-- format or merchant check: nothing of it stored), done (report final,
-- breaks queued as ops_items kind recon_break in the same transaction).
-- The catch-up cursor of an account is its latest done date.
CREATE TABLE recon_runs (
  mch_id VARCHAR(32) NOT NULL,
  bill_date DATE NOT NULL,
  state VARCHAR(12) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  last_error VARCHAR(255) NOT NULL DEFAULT '',
  bill_lines BIGINT NOT NULL DEFAULT 0,
  matched BIGINT NOT NULL DEFAULT 0,
  auto_resolved BIGINT NOT NULL DEFAULT 0,
  open_breaks BIGINT NOT NULL DEFAULT 0,
  total_fen BIGINT NOT NULL DEFAULT 0,
  unexplained_fen BIGINT NOT NULL DEFAULT 0,
  bill_net_fen BIGINT NOT NULL DEFAULT 0,
  ledger_net_fen BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (mch_id, bill_date),
  KEY ix_recon_runs_date (bill_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
