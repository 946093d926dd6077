package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/staff"
)

// subjectStates: per proposal kind, the SQL whose one-row answer is the
// subject's state as the maker saw it. Approval reads it again under a row
// lock: a different answer means the subject moved and nothing is applied.
var subjectStates = map[staff.Kind]string{
	staff.KindRuleSet: `SELECT CONCAT('active=', COALESCE(MAX(IF(status = 'active', version, NULL)), 0),
		';target=', COALESCE(MAX(IF(version = ?, status, NULL)), 'none')) FROM rule_sets WHERE strategy = ?`,
	staff.KindProduct:  `SELECT CONCAT('active=', COALESCE(MAX(IF(status = 'active', version, NULL)), 0), ';n=', COUNT(*), ?) FROM products WHERE code = ?`,
	staff.KindLimit:    `SELECT CONCAT('limit=', limit_fen, ';used=', used_fen, ';status=', status, ?) FROM credit_lines WHERE user_id = ?`,
	staff.KindWriteOff: `SELECT CONCAT('status=', status, ';eligible=', writeoff_eligible, ?) FROM loans WHERE id = ?`,
	staff.KindOps:      `SELECT CONCAT('state=', state, ';moves_money=', moves_money, ?) FROM ops_items WHERE id = ?`,
	staff.KindRefund: `SELECT CONCAT('state=', r.state, ';amount=', r.amount_fen, ';refunded=',
		(SELECT COALESCE(SUM(f.amount_fen), 0) FROM refunds f WHERE f.repayment_id = r.id), ?) FROM repayments r WHERE r.id = ?`,
}

// SubjectState is the state of kind's subject key (arg is the kind's
// extra argument: the rule-set version asked for; "" otherwise), read
// under a shared row lock; not_found if the subject does not exist.
func (tx *Tx) SubjectState(ctx context.Context, kind staff.Kind, key, arg string) (string, error) {
	q, ok := subjectStates[kind]
	if !ok {
		return "", apierr.Invalid("kind", "unknown", "unknown proposal kind")
	}
	var st sql.NullString
	err := tx.queryRow(ctx, q+" LOCK IN SHARE MODE", arg, key).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !st.Valid) {
		return "", apierr.New(apierr.NotFound, "the proposal's subject does not exist")
	}
	return st.String, err
}

// OpsRow is one row of the operations queue (migration 0011).
type OpsRow struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	SubjectType string    `json:"subject_type"`
	SubjectID   string    `json:"subject_id"`
	AmountFen   money.Fen `json:"amount_fen"`
	MovesMoney  bool      `json:"moves_money"`
	Reason      string    `json:"reason"`
	Evidence    string    `json:"evidence"`
	State       string    `json:"state"`
	CreatedAt   string    `json:"created_at"`
	ResolvedBy  string    `json:"resolved_by,omitempty"`
	Resolution  string    `json:"resolution,omitempty"`
}

// OpsQueue reads and works the operations queue.
type OpsQueue struct{ DB *sql.DB }

const opsRowColumns = `id, kind, subject_type, subject_id, amount_fen, moves_money, reason, CAST(evidence AS CHAR), state,
	DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), resolved_by, resolution`

func scanOpsRow(row interface{ Scan(...any) error }) (OpsRow, error) {
	var o OpsRow
	err := row.Scan(&o.ID, &o.Kind, &o.SubjectType, &o.SubjectID, &o.AmountFen, &o.MovesMoney, &o.Reason, &o.Evidence, &o.State,
		&o.CreatedAt, &o.ResolvedBy, &o.Resolution)
	if errors.Is(err, sql.ErrNoRows) {
		return o, apierr.New(apierr.NotFound, "operations item not found")
	}
	return o, err
}

// List returns items in state ("" for all), oldest first.
func (s OpsQueue) List(ctx context.Context, state string, limit int) ([]OpsRow, error) {
	return queryList(ctx, s.DB, scanOpsRow, `SELECT `+opsRowColumns+` FROM ops_items WHERE (? = '' OR state = ?) ORDER BY id LIMIT ?`, state, state, limit)
}

// Get loads one item.
func (s OpsQueue) Get(ctx context.Context, id int64) (OpsRow, error) {
	return scanOpsRow(s.DB.QueryRowContext(ctx, `SELECT `+opsRowColumns+` FROM ops_items WHERE id = ?`, id))
}

