-- The operations queue: everything that needs a person. Each item is
-- created in the same transaction as the state it describes (a recon
-- break, a partly-paid disbursement, a vanished transfer, conflicting final
-- states, a refund not paid out, a risk application in review). dedupe_key
-- makes creating the same item twice a no-op (e.g. 'recon:<mch>:<date>:<ref>',
-- 'review:<application id>'). The back office works the queue: an item moves
-- open -> resolved | dismissed by a conditional update that records who and how.
CREATE TABLE ops_items (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(32) NOT NULL,
  subject_type VARCHAR(32) NOT NULL,
  subject_id VARCHAR(64) NOT NULL,
  dedupe_key VARCHAR(191) NOT NULL,
  amount_fen BIGINT NOT NULL DEFAULT 0,
  moves_money TINYINT(1) NOT NULL DEFAULT 0,
  reason VARCHAR(255) NOT NULL,
  evidence JSON NOT NULL,
  state VARCHAR(12) NOT NULL DEFAULT 'open',
  created_at DATETIME(6) NOT NULL,
  resolved_at DATETIME(6) NULL,
  resolved_by VARCHAR(64) NOT NULL DEFAULT '',
  resolution VARCHAR(255) NOT NULL DEFAULT '',
  UNIQUE KEY uk_ops_items_dedupe (dedupe_key),
  KEY ix_ops_items_state_kind (state, kind, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
