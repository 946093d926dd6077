package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/money"
)

// Disbursement part states: WeChat Pay's transfer states plus CREATING
// (stored, not yet sent) and UNKNOWN (sent, outcome unknown: query, never
// a new number).
const (
	PartCreating = "CREATING"
	PartUnknown  = "UNKNOWN"
)

// PartFinal reports whether a disbursement part state can no longer change.
func PartFinal(state string) bool {
	return state == "SUCCESS" || state == "FAIL" || state == "CANCELLED"
}

// DisbursementPart is one transfer of a loan's disbursement.
type DisbursementPart struct {
	LoanID         int64
	PartNo         int
	OutBillNo      string
	MchID          string
	AmountFen      money.Fen
	State          string
	TransferBillNo string
	PackageInfo    string
	FailReason     string
	Attempts       int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Disbursements stores disbursement parts.
type Disbursements struct{ DB *sql.DB }

// InsertDisbursementPartsTx stores parts in state CREATING; a part already
// stored (the unique out_bill_no) is a conflict.
func InsertDisbursementPartsTx(ctx context.Context, tx *sql.Tx, parts []DisbursementPart, now time.Time) error {
	for _, p := range parts {
		_, err := tx.ExecContext(ctx, `INSERT INTO disbursements (loan_id, part_no, out_bill_no, mch_id, amount_fen, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.LoanID, p.PartNo, p.OutBillNo, p.MchID, p.AmountFen, PartCreating, now, now)
		if IsDuplicate(err) {
			return apierr.New(apierr.Conflict, "disbursement already stored")
		}
		if err != nil {
			return fmt.Errorf("insert disbursement %s: %w", p.OutBillNo, err)
		}
	}
	return nil
}

const partColumns = `loan_id, part_no, out_bill_no, mch_id, amount_fen, state, transfer_bill_no, package_info, fail_reason, attempts, created_at, updated_at`

func scanPart(row interface{ Scan(...any) error }) (DisbursementPart, error) {
	var p DisbursementPart
	err := row.Scan(&p.LoanID, &p.PartNo, &p.OutBillNo, &p.MchID, &p.AmountFen, &p.State, &p.TransferBillNo, &p.PackageInfo,
		&p.FailReason, &p.Attempts, &p.CreatedAt, &p.UpdatedAt)
	return p, err
}

func queryParts(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) ([]DisbursementPart, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DisbursementPart
	for rows.Next() {
		p, err := scanPart(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ForLoan returns a loan's parts in order.
func (s Disbursements) ForLoan(ctx context.Context, loanID int64) ([]DisbursementPart, error) {
	return queryParts(ctx, s.DB, `SELECT `+partColumns+` FROM disbursements WHERE loan_id = ? ORDER BY part_no`, loanID)
}

// ForLoanTx returns a loan's parts locked for update, in order.
func ForLoanTx(ctx context.Context, tx *sql.Tx, loanID int64) ([]DisbursementPart, error) {
	return queryParts(ctx, tx, `SELECT `+partColumns+` FROM disbursements WHERE loan_id = ? ORDER BY part_no FOR UPDATE`, loanID)
}

// ByBillNo returns one part; not_found if unknown.
func (s Disbursements) ByBillNo(ctx context.Context, outBillNo string) (DisbursementPart, error) {
	p, err := scanPart(s.DB.QueryRowContext(ctx, `SELECT `+partColumns+` FROM disbursements WHERE out_bill_no = ?`, outBillNo))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apierr.New(apierr.NotFound, "disbursement not found")
	}
	return p, err
}

// PartForUpdateTx locks one part; not_found if unknown.
func PartForUpdateTx(ctx context.Context, tx *sql.Tx, outBillNo string) (DisbursementPart, error) {
	p, err := scanPart(tx.QueryRowContext(ctx, `SELECT `+partColumns+` FROM disbursements WHERE out_bill_no = ? FOR UPDATE`, outBillNo))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apierr.New(apierr.NotFound, "disbursement not found")
	}
	return p, err
}

// UpdatePartTx writes a part's state, bill number, package and reason,
// unless it is already final (monotonic). It reports whether it wrote.
func UpdatePartTx(ctx context.Context, tx *sql.Tx, p DisbursementPart, now time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE disbursements SET state = ?, transfer_bill_no = ?, package_info = ?, fail_reason = ?, updated_at = ?
		WHERE out_bill_no = ? AND state NOT IN ('SUCCESS', 'FAIL', 'CANCELLED')`,
		p.State, p.TransferBillNo, p.PackageInfo, p.FailReason, now, p.OutBillNo)
	if err != nil {
		return false, fmt.Errorf("update disbursement %s: %w", p.OutBillNo, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// NoteAttempt counts one call to WeChat Pay for a part and touches it, so
// the sweeper waits before the next.
func (s Disbursements) NoteAttempt(ctx context.Context, outBillNo string, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE disbursements SET attempts = attempts + 1, updated_at = ? WHERE out_bill_no = ?`, now, outBillNo)
	return err
}

// Stale returns parts not final and untouched since before, oldest first,
// at most limit (one sweep's batch).
func (s Disbursements) Stale(ctx context.Context, before time.Time, limit int) ([]DisbursementPart, error) {
	return queryParts(ctx, s.DB, `SELECT `+partColumns+` FROM disbursements
		WHERE state NOT IN ('SUCCESS', 'FAIL', 'CANCELLED') AND updated_at <= ? ORDER BY updated_at, id LIMIT ?`, before, limit)
}

// RecordNotificationTx stores a WeChat Pay notification id; false when it
// was stored before (a duplicate already applied).
func RecordNotificationTx(ctx context.Context, tx *sql.Tx, id, eventType, businessNo string, now time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT IGNORE INTO notifications (notification_id, event_type, business_no, created_at) VALUES (?, ?, ?, ?)`,
		id, eventType, businessNo, now)
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