// Create stores an item once per dedupe key (tests and the reconciliation
// that fills the queue); a second create is a no-op.
func (s OpsQueue) Create(ctx context.Context, o OpsRow, dedupe string, now time.Time) error {
	ev := o.Evidence
	if ev == "" {
		ev = "{}"
	}
	_, err := s.DB.ExecContext(ctx, `INSERT IGNORE INTO ops_items (kind, subject_type, subject_id, dedupe_key, amount_fen, moves_money, reason, evidence, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.Kind, o.SubjectType, o.SubjectID, dedupe, o.AmountFen, o.MovesMoney, o.Reason, ev, now)
	return err
}

// ResolveOps moves an open item to state (resolved, dismissed) with who
// and how; failed_precondition (reason not_open) if it is no longer open,
// or (reason needs_proposal) if it moves money and viaProposal is false.
func (tx *Tx) ResolveOps(ctx context.Context, id int64, state, by, resolution string, viaProposal bool) error {
	res, err := tx.exec(ctx, `UPDATE ops_items SET state = ?, resolved_at = ?, resolved_by = ?, resolution = ?
		WHERE id = ? AND state = 'open' AND (moves_money = 0 OR ?)`, state, tx.now, clip(by, 64), clip(resolution, 255), id, viaProposal)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var moves bool
	var st string
	if err := tx.queryRow(ctx, `SELECT moves_money, state FROM ops_items WHERE id = ?`, id).Scan(&moves, &st); errors.Is(err, sql.ErrNoRows) {
		return apierr.New(apierr.NotFound, "operations item not found")
	} else if err != nil {
		return err
	}
	if st != "open" {
		return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "not_open", Message: "the item is already " + st}
	}
	return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "needs_proposal", Message: "an item that moves money is resolved through a maker-checker proposal"}
}

// OverrideLimit sets userID's limit (a checked proposal), keeping used
// within it, and records the change with the proposal as its decision.
func (tx *Tx) OverrideLimit(ctx context.Context, userID int64, to money.Fen, date string, proposalID int64) error {
	var from, used money.Fen
	if err := tx.queryRow(ctx, `SELECT limit_fen, used_fen FROM credit_lines WHERE user_id = ? FOR UPDATE`, userID).Scan(&from, &used); errors.Is(err, sql.ErrNoRows) {
		return apierr.New(apierr.NotFound, "the borrower has no credit line")
	} else if err != nil {
		return err
	}
	if to < used {
		return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "below_used", Message: "the new limit is below what is drawn"}
	}
	if _, err := tx.exec(ctx, `UPDATE credit_lines SET limit_fen = ?, updated_at = ? WHERE user_id = ?`, to, tx.now, userID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO limit_changes (user_id, business_date, from_limit_fen, to_limit_fen, reason, decision, created_at)
		VALUES (?, ?, ?, ?, 'staff_override', ?, ?)`, userID, date, from, to, fmt.Sprintf(`{"proposal_id":%d}`, proposalID), tx.now)
	return err
}

// WriteOff moves an overdue loan flagged eligible by the close of business
// to written_off and posts its receivables to write-off expense, in tx.
func (tx *Tx) WriteOff(ctx context.Context, loanID, proposalID int64) (money.Fen, error) {
	var eligible bool
	if err := tx.queryRow(ctx, `SELECT writeoff_eligible FROM loans WHERE id = ? FOR UPDATE`, loanID).Scan(&eligible); errors.Is(err, sql.ErrNoRows) {
		return 0, apierr.New(apierr.NotFound, "loan not found")
	} else if err != nil {
		return 0, err
	}
	if !eligible {
		return 0, &apierr.Error{Code: apierr.FailedPrecondition, Reason: "not_eligible", Message: "the loan is not past the write-off days past due"}
	}
	t := ledger.Transaction{Key: "write_off:" + strconv.FormatInt(loanID, 10), Kind: "write_off"}
	var total money.Fen
	for _, c := range []string{ledger.Principal, ledger.Interest, ledger.Fee, ledger.Penalty} {
		var b money.Fen
		a := ledger.LoanAccount(loanID, c)
		if err := tx.queryRow(ctx, `SELECT balance_fen FROM ledger_accounts WHERE code = ? FOR UPDATE`, string(a)).Scan(&b); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		if b > 0 {
			t.Entries, total = append(t.Entries, ledger.Credit(a, b)), total+b
		}
	}
	tr := Transition{LoanID: loanID, From: loan.Overdue, To: loan.WrittenOff, Reason: fmt.Sprintf("proposal:%d", proposalID)}
	if total > 0 {
		t.Entries = append([]ledger.Entry{ledger.Debit(ledger.WriteOff, total)}, t.Entries...)
		tr.Ledger = &t
	}
	return total, tx.Transition(ctx, tr)
}

// ManualRefund stores a refund of amount on a paid repayment (sent to
// WeChat Pay by the refund sweeper) and moves the money from suspense to
// refunds payable; the payout's notification books the rest as for any
// refund. The sum of a repayment's refunds never exceeds what it paid.
func (tx *Tx) ManualRefund(ctx context.Context, repaymentID int64, amount money.Fen, proposalID int64) (Refund, error) {
	var paid, refunded money.Fen
	var state, tradeNo string
	err := tx.queryRow(ctx, `SELECT r.amount_fen, r.state, r.out_trade_no, (SELECT COALESCE(SUM(f.amount_fen), 0) FROM refunds f WHERE f.repayment_id = r.id)
		FROM repayments r WHERE r.id = ? FOR UPDATE`, repaymentID).Scan(&paid, &state, &tradeNo, &refunded)
	if errors.Is(err, sql.ErrNoRows) {
		return Refund{}, apierr.New(apierr.NotFound, "repayment not found")
	} else if err != nil {
		return Refund{}, err
	}
	if state != RepaymentPaid || amount <= 0 || refunded+amount > paid {
		return Refund{}, &apierr.Error{Code: apierr.FailedPrecondition, Reason: "over_refund", Message: "a refund is only of a paid repayment and within what it paid"}
	}
	no := fmt.Sprintf("M%sP%d", tradeNo, proposalID)
	rf, err := tx.InsertRefund(ctx, Refund{OutRefundNo: clip(no, 64), RepaymentID: repaymentID, AmountFen: amount})
	if err != nil {
		return rf, err
	}
	_, err = tx.Post(ctx, ledger.Transaction{Key: "manual_refund:" + no, Kind: "manual_refund", Entries: []ledger.Entry{
		ledger.Debit(ledger.Suspense, amount), ledger.Credit(ledger.RefundsPayable, amount)}})
	return rf, err
}
