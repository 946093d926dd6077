package mysql

import (
	"context"
	"database/sql"
	"time"
)

// Metrics and Alerts store job-monitor's output (migration 0013).
type Metrics struct{ DB *sql.DB }

// Metric is one value of one period.
type Metric struct {
	Name, Labels, Period string // period: hour or day
	Start                time.Time
	Value, Volume        int64
}

// Put stores m, replacing the value of its period.
func (s Metrics) Put(ctx context.Context, m Metric, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO metrics (name, labels, period, period_start, value, volume, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value), volume = VALUES(volume), created_at = VALUES(created_at)`,
		m.Name, m.Labels, m.Period, m.Start, m.Value, m.Volume, now)
	return err
}

// Alerts records alerts, at most one per dedupe key.
type Alerts struct{ DB *sql.DB }

// Alert is one alert as recorded.
type Alert struct {
	ID                      int64
	DedupeKey, Name         string
	Severity, Title, Body   string
	Delivery, DeliveryError string
	CreatedAt               time.Time
}

// Add records a; false when its dedupe key is already recorded (nothing
// changes).
func (s Alerts) Add(ctx context.Context, a Alert, now time.Time) (int64, bool, error) {
	res, err := s.DB.ExecContext(ctx, `INSERT IGNORE INTO alerts (dedupe_key, name, severity, title, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.DedupeKey, a.Name, a.Severity, a.Title, a.Body, now)
	if err != nil {
		return 0, false, err
	}
	n, _ := res.RowsAffected()
	id, _ := res.LastInsertId()
	return id, n == 1, nil
}

// Delivered records how sending alert id went.
func (s Alerts) Delivered(ctx context.Context, id int64, delivery, errText string) error {
	if len(errText) > 255 {
		errText = errText[:255]
	}
	_, err := s.DB.ExecContext(ctx, `UPDATE alerts SET delivery = ?, delivery_error = ? WHERE id = ?`, delivery, errText, id)
	return err
}

// List answers the newest alerts first, at most limit.
func (s Alerts) List(ctx context.Context, limit int) ([]Alert, error) {
	return queryList(ctx, s.DB, func(r interface{ Scan(...any) error }) (a Alert, err error) {
		err = r.Scan(&a.ID, &a.DedupeKey, &a.Name, &a.Severity, &a.Title, &a.Body, &a.Delivery, &a.DeliveryError, &a.CreatedAt)
		return
	}, `SELECT id, dedupe_key, name, severity, title, body, delivery, delivery_error, created_at FROM alerts ORDER BY id DESC LIMIT ?`, limit)
}

// Ratio is part of whole over a period.
type Ratio struct{ Part, Whole int64 }

// Watch reads the numbers job-monitor computes; each method is one query.
type Watch struct{ DB *sql.DB }

func (s Watch) ratio(ctx context.Context, q string, args ...any) (Ratio, error) {
	var r Ratio
	err := s.DB.QueryRowContext(ctx, q, args...).Scan(&r.Part, &r.Whole)
	return r, err
}

// Approvals: applications approved of those decided in [from, to).
func (s Watch) Approvals(ctx context.Context, from, to time.Time) (Ratio, error) {
	return s.ratio(ctx, `SELECT COALESCE(SUM(status = 'approved'), 0), COUNT(*) FROM credit_applications
		WHERE decided_at >= ? AND decided_at < ? AND status IN ('approved', 'declined', 'review')`, from, to)
}

// PayoutFailures: transfer parts that ended FAIL of those that ended in
// [from, to).
func (s Watch) PayoutFailures(ctx context.Context, from, to time.Time) (Ratio, error) {
	return s.ratio(ctx, `SELECT COALESCE(SUM(state = 'FAIL'), 0), COUNT(*) FROM disbursements
		WHERE state IN ('SUCCESS', 'FAIL') AND updated_at >= ? AND updated_at < ?`, from, to)
}

// RepaymentsPaid: repayment orders created in [from, to) that were paid.
func (s Watch) RepaymentsPaid(ctx context.Context, from, to time.Time) (Ratio, error) {
	return s.ratio(ctx, `SELECT COALESCE(SUM(state = 'PAID'), 0), COUNT(*) FROM repayments WHERE created_at >= ? AND created_at < ?`, from, to)
}

// DPDBuckets counts loans being repaid per DPD bucket (as of the last
// close of business).
func (s Watch) DPDBuckets(ctx context.Context) (map[string]int64, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT dpd_bucket, COUNT(*) FROM loans WHERE status IN ('active', 'overdue') GROUP BY dpd_bucket`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var b string
		var n int64
		if err := rows.Scan(&b, &n); err != nil {
			return nil, err
		}
		out[b] = n
	}
	return out, rows.Err()
}

// OutboxOldest is when the oldest undispatched outbox message was made
// (zero when none waits).
func (s Watch) OutboxOldest(ctx context.Context) (time.Time, error) {
	var t sql.NullTime
	err := s.DB.QueryRowContext(ctx, `SELECT MIN(created_at) FROM outbox WHERE dispatched_at IS NULL`).Scan(&t)
	return t.Time, err
}

// StuckApplications counts pending applications untouched since before.
func (s Watch) StuckApplications(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM credit_applications WHERE status = 'pending' AND updated_at < ?`, before).Scan(&n)
	return n, err
}
