-- DPD roll rates (job-monitor): each loan's bucket as closed by the COB
-- for a business date, taken once per date by job-monitor between the end
-- of that date's close and the start of the next (the COB keeps only the
-- latest bucket on loans). Roll rate of bucket B on date D = loans in B on
-- the previous snapshot that are in the next worse bucket on D. Kept: the
-- last days (daily rolls) and month-ends (month-over-month rolls).
CREATE TABLE dpd_snapshots (
  business_date DATE NOT NULL,
  loan_id BIGINT NOT NULL,
  bucket VARCHAR(8) NOT NULL,
  PRIMARY KEY (business_date, loan_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A date whose snapshot is complete (taken after its close finished and
-- before the next began): only these take part in roll rates.
CREATE TABLE dpd_snapshot_days (
  business_date DATE NOT NULL PRIMARY KEY,
  loans BIGINT NOT NULL,
  taken_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Callback refusals (notify-wxpay-*, notify-ess): one counter per route,
-- reason and business hour, bumped where a callback is refused; counting
-- is best effort and never changes the answer. job-monitor reports them.
CREATE TABLE callback_refusals (
  route VARCHAR(48) NOT NULL,
  reason VARCHAR(32) NOT NULL,
  hour_start DATETIME NOT NULL,
  refusals BIGINT NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (hour_start, route, reason)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Reconciliation across midnight: a record of ours settled on one date
-- whose bill line is on the neighbouring date. state counted: the report
-- of bill_date counted it (matched or a break), so no other date's report
-- does; deferred: settled just before midnight with no line that day, so
-- the next date's run (bill_date) must count it. Written in the
-- transaction that stores the run of the date that decided.
CREATE TABLE recon_carries (
  mch_id VARCHAR(32) NOT NULL,
  kind VARCHAR(12) NOT NULL,
  no VARCHAR(64) NOT NULL,
  bill_date DATE NOT NULL,
  state VARCHAR(12) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (mch_id, kind, no),
  KEY ix_recon_carries_date (mch_id, bill_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
