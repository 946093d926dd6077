package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/disbursement"
	"github.com/wxlend/wxlend/shared/money"
)

// finalStates is disbursement.FinalStates as SQL, for conditional updates
// that never touch a final part.
var finalStates = sqlList(disbursement.FinalStates())

// Disbursements stores disbursement parts (disbursement.Part).
type Disbursements struct{ DB *sql.DB }

// InsertDisbursementParts stores parts in state CREATING; a part already
// stored (the unique out_bill_no) is a conflict.
func (tx *Tx) InsertDisbursementParts(ctx context.Context, parts []disbursement.Part) error {
	for _, p := range parts {
		attempt := max(p.AttemptNo, 1)
		_, err := tx.exec(ctx, `INSERT INTO disbursements (loan_id, part_no, attempt_no, out_bill_no, mch_id, amount_fen, state, not_before, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.LoanID, p.PartNo, attempt, p.OutBillNo, p.MchID, p.AmountFen, disbursement.Creating, nullTime(p.NotBefore), tx.now, tx.now)
		if IsDuplicate(err) {
			return apierr.New(apierr.Conflict, "disbursement already stored")
		}
		if err != nil {
			return fmt.Errorf("insert disbursement %s: %w", p.OutBillNo, err)
		}
	}
	return nil
}

const partColumns = `loan_id, part_no, attempt_no, out_bill_no, mch_id, amount_fen, state, transfer_bill_no, package_info, fail_reason, attempts, not_before, created_at, updated_at`

func scanPart(row interface{ Scan(...any) error }) (disbursement.Part, error) {
	var p disbursement.Part
	var notBefore sql.NullTime
	err := row.Scan(&p.LoanID, &p.PartNo, &p.AttemptNo, &p.OutBillNo, &p.MchID, &p.AmountFen, &p.State, &p.TransferBillNo, &p.PackageInfo,
		&p.FailReason, &p.Attempts, &notBefore, &p.CreatedAt, &p.UpdatedAt)
	p.NotBefore = notBefore.Time
	return p, err
}

func queryParts(ctx context.Context, q querier, query string, args ...any) ([]disbursement.Part, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []disbursement.Part
	for rows.Next() {
		p, err := scanPart(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ForLoan returns every attempt of a loan's parts, by part and attempt.
func (s Disbursements) ForLoan(ctx context.Context, loanID int64) ([]disbursement.Part, error) {
	return queryParts(ctx, s.DB, `SELECT `+partColumns+` FROM disbursements WHERE loan_id = ? ORDER BY part_no, attempt_no`, loanID)
}

// LockParts is ForLoan in tx, the rows locked for update.
func (tx *Tx) LockParts(ctx context.Context, loanID int64) ([]disbursement.Part, error) {
	return queryParts(ctx, tx.tx, `SELECT `+partColumns+` FROM disbursements WHERE loan_id = ? ORDER BY part_no, attempt_no FOR UPDATE`, loanID)
}

// ByBillNo returns one part; not_found if unknown.
func (s Disbursements) ByBillNo(ctx context.Context, outBillNo string) (disbursement.Part, error) {
	p, err := scanPart(s.DB.QueryRowContext(ctx, `SELECT `+partColumns+` FROM disbursements WHERE out_bill_no = ?`, outBillNo))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apierr.New(apierr.NotFound, "disbursement not found")
	}
	return p, err
}

// UpdatePart writes a part's state, bill number, package and reason,
// unless it is already final (monotonic). It reports whether it wrote.
func (tx *Tx) UpdatePart(ctx context.Context, p disbursement.Part) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE disbursements SET state = ?, transfer_bill_no = ?, package_info = ?, fail_reason = ?, updated_at = ?
		WHERE out_bill_no = ? AND state NOT IN `+finalStates,
		p.State, p.TransferBillNo, p.PackageInfo, p.FailReason, tx.now, p.OutBillNo)
	if err != nil {
		return false, fmt.Errorf("update disbursement %s: %w", p.OutBillNo, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ClaimAttempt takes the right to make one call to WeChat Pay with a
// part's number: it counts the call and touches the part, but only if
// nobody claimed it since the caller read it (attempts still seen) and it
// is not final. Of concurrent callers one wins; the sweeper leaves a part
// alone for longer than a call can take, so at most one call per number
// is in flight, and a definite refusal to that call means the number was
// not created.
func (s Disbursements) ClaimAttempt(ctx context.Context, outBillNo string, seen int, now time.Time) (bool, error) {
	res, err := s.DB.ExecContext(ctx, `UPDATE disbursements SET attempts = attempts + 1, updated_at = ?
		WHERE out_bill_no = ? AND attempts = ? AND state NOT IN `+finalStates, now, outBillNo, seen)
	if err != nil {
		return false, fmt.Errorf("claim disbursement %s: %w", outBillNo, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Stale returns parts to look at: not final, due (not_before passed), and
// either untouched since before or never sent; oldest first, at most limit
// (one sweep's batch).
func (s Disbursements) Stale(ctx context.Context, before, now time.Time, limit int) ([]disbursement.Part, error) {
	return queryParts(ctx, s.DB, `SELECT `+partColumns+` FROM disbursements
		WHERE state NOT IN `+finalStates+` AND (updated_at <= ? OR attempts = 0) AND (not_before IS NULL OR not_before <= ?)
		ORDER BY updated_at, id LIMIT ?`, before, now, limit)
}

// Reroute retires a part's number that WeChat Pay proved it never
// created (REROUTED, with the refusal as reason) and stores the next
// attempt, in tx. The update is conditional on the claim the caller made
// (attempts) and on the number still being open, so a part that moved
// meanwhile is left alone: it reports false and writes nothing.
func (tx *Tx) Reroute(ctx context.Context, old disbursement.Part, reason string, next disbursement.Part) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE disbursements SET state = ?, fail_reason = ?, updated_at = ?
		WHERE out_bill_no = ? AND attempts = ? AND state IN (?, ?)`, disbursement.Rerouted, reason, tx.now, old.OutBillNo, old.Attempts, disbursement.Creating, disbursement.Unknown)
	if err != nil {
		return false, fmt.Errorf("reroute disbursement %s: %w", old.OutBillNo, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	return true, tx.InsertDisbursementParts(ctx, []disbursement.Part{next})
}

// RestRoute records in tx that a merchant account refused a transfer for
// lack of balance or limits: new disbursements avoid it until until. It
// commits or rolls back with the refusal it answers.
func (tx *Tx) RestRoute(ctx context.Context, mchID, reason string, until time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO merchant_routes (mch_id, resting_until, reason, refusals, updated_at) VALUES (?, ?, ?, 1, ?)
		ON DUPLICATE KEY UPDATE resting_until = GREATEST(resting_until, VALUES(resting_until)), reason = VALUES(reason),
		refusals = refusals + 1, updated_at = VALUES(updated_at)`, mchID, until, reason, tx.now)
	return err
}

// RestingRoutes returns the merchant accounts resting at now.
func (s Disbursements) RestingRoutes(ctx context.Context, now time.Time) (map[string]bool, error) {
	return restingRoutes(ctx, s.DB, now)
}

// RestingRoutes is Disbursements.RestingRoutes at tx's instant, seeing
// tx's own rests.
func (tx *Tx) RestingRoutes(ctx context.Context) (map[string]bool, error) {
	return restingRoutes(ctx, tx.tx, tx.now)
}

func restingRoutes(ctx context.Context, q querier, now time.Time) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT mch_id FROM merchant_routes WHERE resting_until > ?`, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		out[m] = true
	}
	return out, rows.Err()
}

// RecordNotification stores a WeChat Pay notification id; false when it
// was stored before (a duplicate already applied).
func (tx *Tx) RecordNotification(ctx context.Context, id, eventType, businessNo string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT IGNORE INTO notifications (notification_id, event_type, business_no, created_at) VALUES (?, ?, ?, ?)`,
		id, eventType, businessNo, tx.now)
	if err != nil {
		return false, fmt.Errorf("record notification: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// LoanAmountFen is the principal stored in a loan's own column (checked
// against the quoted schedule before money moves).
func LoanAmountFen(ctx context.Context, db *sql.DB, loanID int64) (money.Fen, error) {
	var a money.Fen
	err := db.QueryRowContext(ctx, `SELECT amount_fen FROM loans WHERE id = ?`, loanID).Scan(&a)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apierr.New(apierr.NotFound, "loan not found")
	}
	return a, err
}

// Hold keeps an open part from being sent or swept before until.
func (s Disbursements) Hold(ctx context.Context, outBillNo string, until time.Time) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE disbursements SET not_before = ? WHERE out_bill_no = ? AND state NOT IN `+finalStates, until, outBillNo)
	return err
}
