package mysql

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/money"
)

// Recon stores reconciliation runs and reads our side of a bill day
// (migration 0012).
type Recon struct{ DB *sql.DB }

// Run states.
const (
	ReconWaiting = "waiting" // a bill was not ready: retried later, not a break
	ReconRefused = "refused" // a bill failed its checks: nothing of it stored
	ReconDone    = "done"
)

// ReconRun is one account's run and report for one bill date.
type ReconRun struct {
	MchID          string
	BillDate       string // YYYY-MM-DD
	State          string
	Attempts       int
	LastError      string
	Lines          int64
	Matched        int64
	AutoResolved   int64
	OpenBreaks     int64
	TotalFen       money.Fen
	UnexplainedFen money.Fen
	BillNetFen     money.Fen
	LedgerNetFen   money.Fen
	UpdatedAt      time.Time
}

// Record kinds of our side.
const (
	OursPayment  = "payment"
	OursRefund   = "refund"
	OursTransfer = "transfer"
)

// OursRow is one settled money movement of ours: a paid repayment, a
// successful refund or transfer, at the instant it settled.
type OursRow struct {
	Kind      string
	No        string
	AmountFen money.Fen
	At        time.Time
}

// OurSide streams to fn what settled for merchant account mch from since
// on (payments and refunds only when withPayments: they go through the
// primary account), in no particular order. Rows are read from the state
// indexes: a final row is not updated again, so updated_at is when it
// settled.
func (s Recon) OurSide(ctx context.Context, mch string, withPayments bool, since time.Time, fn func(OursRow)) error {
	type source struct {
		kind, query string
		args        []any
	}
	sources := []source{{OursTransfer, `SELECT out_bill_no, amount_fen, updated_at FROM disbursements
		WHERE state = 'SUCCESS' AND updated_at >= ? AND mch_id = ?`, []any{since, mch}}}
	if withPayments {
		sources = append(sources,
			source{OursPayment, `SELECT out_trade_no, amount_fen, COALESCE(paid_at, updated_at) FROM repayments
				WHERE state = 'PAID' AND updated_at >= ?`, []any{since}},
			source{OursRefund, `SELECT out_refund_no, amount_fen, updated_at FROM refunds WHERE state = 'SUCCESS' AND updated_at >= ?`, []any{since}})
	}
	for _, src := range sources {
		if err := s.stream(ctx, src.kind, src.query, src.args, fn); err != nil {
			return err
		}
	}
	return nil
}

// OurSideCount is how many rows OurSide(mch, withPayments, since) will
// stream at most, per kind: a size hint for the maps that hold them.
func (s Recon) OurSideCount(ctx context.Context, mch string, withPayments bool, since time.Time) (map[string]int, error) {
	out := map[string]int{}
	q := map[string]string{OursTransfer: `SELECT COUNT(*) FROM disbursements WHERE state = 'SUCCESS' AND updated_at >= ? AND mch_id = ?`}
	if withPayments {
		q[OursPayment] = `SELECT COUNT(*) FROM repayments WHERE state = 'PAID' AND updated_at >= ? AND ? <> ''`
		q[OursRefund] = `SELECT COUNT(*) FROM refunds WHERE state = 'SUCCESS' AND updated_at >= ? AND ? <> ''`
	}
	for kind, query := range q {
		var n int
		if err := s.DB.QueryRowContext(ctx, query, since, mch).Scan(&n); err != nil {
			return nil, err
		}
		out[kind] = n
	}
	return out, nil
}

func (s Recon) stream(ctx context.Context, kind, query string, args []any, fn func(OursRow)) error {
	rows, err := s.DB.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r := OursRow{Kind: kind}
		var amount int64
		if err := rows.Scan(&r.No, &amount, &r.At); err != nil {
			return err
		}
		r.AmountFen = money.Fen(amount)
		fn(r)
	}
	return rows.Err()
}

// LedgerNet is the net movement of mch's clearing account posted in
// [from, to).
func (s Recon) LedgerNet(ctx context.Context, mch string, from, to time.Time) (money.Fen, error) {
	var v int64
	err := s.DB.QueryRowContext(ctx, `SELECT COALESCE(SUM(e.amount_fen), 0) FROM ledger_entries e
		JOIN ledger_accounts a ON a.id = e.account_id WHERE a.code = ? AND e.created_at >= ? AND e.created_at < ?`,
		string(ledger.Clearing(mch)), from, to).Scan(&v)
	return money.Fen(v), err
}

// FirstActivity is the earliest instant anything of ours moved money
// through mch (zero when nothing did): the catch-up's first date.
func (s Recon) FirstActivity(ctx context.Context, mch string, withPayments bool) (time.Time, error) {
	q := `SELECT MIN(created_at) FROM disbursements WHERE mch_id = ?`
	if withPayments {
		q = `SELECT MIN(t) FROM (SELECT MIN(created_at) AS t FROM disbursements WHERE mch_id = ?
			UNION ALL SELECT MIN(created_at) FROM repayments) x`
	}
	var t sql.NullTime
	err := s.DB.QueryRowContext(ctx, q, mch).Scan(&t)
	return t.Time, err
}

