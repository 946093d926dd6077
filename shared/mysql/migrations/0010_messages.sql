-- Reminders and notices (job-remind). One row per (loan, installment,
-- notice kind): the unique key makes a notice impossible to send twice.
-- The row is claimed (status sending) before the provider is called and
-- finished with the provider's answer; a provider failure (failed) is
-- retried by a later run, at most remind attempts times. Recipients and
-- parameters are stored masked (audit), never in clear.
CREATE TABLE messages (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  loan_id BIGINT NOT NULL,
  seq INT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  template VARCHAR(16) NOT NULL,
  channel VARCHAR(8) NOT NULL,
  template_id VARCHAR(64) NOT NULL,
  recipient_masked VARCHAR(32) NOT NULL,
  params_masked VARCHAR(255) NOT NULL,
  status VARCHAR(12) NOT NULL,
  result_code VARCHAR(96) NOT NULL DEFAULT '',
  attempts INT NOT NULL DEFAULT 0,
  business_date DATE NOT NULL,
  sent_at DATETIME(6) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_messages_notice (loan_id, seq, kind),
  KEY ix_messages_user_day (user_id, business_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One-time subscribe-message authorisations the mini-program reported
-- (wx.requestSubscribeMessage): each accept allows one message.
CREATE TABLE message_subscriptions (
  user_id BIGINT NOT NULL,
  template_id VARCHAR(64) NOT NULL,
  quota INT NOT NULL DEFAULT 0,
  accepted INT NOT NULL DEFAULT 0,
  rejected INT NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (user_id, template_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
