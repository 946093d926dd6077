package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
)

// CreditLines stores credit lines (loan.CreditLine).
type CreditLines struct{ DB *sql.DB }

// Get returns userID's line; not_found if there is none.
func (s CreditLines) Get(ctx context.Context, userID int64) (loan.CreditLine, error) {
	c := loan.CreditLine{UserID: userID}
	err := s.DB.QueryRowContext(ctx, `SELECT limit_fen, used_fen, annual_rate_bp, status, expires_at FROM credit_lines WHERE user_id = ?`, userID).
		Scan(&c.LimitFen, &c.UsedFen, &c.AnnualRateBP, &c.Status, &c.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, apierr.New(apierr.NotFound, "no credit line: apply for credit first")
	}
	return c, err
}

// UpsertCreditLine sets the limit, rate and expiry of c.UserID's line (a
// decision), keeping what is used; a line frozen for an overdue loan
// stays frozen until the cure (SyncLineFreeze).
func (tx *Tx) UpsertCreditLine(ctx context.Context, c loan.CreditLine, applicationID int64) error {
	_, err := tx.exec(ctx, `INSERT INTO credit_lines (user_id, limit_fen, used_fen, annual_rate_bp, status, expires_at, application_id, updated_at)
		VALUES (?, ?, 0, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE limit_fen = VALUES(limit_fen), annual_rate_bp = VALUES(annual_rate_bp),
		status = IF(frozen_reason = '`+FrozenOverdue+`', status, VALUES(status)), expires_at = VALUES(expires_at), application_id = VALUES(application_id), updated_at = VALUES(updated_at)`,
		c.UserID, c.LimitFen, c.AnnualRateBP, c.Status, c.ExpiresAt, applicationID, tx.now)
	return err
}

// ReserveCredit draws amount from userID's line if it is active,
// unexpired and has that much available: one conditional update, so racing
// draws can never exceed the limit. Errors: failed_precondition (reason
// line_frozen while a loan is overdue, else insufficient_credit).
func (tx *Tx) ReserveCredit(ctx context.Context, userID int64, amount money.Fen) error {
	res, err := tx.exec(ctx, `UPDATE credit_lines SET used_fen = used_fen + ?, updated_at = ?
		WHERE user_id = ? AND status = ? AND expires_at > ? AND limit_fen - used_fen >= ?`, amount, tx.now, userID, loan.LineActive, tx.now, amount)
	if err != nil {
		return fmt.Errorf("reserve credit: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		var status loan.LineStatus
		err := tx.queryRow(ctx, `SELECT status FROM credit_lines WHERE user_id = ?`, userID).Scan(&status)
		if err == nil && status == loan.LineFrozen {
			return lineFrozen()
		}
		return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "insufficient_credit", Message: "the amount exceeds the available credit"}
	}
	return nil
}

// lineFrozen refuses a draw on a frozen line (failed_precondition, reason
// line_frozen: a loan is overdue, the close of business froze the line and
// the cure unfreezes it). The message is for the borrower.
func lineFrozen() error {
	return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "line_frozen",
		Message: "您有逾期未还的借款，额度已暂时冻结；还清逾期款项后即可恢复借款"}
}

