-- Merchant routing for disbursements. A part may be paid by a later
-- attempt with its own out_bill_no on another merchant account, but only
-- after WeChat Pay proved the earlier number was never created (create
-- refused, query NOT_FOUND: state REROUTED) or failed for a payer-side
-- reason (state FAIL). The current attempt of a part is its highest
-- attempt_no. not_before holds an attempt back (e.g. until tomorrow).
ALTER TABLE disbursements
  ADD COLUMN attempt_no INT NOT NULL DEFAULT 1 AFTER part_no,
  ADD COLUMN not_before DATETIME(6) NULL AFTER attempts,
  DROP INDEX uk_disbursements_part,
  ADD UNIQUE KEY uk_disbursements_attempt (loan_id, part_no, attempt_no);

-- Merchant accounts that refused for lack of balance or limits recently;
-- new disbursements start on the next route until resting_until.
CREATE TABLE merchant_routes (
  mch_id VARCHAR(32) NOT NULL PRIMARY KEY,
  resting_until DATETIME(6) NOT NULL,
  reason VARCHAR(64) NOT NULL,
  refusals BIGINT NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
