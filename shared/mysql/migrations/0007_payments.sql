-- Disbursement transfers (商家转账): one row per part of a loan, made and
-- stored before WeChat Pay is called; out_bill_no is derived from the loan
-- and part, so every retry reuses it. state never leaves a final value
-- (SUCCESS, FAIL, CANCELLED).
CREATE TABLE disbursements (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  loan_id BIGINT NOT NULL,
  part_no INT NOT NULL,
  out_bill_no VARCHAR(32) NOT NULL,
  mch_id VARCHAR(32) NOT NULL,
  amount_fen BIGINT NOT NULL,
  state VARCHAR(24) NOT NULL,
  transfer_bill_no VARCHAR(64) NOT NULL DEFAULT '',
  package_info VARCHAR(1024) NOT NULL DEFAULT '',
  fail_reason VARCHAR(64) NOT NULL DEFAULT '',
  attempts INT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_disbursements_bill (out_bill_no),
  UNIQUE KEY uk_disbursements_part (loan_id, part_no),
  KEY ix_disbursements_state (state, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Repayments (JSAPI orders): out_trade_no stored before the prepay call.
CREATE TABLE repayments (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  loan_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  out_trade_no VARCHAR(32) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  amount_fen BIGINT NOT NULL,
  state VARCHAR(16) NOT NULL,
  transaction_id VARCHAR(64) NOT NULL DEFAULT '',
  allocation TEXT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  paid_at DATETIME(6) NULL,
  UNIQUE KEY uk_repayments_trade (out_trade_no),
  KEY ix_repayments_loan (loan_id, id),
  KEY ix_repayments_state (state, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Refunds of overpayments: out_refund_no stored before the refund call.
CREATE TABLE refunds (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  out_refund_no VARCHAR(64) NOT NULL,
  repayment_id BIGINT NOT NULL,
  amount_fen BIGINT NOT NULL,
  state VARCHAR(16) NOT NULL,
  refund_id VARCHAR(64) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_refunds_no (out_refund_no),
  KEY ix_refunds_repayment (repayment_id),
  KEY ix_refunds_state (state, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Servicing state: what is paid per installment per component
-- (lending.LoanState as JSON), with a version for conditional updates.
CREATE TABLE loan_servicing (
  loan_id BIGINT NOT NULL PRIMARY KEY,
  state TEXT NOT NULL,
  version INT NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- WeChat Pay notifications applied (dedupe on the notification id; the
-- business number for audit).
CREATE TABLE notifications (
  notification_id VARCHAR(64) NOT NULL PRIMARY KEY,
  event_type VARCHAR(64) NOT NULL,
  business_no VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY ix_notifications_business (business_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
