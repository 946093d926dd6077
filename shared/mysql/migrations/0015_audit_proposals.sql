-- The staff audit trail: append-only. UPDATE is always refused by the
-- database; DELETE is refused for any row younger than 180 days (the
-- Cybersecurity Law's 6-month floor), so the retention job
-- (jobs.AuditRetention) can remove only what the law no longer requires,
-- and no bug or hand-typed statement can shorten the trail. The triggers
-- read the database's own clock (UTC_TIMESTAMP), not the caller's.
CREATE TABLE audit_log (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at DATETIME(6) NOT NULL,
  actor_id BIGINT NOT NULL,
  actor VARCHAR(64) NOT NULL,
  role VARCHAR(32) NOT NULL,
  action VARCHAR(64) NOT NULL,
  subject VARCHAR(128) NOT NULL,
  outcome VARCHAR(64) NOT NULL,
  reason VARCHAR(512) NOT NULL,
  client_ip VARCHAR(64) NOT NULL,
  request_id VARCHAR(64) NOT NULL,
  detail TEXT NOT NULL,
  KEY ix_audit_at (at),
  KEY ix_audit_subject (subject, id),
  KEY ix_audit_actor (actor_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit log rows are immutable';
CREATE TRIGGER audit_log_retention BEFORE DELETE ON audit_log FOR EACH ROW BEGIN IF OLD.at > UTC_TIMESTAMP(6) - INTERVAL 180 DAY THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit log rows are kept 180 days'; END IF; END;

-- Maker-checker proposals (Fineract's command source, AWAITING_APPROVAL):
-- a maker proposes kind on subject with a payload; subject_state is what
-- the subject looked like then, and approval replays the payload only if
-- the subject still looks so (otherwise failed_precondition, reason
-- state_moved). pending_key is kind:subject while pending and NULL after,
-- so one subject has at most one pending proposal of a kind. impact is the
-- rule-set replay shown to the checker.
CREATE TABLE proposals (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(32) NOT NULL,
  subject VARCHAR(128) NOT NULL,
  payload TEXT NOT NULL,
  subject_state VARCHAR(512) NOT NULL,
  reason VARCHAR(512) NOT NULL,
  impact MEDIUMTEXT NULL,
  status VARCHAR(16) NOT NULL,
  pending_key VARCHAR(191) NULL,
  maker_id BIGINT NOT NULL,
  maker VARCHAR(64) NOT NULL,
  made_at DATETIME(6) NOT NULL,
  checker_id BIGINT NULL,
  checker VARCHAR(64) NOT NULL DEFAULT '',
  checked_at DATETIME(6) NULL,
  check_reason VARCHAR(512) NOT NULL DEFAULT '',
  result VARCHAR(512) NOT NULL DEFAULT '',
  UNIQUE KEY uk_proposals_pending (pending_key),
  KEY ix_proposals_status (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
