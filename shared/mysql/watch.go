package mysql

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
)

// CallbackRefusals counts refused callbacks per route, reason and business
// hour (migration 0018).
type CallbackRefusals struct{ DB *sql.DB }

// Add counts one refusal of route for reason in the hour starting at hour.
func (s CallbackRefusals) Add(ctx context.Context, route, reason string, hour, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO callback_refusals (route, reason, hour_start, refusals, updated_at) VALUES (?, ?, ?, 1, ?)
		ON DUPLICATE KEY UPDATE refusals = refusals + 1, updated_at = VALUES(updated_at)`, route, reason, hour, now)
	return err
}

// RefusalCount is how many callbacks of a route were refused for a reason.
type RefusalCount struct {
	Route, Reason string
	N             int64
}

// InHour lists the refusals counted in the hour starting at hour.
func (s CallbackRefusals) InHour(ctx context.Context, hour time.Time) ([]RefusalCount, error) {
	return queryList(ctx, s.DB, func(r interface{ Scan(...any) error }) (c RefusalCount, err error) {
		err = r.Scan(&c.Route, &c.Reason, &c.N)
		return
	}, `SELECT route, reason, refusals FROM callback_refusals WHERE hour_start = ? ORDER BY route, reason`, hour)
}

// DPDSnapshots holds each loan's DPD bucket per closed business date
// (migration 0018): the history roll rates need, since loans keep only
// the latest bucket.
type DPDSnapshots struct{ DB *sql.DB }

// LastClosed is the latest business date whose close of business is done
// and after which no close has started (ok false otherwise): the one date
// whose buckets loans hold right now.
func (s DPDSnapshots) LastClosed(ctx context.Context) (lending.Date, bool, error) {
	var last sql.NullString
	var later int64
	err := s.DB.QueryRowContext(ctx, `SELECT (SELECT CAST(MAX(business_date) AS CHAR) FROM cob_runs WHERE status = ?),
		(SELECT COUNT(*) FROM cob_runs WHERE business_date > (SELECT MAX(business_date) FROM cob_runs WHERE status = ?))`,
		COBDone, COBDone).Scan(&last, &later)
	if err != nil || !last.Valid || later > 0 {
		return lending.Date{}, false, err
	}
	d, err := lending.ParseDate(last.String)
	return d, err == nil, err
}

// Taken reports whether d's snapshot is complete.
func (s DPDSnapshots) Taken(ctx context.Context, d lending.Date) (bool, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM dpd_snapshot_days WHERE business_date = ?`, d.String()).Scan(&n)
	return n > 0, err
}

// errCOBMoved: the next close began while the snapshot was read.
var errCOBMoved = errors.New("dpd snapshot: the next close of business began")

// Take snapshots the buckets of the loans closed for d, once: it does
// nothing when d is taken already, and takes nothing (false) unless d's
// close is done and the next has not begun, before and after the read
// (the close of the next date moves buckets on: it records its start in
// cob_runs before it touches a loan, so a read bracketed by two quiet
// checks saw one date only). Read committed: INSERT … SELECT then reads
// loans without locks, so the close and payments never wait (it needs
// row-based binary logging, TencentDB's default, when a binlog is kept).
func (s DPDSnapshots) Take(ctx context.Context, d lending.Date, now time.Time) (bool, error) {
	if done, err := s.Taken(ctx, d); err != nil || done {
		return done, err
	}
	tx, err := s.DB.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback() }()
	quiet := func() error {
		var ok int
		err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM cob_runs WHERE business_date = ? AND status = ?)
			- (SELECT COUNT(*) FROM cob_runs WHERE business_date > ?)`, d.String(), COBDone, d.String()).Scan(&ok)
		if err == nil && ok != 1 {
			err = errCOBMoved
		}
		return err
	}
	if err := quiet(); err != nil {
		return false, ignoreMoved(err)
	}
	res, err := tx.ExecContext(ctx, `INSERT IGNORE INTO dpd_snapshots (business_date, loan_id, bucket)
		SELECT ?, id, dpd_bucket FROM loans WHERE last_closed_date = ?`, d.String(), d.String())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	if err := quiet(); err != nil {
		return false, ignoreMoved(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT IGNORE INTO dpd_snapshot_days (business_date, loans, taken_at) VALUES (?, ?, ?)`,
		d.String(), n, now); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

func ignoreMoved(err error) error {
	if errors.Is(err, errCOBMoved) {
		return nil
	}
	return err
}

// BucketMove is how many loans went from one bucket to another between
// two snapshots; To is "" for a loan not closed on the later date (paid
// off or written off).
type BucketMove struct {
	From, To string
	N        int64
}

// Transitions counts the loans of from's snapshot by their bucket on
// from and on to.
func (s DPDSnapshots) Transitions(ctx context.Context, from, to lending.Date) ([]BucketMove, error) {
	return queryList(ctx, s.DB, func(r interface{ Scan(...any) error }) (t BucketMove, err error) {
		err = r.Scan(&t.From, &t.To, &t.N)
		return
	}, `SELECT a.bucket, COALESCE(b.bucket, ''), COUNT(*) FROM dpd_snapshots a
		LEFT JOIN dpd_snapshots b ON b.business_date = ? AND b.loan_id = a.loan_id
		WHERE a.business_date = ? GROUP BY a.bucket, COALESCE(b.bucket, '')`, to.String(), from.String())
}

// Prune deletes, at most limit rows a call, the snapshots before keepFrom
// except month-ends, and month-ends before keepMonthEndsFrom.
func (s DPDSnapshots) Prune(ctx context.Context, keepFrom, keepMonthEndsFrom lending.Date, limit int) error {
	const old = `business_date < ? AND (business_date <> LAST_DAY(business_date) OR business_date < ?)`
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM dpd_snapshots WHERE `+old+` LIMIT ?`,
		keepFrom.String(), keepMonthEndsFrom.String(), limit); err != nil {
		return err
	}
	_, err := s.DB.ExecContext(ctx, `DELETE FROM dpd_snapshot_days WHERE `+old+`
		AND NOT EXISTS (SELECT 1 FROM dpd_snapshots x WHERE x.business_date = dpd_snapshot_days.business_date)`,
		keepFrom.String(), keepMonthEndsFrom.String())
	return err
}
