-- Sub-balances of the hot ledger accounts (issue 16). Every posting of a
-- repayment or disbursement touches the lender-wide accounts (channel
-- clearing, funding, income, liabilities, expense); one balance row each
-- serialised all postings on its row lock. A hot account's balance is now
-- the sum of its shard rows, each posting adding to one shard picked at
-- random, so concurrent postings rarely wait on each other. Per-loan
-- accounts keep their single balance_fen (one loan's postings are already
-- serialised by the loan's row lock). The verifier proves balance_fen plus
-- the shards equals the entries of every account.
CREATE TABLE ledger_balance_shards (
  account_id BIGINT NOT NULL,
  shard SMALLINT NOT NULL,
  balance_fen BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, shard)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO ledger_balance_shards (account_id, shard, balance_fen)
  SELECT id, 0, balance_fen FROM ledger_accounts WHERE code NOT LIKE 'loan:%' AND balance_fen <> 0;

UPDATE ledger_accounts SET balance_fen = 0 WHERE code NOT LIKE 'loan:%';
