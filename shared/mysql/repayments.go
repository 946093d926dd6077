package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
)

// Repayment states: CREATED (stored; the JSAPI order may or may not exist
// at WeChat Pay) and PAID (final: applied to the loan exactly once).
const (
	RepaymentCreated = "CREATED"
	RepaymentPaid    = "PAID"
)

// Refund states: CREATED (stored, not yet accepted by WeChat Pay), then
// WeChat Pay's PROCESSING, SUCCESS, CLOSED, ABNORMAL (the last three final).
const (
	RefundCreated = "CREATED"
)

// refundFinal lists the refund states that can no longer change;
// refundFinalSQL is the same list in the conditional updates.
var (
	refundFinal    = []string{"SUCCESS", "CLOSED", "ABNORMAL"}
	refundFinalSQL = sqlList(refundFinal)
)

// RefundFinal reports whether a refund state can no longer change.
func RefundFinal(state string) bool { return slices.Contains(refundFinal, state) }

// Repayment is one JSAPI order paying a loan.
type Repayment struct {
	ID            int64
	LoanID        int64
	UserID        int64
	OutTradeNo    string
	Kind          string // due | payoff | amount
	AmountFen     money.Fen
	State         string
	TransactionID string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// RepaymentTradeNo is the out_trade_no of a repayment: "R<loan>T<id>",
// each zero-padded to 6 digits (WeChat Pay wants 6-32 characters).
func RepaymentTradeNo(loanID, repaymentID int64) string {
	return fmt.Sprintf("R%06dT%06d", loanID, repaymentID)
}

// InsertRepayment stores r as CREATED and gives it its out_trade_no
// (derived from the row id, so it exists before WeChat Pay is called).
func (tx *Tx) InsertRepayment(ctx context.Context, r Repayment) (Repayment, error) {
	now := tx.now
	tmp := make([]byte, 15)
	_, _ = rand.Read(tmp)
	res, err := tx.exec(ctx, `INSERT INTO repayments (loan_id, user_id, out_trade_no, kind, amount_fen, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.LoanID, r.UserID, "P"+hex.EncodeToString(tmp), r.Kind, r.AmountFen, RepaymentCreated, now, now)
	if err != nil {
		return r, fmt.Errorf("insert repayment: %w", err)
	}
	if r.ID, err = res.LastInsertId(); err != nil {
		return r, err
	}
	r.OutTradeNo, r.State, r.CreatedAt, r.UpdatedAt = RepaymentTradeNo(r.LoanID, r.ID), RepaymentCreated, now, now
	if _, err := tx.exec(ctx, `UPDATE repayments SET out_trade_no = ? WHERE id = ?`, r.OutTradeNo, r.ID); err != nil {
		return r, fmt.Errorf("number repayment: %w", err)
	}
	return r, nil
}

const repaymentColumns = `id, loan_id, user_id, out_trade_no, kind, amount_fen, state, transaction_id, created_at, updated_at`

func scanRepayment(row interface{ Scan(...any) error }) (Repayment, error) {
	var r Repayment
	err := row.Scan(&r.ID, &r.LoanID, &r.UserID, &r.OutTradeNo, &r.Kind, &r.AmountFen, &r.State, &r.TransactionID, &r.CreatedAt, &r.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apierr.New(apierr.NotFound, "repayment not found")
	}
	return r, err
}

// Repayments reads repayments.
type Repayments struct{ DB *sql.DB }

// ByID returns one repayment; not_found if unknown.
func (s Repayments) ByID(ctx context.Context, id int64) (Repayment, error) {
	return scanRepayment(s.DB.QueryRowContext(ctx, `SELECT `+repaymentColumns+` FROM repayments WHERE id = ?`, id))
}

// ByTradeNo returns one repayment; not_found if unknown.
func (s Repayments) ByTradeNo(ctx context.Context, outTradeNo string) (Repayment, error) {
	return scanRepayment(s.DB.QueryRowContext(ctx, `SELECT `+repaymentColumns+` FROM repayments WHERE out_trade_no = ?`, outTradeNo))
}

// LockRepayment locks one repayment; not_found if unknown.
func (tx *Tx) LockRepayment(ctx context.Context, outTradeNo string) (Repayment, error) {
	return scanRepayment(tx.queryRow(ctx, `SELECT `+repaymentColumns+` FROM repayments WHERE out_trade_no = ? FOR UPDATE`, outTradeNo))
}

// MarkRepaymentPaid moves a repayment to PAID with its transaction id and
// allocation, unless it is PAID already; it reports whether it wrote.
func (tx *Tx) MarkRepaymentPaid(ctx context.Context, outTradeNo, transactionID string, allocation any) (bool, error) {
	b, err := json.Marshal(allocation)
	if err != nil {
		return false, err
	}
	res, err := tx.exec(ctx, `UPDATE repayments SET state = ?, transaction_id = ?, allocation = ?, paid_at = ?, updated_at = ?
		WHERE out_trade_no = ? AND state <> ?`, RepaymentPaid, transactionID, string(b), tx.now, tx.now, outTradeNo, RepaymentPaid)
	if err != nil {
		return false, fmt.Errorf("mark repayment %s paid: %w", outTradeNo, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Servicing is a loan's servicing state and its version (0: no row yet).
type Servicing struct {
	State   lending.LoanState
	Version int
	Stored  bool
}

// Servicing reads a loan's servicing state; a loan without one starts
// from its signed schedule with nothing paid.
func (s Loans) Servicing(ctx context.Context, loanID int64, schedule lending.Schedule) (Servicing, error) {
	return servicing(ctx, s.DB, `SELECT state, version FROM loan_servicing WHERE loan_id = ?`, loanID, schedule)
}

// Servicing is Loans.Servicing in tx, the row locked for update.
func (tx *Tx) Servicing(ctx context.Context, loanID int64, schedule lending.Schedule) (Servicing, error) {
	return servicing(ctx, tx.tx, `SELECT state, version FROM loan_servicing WHERE loan_id = ? FOR UPDATE`, loanID, schedule)
}

func servicing(ctx context.Context, q querier, query string, loanID int64, schedule lending.Schedule) (Servicing, error) {
	var raw string
	var s Servicing
	err := q.QueryRowContext(ctx, query, loanID).Scan(&raw, &s.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return Servicing{State: lending.LoanState{Schedule: schedule}}, nil
	}
	if err != nil {
		return s, fmt.Errorf("servicing of loan %d: %w", loanID, err)
	}
	s.Stored = true
	if err := json.Unmarshal([]byte(raw), &s.State); err != nil {
		return s, fmt.Errorf("servicing of loan %d: %w", loanID, err)
	}
	return s, nil
}

// SaveServicing writes next as the state following prev: an insert when
// prev was not stored, else a conditional update on prev's version. A lost
// race is conflict; nothing is written.
func (tx *Tx) SaveServicing(ctx context.Context, loanID int64, prev Servicing, next lending.LoanState) error {
	now := tx.now
	b, err := json.Marshal(next)
	if err != nil {
		return err
	}
	if !prev.Stored {
		_, err := tx.exec(ctx, `INSERT INTO loan_servicing (loan_id, state, version, updated_at) VALUES (?, ?, 1, ?)`, loanID, string(b), now)
		if IsDuplicate(err) {
			return apierr.New(apierr.Conflict, "servicing changed concurrently")
		}
		return err
	}
	res, err := tx.exec(ctx, `UPDATE loan_servicing SET state = ?, version = version + 1, updated_at = ? WHERE loan_id = ? AND version = ?`,
		string(b), now, loanID, prev.Version)
	if err != nil {
		return fmt.Errorf("servicing of loan %d: %w", loanID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apierr.New(apierr.Conflict, "servicing changed concurrently")
	}
	return nil
}

// Refund is an overpayment given back on the order that brought it.
type Refund struct {
	ID          int64
	OutRefundNo string
	RepaymentID int64
	AmountFen   money.Fen
	State       string
	RefundID    string
}

// RefundNo is the out_refund_no of a repayment's overpayment refund.
func RefundNo(outTradeNo string) string { return "F" + outTradeNo }

// InsertRefund stores a refund as CREATED; a number stored before is a
// conflict.
func (tx *Tx) InsertRefund(ctx context.Context, r Refund) (Refund, error) {
	res, err := tx.exec(ctx, `INSERT INTO refunds (out_refund_no, repayment_id, amount_fen, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, r.OutRefundNo, r.RepaymentID, r.AmountFen, RefundCreated, tx.now, tx.now)
	if IsDuplicate(err) {
		return r, apierr.New(apierr.Conflict, "refund already stored")
	}
	if err != nil {
		return r, fmt.Errorf("insert refund %s: %w", r.OutRefundNo, err)
	}
	r.ID, _ = res.LastInsertId()
	r.State = RefundCreated
	return r, nil
}

const refundColumns = `id, out_refund_no, repayment_id, amount_fen, state, refund_id`

func scanRefund(row interface{ Scan(...any) error }) (Refund, error) {
	var r Refund
	err := row.Scan(&r.ID, &r.OutRefundNo, &r.RepaymentID, &r.AmountFen, &r.State, &r.RefundID)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apierr.New(apierr.NotFound, "refund not found")
	}
	return r, err
}

// Refunds reads refunds.
type Refunds struct{ DB *sql.DB }

// ByNo returns one refund; not_found if unknown.
func (s Refunds) ByNo(ctx context.Context, outRefundNo string) (Refund, error) {
	return scanRefund(s.DB.QueryRowContext(ctx, `SELECT `+refundColumns+` FROM refunds WHERE out_refund_no = ?`, outRefundNo))
}

// Open returns refunds not final and untouched since before, oldest first,
// at most limit (one sweep's batch).
func (s Refunds) Open(ctx context.Context, before time.Time, limit int) ([]Refund, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+refundColumns+` FROM refunds
		WHERE state NOT IN `+refundFinalSQL+` AND updated_at <= ? ORDER BY updated_at, id LIMIT ?`, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Refund
	for rows.Next() {
		r, err := scanRefund(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LockRefund locks one refund; not_found if unknown.
func (tx *Tx) LockRefund(ctx context.Context, outRefundNo string) (Refund, error) {
	return scanRefund(tx.queryRow(ctx, `SELECT `+refundColumns+` FROM refunds WHERE out_refund_no = ? FOR UPDATE`, outRefundNo))
}

// UpdateRefund writes a refund's state and WeChat Pay id unless it is
// final already (monotonic); it reports whether it wrote.
func (tx *Tx) UpdateRefund(ctx context.Context, outRefundNo, state, refundID string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE refunds SET state = ?, refund_id = IF(? = '', refund_id, ?), updated_at = ?
		WHERE out_refund_no = ? AND state NOT IN `+refundFinalSQL, state, refundID, refundID, tx.now, outRefundNo)
	if err != nil {
		return false, fmt.Errorf("update refund %s: %w", outRefundNo, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Open lists orders still CREATED (not known paid) last touched
// before before, oldest first, at most limit.
func (s Repayments) Open(ctx context.Context, before time.Time, limit int) ([]Repayment, error) {
	return queryList(ctx, s.DB, scanRepayment, `SELECT `+repaymentColumns+` FROM repayments WHERE state = ? AND updated_at < ? ORDER BY updated_at LIMIT ?`,
		RepaymentCreated, before, limit)
}

// Close marks an unpaid order closed (once).
func (s Repayments) Close(ctx context.Context, outTradeNo string, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE repayments SET state = 'CLOSED', updated_at = ? WHERE out_trade_no = ? AND state = ?`, now, outTradeNo, RepaymentCreated)
	return err
}

// Touch records that the sweeper looked at an order.
func (s Repayments) Touch(ctx context.Context, outTradeNo string, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE repayments SET updated_at = ? WHERE out_trade_no = ? AND state = ?`, now, outTradeNo, RepaymentCreated)
	return err
}
