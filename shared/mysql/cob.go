package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
)

// COB run states.
const (
	COBRunning = "running"
	COBDone    = "done"
)

// COBRun is the close of one business date (table cob_runs).
type COBRun struct {
	Date         lending.Date
	Status       string
	CursorLoanID int64
	LoansClosed  int64
	PenaltyFen   money.Fen
}

// COBRuns stores the close-of-business runs.
type COBRuns struct{ DB *sql.DB }

// FirstOpen is the first business date the COB has to close: the
// earliest date started and not done, else the day after the last date
// done; ok is false when the COB never ran.
func (s COBRuns) FirstOpen(ctx context.Context) (d lending.Date, ok bool, err error) {
	var open, last sql.NullString
	err = s.DB.QueryRowContext(ctx, `SELECT
		(SELECT CAST(MIN(business_date) AS CHAR) FROM cob_runs WHERE status <> ?),
		(SELECT CAST(MAX(business_date) AS CHAR) FROM cob_runs WHERE status = ?)`, COBDone, COBDone).Scan(&open, &last)
	switch {
	case err != nil:
		return d, false, fmt.Errorf("cob runs: %w", err)
	case open.Valid:
		d, err = lending.ParseDate(open.String)
		return d, err == nil, err
	case last.Valid:
		d, err = lending.ParseDate(last.String)
		return d.AddDays(1), err == nil, err
	}
	return d, false, nil
}

// Start records that the close of d has begun (once; a resumed or
// concurrent run finds the row) and returns the run as stored.
func (s COBRuns) Start(ctx context.Context, d lending.Date, now time.Time) (COBRun, error) {
	if _, err := s.DB.ExecContext(ctx, `INSERT IGNORE INTO cob_runs (business_date, status, started_at, updated_at) VALUES (?, ?, ?, ?)`,
		d.String(), COBRunning, now, now); err != nil {
		return COBRun{}, fmt.Errorf("start cob %s: %w", d, err)
	}
	return s.Get(ctx, d)
}

// Get reads the run of d; not_found if it never started.
func (s COBRuns) Get(ctx context.Context, d lending.Date) (COBRun, error) {
	r := COBRun{Date: d}
	err := s.DB.QueryRowContext(ctx, `SELECT status, cursor_loan_id, loans_closed, penalty_fen FROM cob_runs WHERE business_date = ?`,
		d.String()).Scan(&r.Status, &r.CursorLoanID, &r.LoansClosed, &r.PenaltyFen)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apierr.New(apierr.NotFound, "cob run not found")
	}
	return r, err
}

// Advance moves the cursor of d's run forward to cursor (never back: a
// concurrent run may be ahead) and adds a chunk's counts.
func (s COBRuns) Advance(ctx context.Context, d lending.Date, cursor, closed int64, penalty money.Fen, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE cob_runs SET cursor_loan_id = GREATEST(cursor_loan_id, ?), loans_closed = loans_closed + ?,
		penalty_fen = penalty_fen + ?, updated_at = ? WHERE business_date = ?`, cursor, closed, penalty, now, d.String())
	return err
}

// Finish marks d's run done.
func (s COBRuns) Finish(ctx context.Context, d lending.Date, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE cob_runs SET status = ?, finished_at = ?, updated_at = ? WHERE business_date = ? AND status <> ?`,
		COBDone, now, now, d.String(), COBDone)
	return err
}

// ToClose returns the ids of loans being repaid (active, overdue) after
// afterID not yet closed for d, in id order, at most limit.
func (s Loans) ToClose(ctx context.Context, d lending.Date, afterID int64, limit int) ([]int64, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT id FROM loans WHERE status IN (?, ?) AND id > ?
		AND (last_closed_date IS NULL OR last_closed_date < ?) ORDER BY id LIMIT ?`,
		string(loan.Active), string(loan.Overdue), afterID, d.String(), limit)
	if err != nil {
		return nil, fmt.Errorf("loans to close: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Delinquency is what the COB records on a loan for reports: as of
// LastClosed, its days past due, bucket and write-off eligibility.
type Delinquency struct {
	LastClosed       lending.Date
	DPD              int
	Bucket           lending.DPDBucket
	WriteOffEligible bool
}

// LockForClose locks a loan for the COB and reads the last date it was
// closed for (ok false: never). not_found if unknown.
func (tx *Tx) LockForClose(ctx context.Context, id int64) (l loan.Loan, last lending.Date, ok bool, err error) {
	var raw sql.NullString
	l, err = scanLoanWith(tx.queryRow(ctx, `SELECT `+loanColumns+`, CAST(last_closed_date AS CHAR) FROM loans WHERE id = ? FOR UPDATE`, id),
		&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return l, last, false, apierr.New(apierr.NotFound, "loan not found")
	}
	if err != nil || !raw.Valid {
		return l, last, false, err
	}
	last, err = lending.ParseDate(raw.String)
	return l, last, err == nil, err
}

// RecordClose stores that the loan is closed for dl.LastClosed, only if it
// was closed for an earlier date (or never); a loan already closed for it
// is conflict and nothing is written.
func (tx *Tx) RecordClose(ctx context.Context, loanID int64, dl Delinquency) error {
	res, err := tx.exec(ctx, `UPDATE loans SET last_closed_date = ?, dpd = ?, dpd_bucket = ?, writeoff_eligible = ?
		WHERE id = ? AND (last_closed_date IS NULL OR last_closed_date < ?)`,
		dl.LastClosed.String(), dl.DPD, string(dl.Bucket), dl.WriteOffEligible, loanID, dl.LastClosed.String())
	if err != nil {
		return fmt.Errorf("close loan %d for %s: %w", loanID, dl.LastClosed, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apierr.New(apierr.Conflict, "loan already closed for the date")
	}
	return nil
}

// FrozenOverdue is the frozen_reason of a line the COB froze.
const FrozenOverdue = "overdue"

// SyncLineFreeze freezes userID's credit line while any of their loans is
// overdue (or written off: that debt is still unpaid) and unfreezes a line
// it froze once none is; a line frozen for
// another reason is left alone. It locks the line row first, so two loans
// of one borrower changing at once are decided one after the other (lock
// order: loan, then credit line, as in a repayment). It reports the line's
// status afterwards ("" when the borrower has no line).
func (tx *Tx) SyncLineFreeze(ctx context.Context, userID int64) (loan.LineStatus, error) {
	var status loan.LineStatus
	var reason string
	err := tx.queryRow(ctx, `SELECT status, frozen_reason FROM credit_lines WHERE user_id = ? FOR UPDATE`, userID).Scan(&status, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("credit line of user %d: %w", userID, err)
	}
	var overdue int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM loans WHERE user_id = ? AND status IN (?, ?)`,
		userID, string(loan.Overdue), string(loan.WrittenOff)).Scan(&overdue); err != nil {
		return "", err
	}
	next, nextReason, changed := LineFreeze(status, reason, overdue)
	if !changed {
		return status, nil
	}
	_, err = tx.exec(ctx, `UPDATE credit_lines SET status = ?, frozen_reason = ?, updated_at = ? WHERE user_id = ?`,
		string(next), nextReason, tx.now, userID)
	return next, err
}