// ReleaseCredit gives back amount (a cancelled loan, or principal repaid).
func (tx *Tx) ReleaseCredit(ctx context.Context, userID int64, amount money.Fen) error {
	res, err := tx.exec(ctx, `UPDATE credit_lines SET used_fen = used_fen - ?, updated_at = ? WHERE user_id = ? AND used_fen >= ?`,
		amount, tx.now, userID, amount)
	if err != nil {
		return fmt.Errorf("release credit: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("release credit: user %d holds less than %d", userID, amount)
	}
	return nil
}

// Loans stores loans (loan.Loan) and applies their transitions.
type Loans struct{ DB *sql.DB }

// CreateLoan inserts an applied loan from a stored quote.
func (tx *Tx) CreateLoan(ctx context.Context, userID int64, q StoredQuote) (int64, error) {
	sched, err := json.Marshal(q.Result)
	if err != nil {
		return 0, err
	}
	r := q.Result
	res, err := tx.exec(ctx, `INSERT INTO loans (user_id, quote_id, product_code, product_version, amount_fen, term_months, method,
		annual_rate_bp, apr_bp, status, schedule, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		userID, q.ID, r.ProductCode, q.ProductVersion, r.AmountFen, r.TermMonths, string(r.Method), r.AnnualRateBP, r.APRBP,
		string(loan.Applied), string(sched), tx.now, tx.now)
	if IsDuplicate(err) {
		return 0, &apierr.Error{Code: apierr.Conflict, Reason: "quote_used", Message: "this quote has already been used"}
	}
	if err != nil {
		return 0, fmt.Errorf("insert loan: %w", err)
	}
	return res.LastInsertId()
}

const loanColumns = `id, user_id, quote_id, product_code, product_version, status, status_reason, schedule, created_at, updated_at`

func scanLoan(row interface{ Scan(...any) error }) (loan.Loan, error) { return scanLoanWith(row) }

// scanLoanWith scans loanColumns and then extra columns into extra.
func scanLoanWith(row interface{ Scan(...any) error }, extra ...any) (loan.Loan, error) {
	var l loan.Loan
	var sched string
	dest := append([]any{&l.ID, &l.UserID, &l.QuoteID, &l.ProductCode, &l.ProductVersion, &l.Status, &l.StatusReason, &sched, &l.CreatedAt, &l.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return l, err
	}
	return l, json.Unmarshal([]byte(sched), &l.Quote)
}

// Get loads a borrower's own loan; another user's is not_found.
func (s Loans) Get(ctx context.Context, id, userID int64) (loan.Loan, error) {
	l, err := scanLoan(s.DB.QueryRowContext(ctx, `SELECT `+loanColumns+` FROM loans WHERE id = ? AND user_id = ?`, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return l, apierr.New(apierr.NotFound, "loan not found")
	}
	return l, err
}

// ByID loads any loan (internal steps).
func (s Loans) ByID(ctx context.Context, id int64) (loan.Loan, error) {
	l, err := scanLoan(s.DB.QueryRowContext(ctx, `SELECT `+loanColumns+` FROM loans WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, apierr.New(apierr.NotFound, "loan not found")
	}
	return l, err
}

// LockLoan locks and loads any loan in tx; not_found if unknown.
func (tx *Tx) LockLoan(ctx context.Context, id int64) (loan.Loan, error) {
	l, err := scanLoan(tx.queryRow(ctx, `SELECT `+loanColumns+` FROM loans WHERE id = ? FOR UPDATE`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, apierr.New(apierr.NotFound, "loan not found")
	}
	return l, err
}

// LockOwnLoan locks and loads a borrower's own loan in tx; another user's
// is not_found.
func (tx *Tx) LockOwnLoan(ctx context.Context, id, userID int64) (loan.Loan, error) {
	l, err := scanLoan(tx.queryRow(ctx, `SELECT `+loanColumns+` FROM loans WHERE id = ? AND user_id = ? FOR UPDATE`, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return l, apierr.New(apierr.NotFound, "loan not found")
	}
	return l, err
}

// List returns the borrower's newest loans, at most limit.
func (s Loans) List(ctx context.Context, userID int64, limit int) ([]loan.Loan, error) {
	return queryList(ctx, s.DB, scanLoan, `SELECT `+loanColumns+` FROM loans WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, limit)
}

// queryList runs q and scans every row with scan.
func queryList[T any](ctx context.Context, db *sql.DB, scan func(interface{ Scan(...any) error }) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Transition is one state change with what must commit with it.
type Transition struct {
	LoanID   int64
	From, To loan.Status
	Reason   string
	Ledger   *ledger.Transaction // posted in the same transaction, if any
	Outbox   []Message           // next asynchronous steps
	// Also runs inside the transaction after the status moved (credit
	// line release, installment updates...).
	Also func(tx *Tx) error
}

// Transition applies t inside tx: the conditional update decides; a loan
// not in t.From is failed_precondition and nothing else is written.
func (tx *Tx) Transition(ctx context.Context, t Transition) error {
	if err := loan.Check(t.From, t.To); err != nil {
		return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "illegal_transition", Message: "the loan cannot move to " + string(t.To)}
	}
	res, err := tx.exec(ctx, `UPDATE loans SET status = ?, status_reason = ?, updated_at = ? WHERE id = ? AND status = ?`,
		string(t.To), t.Reason, tx.now, t.LoanID, string(t.From))
	if err != nil {
		return fmt.Errorf("loan %d %s->%s: %w", t.LoanID, t.From, t.To, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "status_changed", Message: "the loan is no longer " + string(t.From)}
	}
	if _, err := tx.exec(ctx, `INSERT INTO loan_events (loan_id, from_status, to_status, reason, created_at) VALUES (?, ?, ?, ?, ?)`,
		t.LoanID, string(t.From), string(t.To), t.Reason, tx.now); err != nil {
		return err
	}
	if t.Ledger != nil {
		if _, err := tx.Post(ctx, *t.Ledger); err != nil {
			return err
		}
	}
	for _, m := range t.Outbox {
		if err := tx.Enqueue(ctx, m); err != nil {
			return err
		}
	}
	if t.Also != nil {
		return t.Also(tx)
	}
	return nil
}

// Transition applies t in its own transaction (retried on deadlock).
func (s Loans) Transition(ctx context.Context, t Transition, now time.Time) error {
	return InTx(ctx, s.DB, now, func(tx *Tx) error { return tx.Transition(ctx, t) })
}

// SetSchedule replaces a loan's schedule (its due dates once the money
// arrived; the amounts stay as signed).
func (tx *Tx) SetSchedule(ctx context.Context, loanID int64, q lending.QuoteResult) error {
	b, err := json.Marshal(q)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `UPDATE loans SET schedule = ? WHERE id = ?`, string(b), loanID)
	return err
}
