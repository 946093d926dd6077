-- Monitoring (job-monitor): one value per metric, label set and period
-- (an hourly run rewrites its own period only). value_ppm holds rates in
-- parts per million, counts and fen as they are.
CREATE TABLE metrics (
  name VARCHAR(64) NOT NULL,
  labels VARCHAR(128) NOT NULL DEFAULT '',
  period_start DATETIME(6) NOT NULL,
  period VARCHAR(8) NOT NULL,
  value BIGINT NOT NULL,
  volume BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (name, labels, period, period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Alerts sent to the WeCom group robot: dedupe_key is the alert's name
-- and its hour, so the same alert goes out at most once an hour.
CREATE TABLE alerts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  dedupe_key VARCHAR(191) NOT NULL,
  name VARCHAR(64) NOT NULL,
  severity VARCHAR(12) NOT NULL,
  title VARCHAR(255) NOT NULL,
  body TEXT NOT NULL,
  delivery VARCHAR(16) NOT NULL DEFAULT 'pending',
  delivery_error VARCHAR(255) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_alerts_dedupe (dedupe_key),
  KEY ix_alerts_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
