-- Close of business (job-cob). Each loan records the last business date
-- it was closed for (Fineract's last_closed_business_date): the COB closes
-- a date for a loan only when last_closed_date is before it, under the
-- loan's row lock, so a date is never closed twice. dpd and dpd_bucket are
-- as of last_closed_date (reports); the API computes the current dpd from
-- the servicing state. writeoff_eligible marks loans past the configured
-- days past due (COB_WRITEOFF_DPD); writing off is a staff action.
ALTER TABLE loans
  ADD COLUMN last_closed_date DATE NULL AFTER schedule,
  ADD COLUMN dpd INT NOT NULL DEFAULT 0 AFTER last_closed_date,
  ADD COLUMN dpd_bucket VARCHAR(8) NOT NULL DEFAULT 'C' AFTER dpd,
  ADD COLUMN writeoff_eligible TINYINT NOT NULL DEFAULT 0 AFTER dpd_bucket,
  ADD KEY ix_loans_cob (status, id);

-- A credit line frozen by the COB (overdue) says so, so only the cure
-- unfreezes it and a line frozen for another reason stays frozen.
-- on_time_streak counts the installments paid by their due date since the
-- limit last changed (reset by an overdue loan); the COB raises the limit
-- by the strategy's raise policy (risk.LimitRaise) and records why in
-- limit_changes.
ALTER TABLE credit_lines
  ADD COLUMN frozen_reason VARCHAR(32) NOT NULL DEFAULT '' AFTER status,
  ADD COLUMN on_time_streak INT NOT NULL DEFAULT 0 AFTER frozen_reason;

-- Limit raises (提额): the decision record of each, with its inputs.
CREATE TABLE limit_changes (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  business_date DATE NOT NULL,
  from_limit_fen BIGINT NOT NULL,
  to_limit_fen BIGINT NOT NULL,
  reason VARCHAR(32) NOT NULL,
  decision TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY ix_limit_changes_user (user_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per business date the COB has started: the cursor (the highest
-- loan id whose chunk finished) makes a run resumable after a timeout; a
-- date is done when no loan is left to close. Dates are run in order.
CREATE TABLE cob_runs (
  business_date DATE NOT NULL PRIMARY KEY,
  status VARCHAR(16) NOT NULL,
  cursor_loan_id BIGINT NOT NULL DEFAULT 0,
  loans_closed BIGINT NOT NULL DEFAULT 0,
  penalty_fen BIGINT NOT NULL DEFAULT 0,
  started_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
