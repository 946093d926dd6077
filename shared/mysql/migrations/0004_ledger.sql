-- The double-entry ledger (shared/ledger). Entries are immutable: the
-- triggers refuse UPDATE and DELETE, corrections are compensating
-- transactions. balance_fen is kept equal to the sum of the account's
-- entries in the same transaction that posts them (ledger verifier checks).
CREATE TABLE ledger_accounts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(96) NOT NULL,
  type VARCHAR(16) NOT NULL,
  balance_fen BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_ledger_accounts_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE ledger_transactions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  idem_key VARCHAR(128) NOT NULL,
  kind VARCHAR(32) NOT NULL,
  input_hash CHAR(64) NOT NULL,
  reverses_key VARCHAR(128) NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_ledger_tx_key (idem_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE ledger_entries (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tx_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  amount_fen BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY ix_ledger_entries_tx (tx_id),
  KEY ix_ledger_entries_account (account_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'ledger entries are immutable';
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'ledger entries are immutable';
CREATE TRIGGER ledger_tx_no_update BEFORE UPDATE ON ledger_transactions FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'ledger transactions are immutable';
CREATE TRIGGER ledger_tx_no_delete BEFORE DELETE ON ledger_transactions FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'ledger transactions are immutable';
