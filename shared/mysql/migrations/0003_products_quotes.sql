-- Loan products, versioned: a published version is never edited; a change
-- is a new version, and loans keep the version they were quoted under.
-- definition is the lending.Product JSON (integers only: fen and bp).
CREATE TABLE products (
  code VARCHAR(64) NOT NULL,
  version INT NOT NULL,
  status VARCHAR(16) NOT NULL,
  definition TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (code, version),
  KEY ix_products_status (code, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The default product. No upfront or service fee (砍头息 is not allowed for
-- cash loans); nominal 7.2%-23.5%; penalty within the 24% cap. A test
-- checks it passes lending.Product.Validate under the default cap.
INSERT INTO products (code, version, status, definition, created_at) VALUES
('standard', 1, 'active', '{"code":"standard","name":"微信信用借 标准产品","min_amount_fen":50000,"max_amount_fen":20000000,"terms_months":[1,3,6,9,12,24,36],"methods":["equal_installment","equal_principal","interest_first","bullet"],"min_annual_rate_bp":720,"max_annual_rate_bp":2350,"upfront_fee":{},"upfront_fee_deducted":false,"service_fee":{},"penalty_rate_bp":2400,"grace_days":3,"cooling_off_days":7,"min_age":22,"max_age":75,"allocation_order":[{"timing":"past_due","component":"penalty"},{"timing":"past_due","component":"fee"},{"timing":"past_due","component":"interest"},{"timing":"past_due","component":"principal"},{"timing":"due_now","component":"penalty"},{"timing":"due_now","component":"fee"},{"timing":"due_now","component":"interest"},{"timing":"due_now","component":"principal"},{"timing":"not_yet_due","component":"penalty"},{"timing":"not_yet_due","component":"fee"},{"timing":"not_yet_due","component":"interest"},{"timing":"not_yet_due","component":"principal"}],"early_payoff":"accrued_days"}', '2026-11-22 00:00:00');

-- A quote is the exact terms shown to the borrower; a loan is created from
-- it, so the signed terms are the quoted ones. quote_id is public.
CREATE TABLE quotes (
  quote_id CHAR(32) NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  product_code VARCHAR(64) NOT NULL,
  product_version INT NOT NULL,
  amount_fen BIGINT NOT NULL,
  term_months INT NOT NULL,
  method VARCHAR(32) NOT NULL,
  annual_rate_bp INT NOT NULL,
  apr_bp INT NOT NULL,
  total_repay_fen BIGINT NOT NULL,
  start_date DATE NOT NULL,
  schedule TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  used_at DATETIME(6) NULL,
  KEY ix_quotes_user (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
