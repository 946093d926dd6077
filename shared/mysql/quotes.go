package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/lending"
)

// StoredQuote is a quote as kept for loan creation.
type StoredQuote struct {
	ID             string
	UserID         int64
	ProductVersion int
	Result         lending.QuoteResult
	CreatedAt      time.Time
	ExpiresAt      time.Time
	UsedAt         *time.Time
}

// Quotes stores quotes.
type Quotes struct{ DB *sql.DB }

// Create stores q.
func (s Quotes) Create(ctx context.Context, q StoredQuote) error {
	sched, err := json.Marshal(q.Result)
	if err != nil {
		return err
	}
	r := q.Result
	_, err = s.DB.ExecContext(ctx, `INSERT INTO quotes (quote_id, user_id, product_code, product_version, amount_fen, term_months, method,
		annual_rate_bp, apr_bp, total_repay_fen, start_date, schedule, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.ID, q.UserID, r.ProductCode, q.ProductVersion, r.AmountFen, r.TermMonths, string(r.Method),
		r.AnnualRateBP, r.APRBP, r.TotalRepayFen, r.StartDate.String(), string(sched), q.CreatedAt, q.ExpiresAt)
	if err != nil {
		return fmt.Errorf("insert quote: %w", err)
	}
	return nil
}

// Get loads the borrower's own quote; another user's is not_found.
func (s Quotes) Get(ctx context.Context, id string, userID int64) (StoredQuote, error) {
	q := StoredQuote{ID: id}
	var sched string
	var used sql.NullTime
	err := s.DB.QueryRowContext(ctx, `SELECT user_id, product_version, schedule, created_at, expires_at, used_at FROM quotes
		WHERE quote_id = ? AND user_id = ?`, id, userID).Scan(&q.UserID, &q.ProductVersion, &sched, &q.CreatedAt, &q.ExpiresAt, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return q, apierr.New(apierr.NotFound, "quote not found")
	}
	if err != nil {
		return q, fmt.Errorf("load quote: %w", err)
	}
	if used.Valid {
		q.UsedAt = &used.Time
	}
	return q, json.Unmarshal([]byte(sched), &q.Result)
}

// UseQuote locks the borrower's quote and marks it used. Errors:
// not_found (unknown or another user's), failed_precondition (expired),
// conflict (already turned into a loan).
func (tx *Tx) UseQuote(ctx context.Context, id string, userID int64) (StoredQuote, error) {
	q := StoredQuote{ID: id, UserID: userID}
	var sched string
	var used sql.NullTime
	err := tx.queryRow(ctx, `SELECT product_version, schedule, created_at, expires_at, used_at FROM quotes
		WHERE quote_id = ? AND user_id = ? FOR UPDATE`, id, userID).Scan(&q.ProductVersion, &sched, &q.CreatedAt, &q.ExpiresAt, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return q, apierr.New(apierr.NotFound, "quote not found")
	}
	if err != nil {
		return q, fmt.Errorf("load quote: %w", err)
	}
	switch {
	case used.Valid:
		return q, &apierr.Error{Code: apierr.Conflict, Reason: "quote_used", Message: "this quote has already been used"}
	case !tx.now.Before(q.ExpiresAt):
		return q, &apierr.Error{Code: apierr.FailedPrecondition, Reason: "quote_expired", Message: "the quote has expired, ask for a new one"}
	}
	if _, err := tx.exec(ctx, `UPDATE quotes SET used_at = ? WHERE quote_id = ?`, tx.now, id); err != nil {
		return q, err
	}
	return q, json.Unmarshal([]byte(sched), &q.Result)
}