// LineFreeze is a line's status and frozen reason given how many of the
// borrower's loans are overdue or written off: an active line freezes
// while any is, a line the COB froze unfreezes once none is, any other
// line stays as it is (changed false).
func LineFreeze(status loan.LineStatus, reason string, overdue int) (loan.LineStatus, string, bool) {
	switch {
	case overdue > 0 && status == loan.LineActive:
		return loan.LineFrozen, FrozenOverdue, true
	case overdue == 0 && status == loan.LineFrozen && reason == FrozenOverdue:
		return loan.LineActive, "", true
	}
	return status, reason, false
}

// OnTime adds n installments paid on time to userID's streak, or resets it
// when reset (an overdue loan), and returns the line as it stands (locked:
// call after SyncLineFreeze) with the band of the credit decision behind it
// ("" when there is none). ok is false when the user has no line.
func (tx *Tx) OnTime(ctx context.Context, userID int64, n int, reset bool) (line loan.CreditLine, streak int, band string, ok bool, err error) {
	if _, err = tx.exec(ctx, `UPDATE credit_lines SET on_time_streak = IF(?, 0, on_time_streak + ?) WHERE user_id = ?`, reset, n, userID); err != nil {
		return line, 0, "", false, fmt.Errorf("on-time streak of user %d: %w", userID, err)
	}
	var b sql.NullString
	line.UserID = userID
	err = tx.queryRow(ctx, `SELECT c.limit_fen, c.used_fen, c.annual_rate_bp, c.status, c.expires_at, c.on_time_streak,
		JSON_UNQUOTE(JSON_EXTRACT(d.decision, '$.band'))
		FROM credit_lines c LEFT JOIN risk_decisions d ON d.application_id = c.application_id WHERE c.user_id = ?`, userID).
		Scan(&line.LimitFen, &line.UsedFen, &line.AnnualRateBP, &line.Status, &line.ExpiresAt, &streak, &b)
	if errors.Is(err, sql.ErrNoRows) {
		return line, 0, "", false, nil
	}
	return line, streak, b.String, err == nil, err
}

// LimitChange is a limit raise and its decision record.
type LimitChange struct {
	UserID       int64
	Date         lending.Date
	FromFen      money.Fen
	ToFen        money.Fen
	Reason       string
	DecisionJSON string
}

// RaiseLimit moves userID's limit from c.FromFen to c.ToFen (conditional
// on the limit still being c.FromFen: conflict otherwise), resets the
// on-time streak and stores the decision record.
func (tx *Tx) RaiseLimit(ctx context.Context, c LimitChange) error {
	res, err := tx.exec(ctx, `UPDATE credit_lines SET limit_fen = ?, on_time_streak = 0, updated_at = ? WHERE user_id = ? AND limit_fen = ?`,
		c.ToFen, tx.now, c.UserID, c.FromFen)
	if err != nil {
		return fmt.Errorf("raise limit of user %d: %w", c.UserID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apierr.New(apierr.Conflict, "the limit changed concurrently")
	}
	_, err = tx.exec(ctx, `INSERT INTO limit_changes (user_id, business_date, from_limit_fen, to_limit_fen, reason, decision, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.UserID, c.Date.String(), c.FromFen, c.ToFen, c.Reason, c.DecisionJSON, tx.now)
	return err
}

// LoanHead is what the close of business needs of a loan before locking it.
type LoanHead struct {
	UserID         int64
	ProductCode    string
	ProductVersion int
}

// Heads reads the borrower and product of loans ids in one query; a loan
// missing from the answer (gone since ToClose) is simply absent.
func (s Loans) Heads(ctx context.Context, ids []int64) (map[int64]LoanHead, error) {
	out := make(map[int64]LoanHead, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, user_id, product_code, product_version FROM loans WHERE id IN (?`+
		strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("loans to close: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var h LoanHead
		if err := rows.Scan(&id, &h.UserID, &h.ProductCode, &h.ProductVersion); err != nil {
			return nil, err
		}
		out[id] = h
	}
	return out, rows.Err()
}
