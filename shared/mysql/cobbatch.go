package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
)

// The close of business works a chunk of loans at a time (README "Close of
// business"): it reads the chunk's loans and servicing states in one query
// without locking them, computes each close, then in one transaction locks
// the chunk (LockChunk), keeps only the loans whose stamp has not moved
// since the read, and writes their changes with one multi-row statement
// per table. These are those statements.

// CloseStamp is what a loan's close depends on besides its servicing
// state's content: if any of it moved between the chunk's read and its
// lock (a repayment, another run), the computed close is stale.
type CloseStamp struct {
	Status     loan.Status
	LastClosed string // YYYY-MM-DD, "" when never closed
	Version    int    // the servicing row's version
	Stored     bool   // the servicing row exists
}

// LoanToClose is a loan as the close of business reads it for a chunk.
type LoanToClose struct {
	ID             int64
	UserID         int64
	ProductCode    string
	ProductVersion int
	CloseStamp
	state    string // the servicing state JSON ("" when not stored)
	schedule string // the loan's quote JSON, read only when no state is stored
}

// Servicing decodes the loan's servicing state (a loan without one starts
// from its signed schedule with nothing paid, as Loans.Servicing does).
func (l LoanToClose) Servicing() (Servicing, error) {
	s := Servicing{Version: l.Version, Stored: l.Stored}
	if !l.Stored {
		var q lending.QuoteResult
		if err := json.Unmarshal([]byte(l.schedule), &q); err != nil {
			return s, fmt.Errorf("schedule of loan %d: %w", l.ID, err)
		}
		s.State = lending.LoanState{Schedule: q.Schedule}
		return s, nil
	}
	if err := json.Unmarshal([]byte(l.state), &s.State); err != nil {
		return s, fmt.Errorf("servicing of loan %d: %w", l.ID, err)
	}
	return s, nil
}

// Closed is the last date the loan was closed for (ok false: never).
func (l LoanToClose) Closed() (d lending.Date, ok bool, err error) {
	if l.LastClosed == "" {
		return d, false, nil
	}
	d, err = lending.ParseDate(l.LastClosed)
	return d, err == nil, err
}

// idArgs is ids as query arguments and the matching "?, ?, ..." list.
func idArgs(ids []int64) ([]any, string) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args, "?" + strings.Repeat(", ?", len(ids)-1)
}

