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
ALTER TABLE credit_lines
  ADD COLUMN frozen_reason VARCHAR(32) NOT NULL DEFAULT '' AFTER status;

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