const reconColumns = `mch_id, DATE_FORMAT(bill_date, '%Y-%m-%d'), state, attempts, last_error, bill_lines, matched, auto_resolved,
	open_breaks, total_fen, unexplained_fen, bill_net_fen, ledger_net_fen, updated_at`

func scanRecon(r interface{ Scan(...any) error }) (ReconRun, error) {
	var x ReconRun
	var total, unexplained, billNet, ledgerNet int64
	err := r.Scan(&x.MchID, &x.BillDate, &x.State, &x.Attempts, &x.LastError, &x.Lines, &x.Matched, &x.AutoResolved, &x.OpenBreaks,
		&total, &unexplained, &billNet, &ledgerNet, &x.UpdatedAt)
	x.TotalFen, x.UnexplainedFen, x.BillNetFen, x.LedgerNetFen = money.Fen(total), money.Fen(unexplained), money.Fen(billNet), money.Fen(ledgerNet)
	return x, err
}

// Run is the run of (mch, date); ok false when there is none.
func (s Recon) Run(ctx context.Context, mch, date string) (ReconRun, bool, error) {
	x, err := scanRecon(s.DB.QueryRowContext(ctx, `SELECT `+reconColumns+` FROM recon_runs WHERE mch_id = ? AND bill_date = ?`, mch, date))
	if errors.Is(err, sql.ErrNoRows) {
		return x, false, nil
	}
	return x, err == nil, err
}

// OnDate lists every account's run of date.
func (s Recon) OnDate(ctx context.Context, date string) ([]ReconRun, error) {
	return queryList(ctx, s.DB, scanRecon, `SELECT `+reconColumns+` FROM recon_runs WHERE bill_date = ? ORDER BY mch_id`, date)
}

// Mark records a run that did not finish (waiting or refused) with its
// reason, counting the attempt; a done run is never changed.
func (s Recon) Mark(ctx context.Context, mch, date, state, reason string, now time.Time) error {
	if len(reason) > 255 {
		reason = reason[:255]
	}
	_, err := s.DB.ExecContext(ctx, `INSERT INTO recon_runs (mch_id, bill_date, state, attempts, last_error, created_at, updated_at)
		VALUES (?, ?, ?, 1, ?, ?, ?) ON DUPLICATE KEY UPDATE
		attempts = IF(state = 'done', attempts, attempts + 1), last_error = IF(state = 'done', last_error, VALUES(last_error)),
		updated_at = IF(state = 'done', updated_at, VALUES(updated_at)), state = IF(state = 'done', state, VALUES(state))`,
		mch, date, state, reason, now, now)
	return err
}

// FinishRecon stores the report of a run as done, in the transaction that
// queues its breaks; a run already done makes it a no-op (false).
func (tx *Tx) FinishRecon(ctx context.Context, r ReconRun) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO recon_runs (mch_id, bill_date, state, attempts, last_error, bill_lines, matched, auto_resolved,
		open_breaks, total_fen, unexplained_fen, bill_net_fen, ledger_net_fen, created_at, updated_at)
		VALUES (?, ?, 'done', 1, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE
		attempts = IF(state = 'done', attempts, attempts + 1), bill_lines = IF(state = 'done', bill_lines, VALUES(bill_lines)),
		matched = IF(state = 'done', matched, VALUES(matched)), auto_resolved = IF(state = 'done', auto_resolved, VALUES(auto_resolved)),
		open_breaks = IF(state = 'done', open_breaks, VALUES(open_breaks)), total_fen = IF(state = 'done', total_fen, VALUES(total_fen)),
		unexplained_fen = IF(state = 'done', unexplained_fen, VALUES(unexplained_fen)),
		bill_net_fen = IF(state = 'done', bill_net_fen, VALUES(bill_net_fen)),
		ledger_net_fen = IF(state = 'done', ledger_net_fen, VALUES(ledger_net_fen)), last_error = IF(state = 'done', last_error, ''),
		updated_at = IF(state = 'done', updated_at, VALUES(updated_at)), state = 'done'`,
		r.MchID, r.BillDate, r.Lines, r.Matched, r.AutoResolved, r.OpenBreaks, int64(r.TotalFen), int64(r.UnexplainedFen),
		int64(r.BillNetFen), int64(r.LedgerNetFen), tx.now, tx.now)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected() // 1 inserted, 2 updated, 0 unchanged
	return n > 0, nil
}

// LockRecon locks (mch, date)'s run row, creating it as waiting, and
// reports whether it is done: the run's transaction holds it so two runs
// of one date never both store breaks.
func (tx *Tx) LockRecon(ctx context.Context, mch, date string) (bool, error) {
	if _, err := tx.exec(ctx, `INSERT IGNORE INTO recon_runs (mch_id, bill_date, state, created_at, updated_at) VALUES (?, ?, 'waiting', ?, ?)`,
		mch, date, tx.now, tx.now); err != nil {
		return false, err
	}
	var state string
	err := tx.queryRow(ctx, `SELECT state FROM recon_runs WHERE mch_id = ? AND bill_date = ? FOR UPDATE`, mch, date).Scan(&state)
	return state == ReconDone, err
}