// ForClose reads loans ids with their servicing states in one query, no
// lock taken; a loan missing from the answer is absent from the map.
func (s Loans) ForClose(ctx context.Context, ids []int64) (map[int64]LoanToClose, error) {
	out := make(map[int64]LoanToClose, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args, marks := idArgs(ids)
	rows, err := s.DB.QueryContext(ctx, `SELECT l.id, l.user_id, l.product_code, l.product_version, l.status,
		COALESCE(CAST(l.last_closed_date AS CHAR), ''), COALESCE(s.version, 0), s.loan_id IS NOT NULL,
		COALESCE(s.state, ''), IF(s.loan_id IS NULL, l.schedule, '')
		FROM loans l LEFT JOIN loan_servicing s ON s.loan_id = l.id WHERE l.id IN (`+marks+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("loans to close: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l LoanToClose
		if err := rows.Scan(&l.ID, &l.UserID, &l.ProductCode, &l.ProductVersion, &l.Status, &l.LastClosed, &l.Version, &l.Stored,
			&l.state, &l.schedule); err != nil {
			return nil, err
		}
		out[l.ID] = l
	}
	return out, rows.Err()
}

// LockChunk locks loans ids and their servicing rows (loan, then
// servicing: the order a repayment takes them) and returns each one's
// stamp as it stands now.
func (tx *Tx) LockChunk(ctx context.Context, ids []int64) (map[int64]CloseStamp, error) {
	out := make(map[int64]CloseStamp, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args, marks := idArgs(ids)
	rows, err := tx.query(ctx, `SELECT l.id, l.status, COALESCE(CAST(l.last_closed_date AS CHAR), ''), COALESCE(s.version, 0), s.loan_id IS NOT NULL
		FROM loans l LEFT JOIN loan_servicing s ON s.loan_id = l.id WHERE l.id IN (`+marks+`) ORDER BY l.id FOR UPDATE`, args...)
	if err != nil {
		return nil, fmt.Errorf("lock chunk: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s CloseStamp
		if err := rows.Scan(&id, &s.Status, &s.LastClosed, &s.Version, &s.Stored); err != nil {
			return nil, err
		}
		out[id] = s
	}
	return out, rows.Err()
}

// derived is rows as a derived table to join a multi-row UPDATE on:
// "(SELECT ? AS a, ? AS b UNION ALL SELECT ?, ? ...) AS alias" (MySQL 8
// and MariaDB 10.11 both accept it; their VALUES constructors differ).
func derived(alias string, cols []string, rows [][]any) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(rows)*len(cols))
	b.WriteString("(")
	for i, r := range rows {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT ")
		for j := range cols {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("?")
			if i == 0 {
				b.WriteString(" AS " + cols[j])
			}
		}
		args = append(args, r...)
	}
	b.WriteString(") AS " + alias)
	return b.String(), args
}

// execAll runs a multi-row statement that must touch exactly n rows; fewer
// means a row moved under it (conflict, the transaction rolls back).
func (tx *Tx) execAll(ctx context.Context, what string, n int, query string, args ...any) error {
	res, err := tx.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if got, _ := res.RowsAffected(); got != int64(n) {
		return apierr.New(apierr.Conflict, "%s: %d of %d rows changed", what, got, n)
	}
	return nil
}

// ServicingWrite is one loan's next servicing state after prev.
type ServicingWrite struct {
	LoanID int64
	Prev   Servicing
	Next   lending.LoanState
}

// SaveServicingMany is SaveServicing for many loans: one conditional
// UPDATE (on each row's version) and one INSERT for the states not stored
// yet. A lost race is conflict.
func (tx *Tx) SaveServicingMany(ctx context.Context, ws []ServicingWrite) error {
	var upd, ins [][]any
	for _, w := range ws {
		b, err := json.Marshal(w.Next)
		if err != nil {
			return err
		}
		if w.Prev.Stored {
			upd = append(upd, []any{w.LoanID, string(b), w.Prev.Version})
		} else {
			ins = append(ins, []any{w.LoanID, string(b), 1, tx.now})
		}
	}
	if len(upd) > 0 {
		t, args := derived("v", []string{"loan_id", "state", "version"}, upd)
		if err := tx.execAll(ctx, "servicing", len(upd), `UPDATE loan_servicing s JOIN `+t+` ON s.loan_id = v.loan_id AND s.version = v.version
			SET s.state = v.state, s.version = s.version + 1, s.updated_at = ?`, append(args, tx.now)...); err != nil {
			return err
		}
	}
	if len(ins) > 0 {
		_, err := tx.exec(ctx, `INSERT INTO loan_servicing (loan_id, state, version, updated_at) VALUES `+rowMarks(4, len(ins)), flat(ins)...)
		if IsDuplicate(err) {
			return apierr.New(apierr.Conflict, "servicing changed concurrently")
		}
		return err
	}
	return nil
}

// rowMarks is n rows of k placeholders for a multi-row INSERT.
func rowMarks(k, n int) string {
	row := "(?" + strings.Repeat(", ?", k-1) + ")"
	return row + strings.Repeat(", "+row, n-1)
}

func flat(rows [][]any) []any {
	var out []any
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// ClosedLoan is one loan's close to record: its delinquency and its
// status, From as read under the lock and To after the close (the same
// when it does not move; Reason says why it moves).
type ClosedLoan struct {
	LoanID   int64
	From, To loan.Status
	Reason   string
	Delinquency
}

// RecordCloses is RecordClose and the COB's status moves (Transition,
// without ledger, outbox or Also) for many loans closed for the same date:
// one UPDATE, conditional on each loan still being in its From status and
// closed for an earlier date (or never), else conflict and the transaction
// must roll back; then one INSERT of the moves' loan_events.
func (tx *Tx) RecordCloses(ctx context.Context, cs []ClosedLoan) error {
	if len(cs) == 0 {
		return nil
	}
	rows := make([][]any, len(cs))
	var events [][]any
	for i, c := range cs {
		if c.From != c.To {
			if err := loan.Check(c.From, c.To); err != nil {
				return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "illegal_transition", Message: "the loan cannot move to " + string(c.To)}
			}
			events = append(events, []any{c.LoanID, string(c.From), string(c.To), c.Reason, tx.now})
		}
		rows[i] = []any{c.LoanID, string(c.From), string(c.To), c.Reason, c.DPD, string(c.Bucket), c.WriteOffEligible}
	}
	t, args := derived("v", []string{"id", "from_status", "to_status", "reason", "dpd", "bucket", "eligible"}, rows)
	d := cs[0].LastClosed.String()
	if err := tx.execAll(ctx, "close loans", len(cs), `UPDATE loans l JOIN `+t+` ON l.id = v.id
		SET l.updated_at = IF(v.to_status = v.from_status, l.updated_at, ?),
		l.status_reason = IF(v.to_status = v.from_status, l.status_reason, v.reason), l.status = v.to_status,
		l.last_closed_date = ?, l.dpd = v.dpd, l.dpd_bucket = v.bucket, l.writeoff_eligible = v.eligible
		WHERE l.status = v.from_status AND (l.last_closed_date IS NULL OR l.last_closed_date < ?)`, append(args, tx.now, d, d)...); err != nil {
		return err
	}
	if len(events) == 0 {
		return nil
	}
	_, err := tx.exec(ctx, `INSERT INTO loan_events (loan_id, from_status, to_status, reason, created_at) VALUES `+rowMarks(5, len(events)), flat(events)...)
	return err
}

// LineToClose is a credit line as the close of business sees it, locked:
// Overdue counts the borrower's loans overdue or written off.
type LineToClose struct {
	UserID        int64
	Status        loan.LineStatus
	FrozenReason  string
	LimitFen      money.Fen
	Streak        int
	ApplicationID int64 // 0 when there is no credit decision behind it
	Overdue       int
}

// LockLines locks the credit lines of users (in user id order, after
// their loans: the order a repayment takes) and counts each one's loans
// overdue or written off as this transaction sees them. A user without a
// line is absent.
func (tx *Tx) LockLines(ctx context.Context, users []int64) (map[int64]LineToClose, error) {
	out := make(map[int64]LineToClose, len(users))
	if len(users) == 0 {
		return out, nil
	}
	args, marks := idArgs(users)
	rows, err := tx.query(ctx, `SELECT user_id, status, frozen_reason, limit_fen, on_time_streak, COALESCE(application_id, 0)
		FROM credit_lines WHERE user_id IN (`+marks+`) ORDER BY user_id FOR UPDATE`, args...)
	if err != nil {
		return nil, fmt.Errorf("lock lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c LineToClose
		if err := rows.Scan(&c.UserID, &c.Status, &c.FrozenReason, &c.LimitFen, &c.Streak, &c.ApplicationID); err != nil {
			return nil, err
		}
		out[c.UserID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	counts, err := tx.query(ctx, `SELECT user_id, COUNT(*) FROM loans WHERE user_id IN (`+marks+`) AND status IN (?, ?) GROUP BY user_id`,
		append(args, string(loan.Overdue), string(loan.WrittenOff))...)
	if err != nil {
		return nil, err
	}
	defer counts.Close()
	for counts.Next() {
		var user int64
		var n int
		if err := counts.Scan(&user, &n); err != nil {
			return nil, err
		}
		if c, ok := out[user]; ok {
			c.Overdue = n
			out[user] = c
		}
	}
	return out, counts.Err()
}

// Bands reads the band of the credit decisions behind applications (the
// limit raise's policy depends on it); one without a band is absent.
func (tx *Tx) Bands(ctx context.Context, applications []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(applications) == 0 {
		return out, nil
	}
	args, marks := idArgs(applications)
	rows, err := tx.query(ctx, `SELECT application_id, JSON_UNQUOTE(JSON_EXTRACT(decision, '$.band')) FROM risk_decisions
		WHERE application_id IN (`+marks+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("bands: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var band sql.NullString
		if err := rows.Scan(&id, &band); err != nil {
			return nil, err
		}
		if band.Valid {
			out[id] = band.String
		}
	}
	return out, rows.Err()
}

// LineWrite is a locked line's new status, limit and streak; Touched
// stamps updated_at (a status or limit change).
type LineWrite struct {
	UserID       int64
	Status       loan.LineStatus
	FrozenReason string
	LimitFen     money.Fen
	Streak       int
	Touched      bool
}

// UpdateLines writes lines locked by LockLines, one UPDATE for all.
func (tx *Tx) UpdateLines(ctx context.Context, ws []LineWrite) error {
	if len(ws) == 0 {
		return nil
	}
	rows := make([][]any, len(ws))
	for i, w := range ws {
		rows[i] = []any{w.UserID, string(w.Status), w.FrozenReason, w.LimitFen, w.Streak, w.Touched}
	}
	t, args := derived("v", []string{"user_id", "status", "reason", "limit_fen", "streak", "touched"}, rows)
	_, err := tx.exec(ctx, `UPDATE credit_lines c JOIN `+t+` ON c.user_id = v.user_id
		SET c.status = v.status, c.frozen_reason = v.reason, c.limit_fen = v.limit_fen, c.on_time_streak = v.streak,
		c.updated_at = IF(v.touched, ?, c.updated_at)`, append(args, tx.now)...)
	if err != nil {
		return fmt.Errorf("credit lines: %w", err)
	}
	return nil
}

// InsertLimitChanges stores the decision records of limit raises made
// through UpdateLines.
func (tx *Tx) InsertLimitChanges(ctx context.Context, cs []LimitChange) error {
	if len(cs) == 0 {
		return nil
	}
	rows := make([][]any, len(cs))
	for i, c := range cs {
		rows[i] = []any{c.UserID, c.Date.String(), c.FromFen, c.ToFen, c.Reason, c.DecisionJSON, tx.now}
	}
	_, err := tx.exec(ctx, `INSERT INTO limit_changes (user_id, business_date, from_limit_fen, to_limit_fen, reason, decision, created_at)
		VALUES `+rowMarks(7, len(rows)), flat(rows)...)
	return err
}
