package cob

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

// signedOn is the business date the rigs' loans are signed and disbursed:
// the standard product (grace 3 days, penalty 24%) makes the first
// installment due 2026-02-10, overdue from 2026-02-14 (DPD 4).
var signedOn = lending.Date{Year: 2026, Month: 1, Day: 10}

type rig struct {
	env   *apptest.Env
	loans []int64
}

func newRig(t *testing.T) *rig {
	t.Helper()
	env := apptest.New(t, apptest.Options{})
	r := &rig{env: env}
	r.at(signedOn, 10)
	return r
}

// at sets the business clock to hour o'clock of day (Asia/Shanghai).
func (r *rig) at(day lending.Date, hour int) {
	want := time.Date(day.Year, day.Month, day.Day, hour, 0, 0, 0, lending.Shanghai)
	r.env.Clock.Advance(want.Sub(r.env.Clock.Now()))
}

// runOn runs the COB at 00:30 of the day after closing (which closes up to
// closing) and wants it done.
func (r *rig) runOn(t *testing.T, closing lending.Date) Result {
	t.Helper()
	r.at(closing.AddDays(1), 0)
	r.env.Clock.Advance(30 * time.Minute)
	res, err := Run(context.Background(), r.env.App, Limits{})
	if err != nil || !res.Done {
		t.Fatalf("cob closing %s: %+v, %v", closing, res, err)
	}
	return res
}

// activeLoan gives user a line of 10,000 yuan and an active 6-month loan
// of amount (the transfer itself is the payments package's business).
func (r *rig) activeLoan(t *testing.T, userID int64, amount money.Fen) int64 {
	t.Helper()
	db, now := r.env.App.DB, r.env.Clock.Now()
	id, _ := mysqltest.SignedLoan(t, db, userID, 10_000_00, amount, now)
	for _, step := range [][2]loan.Status{{loan.Signed, loan.Disbursing}, {loan.Disbursing, loan.Active}} {
		if err := (mysql.Loans{DB: db}).Transition(context.Background(), mysql.Transition{LoanID: id, From: step[0], To: step[1], Reason: "test"}, now); err != nil {
			t.Fatal(err)
		}
	}
	r.loans = append(r.loans, id)
	return id
}

// portfolio gives users 1..n a loan each, amounts varied.
func (r *rig) portfolio(t *testing.T, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		r.activeLoan(t, int64(i), money.Fen(1000_00+137_00*i))
	}
}

// snapshot is everything the COB writes, without instants and versions,
// so runs made differently can be compared.
func (r *rig) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, status, COALESCE(CAST(last_closed_date AS CHAR), '-'), dpd, dpd_bucket, writeoff_eligible FROM loans ORDER BY id`,
		`SELECT loan_id, state FROM loan_servicing ORDER BY loan_id`,
		`SELECT loan_id, from_status, to_status, reason FROM loan_events ORDER BY loan_id, id`,
		`SELECT user_id, status, frozen_reason, used_fen, limit_fen, on_time_streak FROM credit_lines ORDER BY user_id`,
		`SELECT user_id, CAST(business_date AS CHAR), from_limit_fen, to_limit_fen, decision FROM limit_changes ORDER BY id`,
		`SELECT idem_key, kind FROM ledger_transactions WHERE kind = 'penalty_accrual' ORDER BY idem_key`,
		`SELECT a.code, a.balance_fen + COALESCE((SELECT SUM(s.balance_fen) FROM ledger_balance_shards s WHERE s.account_id = a.id), 0) FROM ledger_accounts a ORDER BY a.code`,
		`SELECT CAST(business_date AS CHAR), status, loans_closed, penalty_fen FROM cob_runs ORDER BY business_date`,
	} {
		rows, err := r.env.App.DB.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if raw, ok := v.([]byte); ok {
					v = string(raw)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			b.WriteString("\n")
		}
		rows.Close()
		b.WriteString("--\n")
	}
	return b.String()
}

func (r *rig) loanRow(t *testing.T, id int64) (status loan.Status, dpd int, bucket string) {
	t.Helper()
	if err := r.env.App.DB.QueryRow(`SELECT status, dpd, dpd_bucket FROM loans WHERE id = ?`, id).Scan(&status, &dpd, &bucket); err != nil {
		t.Fatal(err)
	}
	return status, dpd, bucket
}

func (r *rig) line(t *testing.T, userID int64) loan.LineStatus {
	t.Helper()
	c, err := mysql.CreditLines{DB: r.env.App.DB}.Get(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

func (r *rig) balance(t *testing.T, a ledger.Account) int64 {
	t.Helper()
	v, err := mysql.Ledger{DB: r.env.App.DB}.Balance(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (r *rig) servicing(t *testing.T, id int64) lending.LoanState {
	t.Helper()
	l, err := mysql.Loans{DB: r.env.App.DB}.ByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := mysql.Loans{DB: r.env.App.DB}.Servicing(context.Background(), id, l.Quote.Schedule)
	if err != nil {
		t.Fatal(err)
	}
	return sv.State
}

func penaltyOf(st lending.LoanState) money.Fen {
	var f money.Fen
	for _, p := range st.PenaltyAccruedFen {
		f += p
	}
	return f
}

func (r *rig) ledgerVerified(t *testing.T) {
	t.Helper()
	v, err := mysql.Ledger{DB: r.env.App.DB}.Verify(context.Background())
	if err != nil || len(v) > 0 {
		t.Fatalf("ledger: %v %+v", err, v)
	}
}

func TestALoanGoesOverdueAfterGraceAndItsLineIsFrozen(t *testing.T) {
	r := newRig(t)
	id := r.activeLoan(t, 1, 3000_00)
	due := lending.Date{Year: 2026, Month: 2, Day: 10}
	for d := due.AddDays(-1); !d.After(due.AddDays(3)); d = d.AddDays(1) {
		r.runOn(t, d)
		if s, dpd, b := r.loanRow(t, id); s != loan.Active || dpd != 0 || b != "C" || r.line(t, 1) != loan.LineActive {
			t.Fatalf("closing %s within grace: %s dpd %d %s, line %s", d, s, dpd, b, r.line(t, 1))
		}
	}
	if got := r.balance(t, ledger.LoanAccount(id, ledger.Penalty)); got != 0 {
		t.Fatalf("penalty %d within grace", got)
	}
	res := r.runOn(t, due.AddDays(4))
	if s, dpd, b := r.loanRow(t, id); s != loan.Overdue || dpd != 4 || b != "M1" || r.line(t, 1) != loan.LineFrozen {
		t.Fatalf("after grace: %s dpd %d %s, line %s", s, dpd, b, r.line(t, 1))
	}
	st := r.servicing(t, id)
	booked := r.balance(t, ledger.LoanAccount(id, ledger.Penalty))
	if booked <= 0 || money.Fen(booked) != penaltyOf(st) || money.Fen(booked) != res.PenaltyFen ||
		-r.balance(t, ledger.PenaltyIncome) != booked {
		t.Fatalf("penalty: ledger %d, servicing %d, run %d", booked, penaltyOf(st), res.PenaltyFen)
	}
	err := mysql.InTx(context.Background(), r.env.App.DB, r.env.Clock.Now(), func(tx *mysql.Tx) error {
		return tx.ReserveCredit(context.Background(), 1, 100_00)
	})
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Code != apierr.FailedPrecondition || ae.Reason != "line_frozen" || ae.Message == "" {
		t.Fatalf("a draw on a frozen line: %v", err)
	}
	r.ledgerVerified(t)
}

// twins are two rigs with the same portfolio of n loans, each closed
// for first: what they do next is compared with sameAs.
func twins(t *testing.T, n int, first lending.Date) (*rig, *rig) {
	t.Helper()
	a, b := newRig(t), newRig(t)
	for _, r := range []*rig{a, b} {
		r.portfolio(t, n)
		r.runOn(t, first)
	}
	return a, b
}

// twinsBehind are twins closed for first, the first then closed up to
// first+nights in one run; the second's clock stands at 01:00 after it,
// the COB not yet run: the test closes it its own way and compares.
func twinsBehind(t *testing.T, n int, first lending.Date, nights int) (*rig, *rig, lending.Date) {
	t.Helper()
	last := first.AddDays(nights)
	done, behind := twins(t, n, first)
	done.runOn(t, last)
	behind.at(last.AddDays(1), 1)
	return done, behind, last
}

// sameAs wants o to hold exactly what r holds.
func (r *rig) sameAs(t *testing.T, o *rig, how string) {
	t.Helper()
	if a, b := r.snapshot(t), o.snapshot(t); a != b {
		t.Fatalf("expected:\n%s\n%s:\n%s", a, how, b)
	}
	o.ledgerVerified(t)
}

func TestCatchUpOverTenMissedDaysEqualsTenSingleRuns(t *testing.T) {
	first := lending.Date{Year: 2026, Month: 2, Day: 10}
	last := first.AddDays(10)
	daily, caught := twins(t, 3, first)
	for d := first.AddDays(1); !d.After(last); d = d.AddDays(1) {
		daily.runOn(t, d)
	}
	res := caught.runOn(t, last)
	if len(res.Closed) != 10 || res.PenaltyFen == 0 {
		t.Fatalf("catch-up closed %v, penalty %d", res.Closed, res.PenaltyFen)
	}
	daily.sameAs(t, caught, "catch-up")
	for _, id := range caught.loans {
		if money.Fen(caught.balance(t, ledger.LoanAccount(id, ledger.Penalty))) != penaltyOf(caught.servicing(t, id)) {
			t.Errorf("loan %d: ledger and servicing penalty differ", id)
		}
	}
}

func TestACOBKilledHalfwayAndRunAgainEqualsOneRun(t *testing.T) {
	whole, killed, _ := twinsBehind(t, 7, lending.Date{Year: 2026, Month: 2, Day: 12}, 6)
	runs := 0
	for ; runs < 100; runs++ {
		res, err := Run(context.Background(), killed.env.App, Limits{Chunk: 2, MaxLoans: 5})
		if err == nil && res.Done {
			break
		}
		if !errors.Is(err, ErrUnfinished) {
			t.Fatalf("run %d: %v", runs, err)
		}
	}
	if runs < 5 {
		t.Fatalf("only %d interrupted runs: the bound did not bite", runs)
	}
	whole.sameAs(t, killed, "killed and resumed")
}

func TestTheSameDateTwiceChangesNothing(t *testing.T) {
	r := newRig(t)
	r.portfolio(t, 4)
	day := lending.Date{Year: 2026, Month: 2, Day: 20}
	r.runOn(t, day.AddDays(-1))
	r.runOn(t, day)
	before := r.snapshot(t)
	if res := r.runOn(t, day); res.Loans != 0 || len(res.Closed) != 0 {
		t.Fatalf("second run: %+v", res)
	}
	// A run whose finish was lost starts the date over from cursor 0: every
	// loan is found closed already under its lock.
	if _, err := r.env.App.DB.Exec(`UPDATE cob_runs SET status = 'running', cursor_loan_id = 0 WHERE business_date = ?`, day.String()); err != nil {
		t.Fatal(err)
	}
	if res := r.runOn(t, day); res.Loans != 0 {
		t.Fatalf("rerun of a closed date closed %d loans", res.Loans)
	}
	if after := r.snapshot(t); after != before {
		t.Fatalf("before:\n%s\nafter:\n%s", before, after)
	}
}

func TestConcurrentRunsDoNotDoublePost(t *testing.T) {
	single, racing, _ := twinsBehind(t, 12, lending.Date{Year: 2026, Month: 2, Day: 12}, 5)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Run(context.Background(), racing.env.App, Limits{Chunk: 3})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	single.sameAs(t, racing, "four racing runs")
}

func TestTheLineStaysFrozenWhileAnyLoanIsOverdue(t *testing.T) {
	r := newRig(t)
	a, b := r.activeLoan(t, 1, 1000_00), r.activeLoan(t, 1, 2000_00)
	ctx, db := context.Background(), r.env.App.DB
	move := func(id int64, from, to loan.Status) loan.LineStatus {
		t.Helper()
		var line loan.LineStatus
		err := mysql.InTx(ctx, db, r.env.Clock.Now(), func(tx *mysql.Tx) error {
			if err := tx.Transition(ctx, mysql.Transition{LoanID: id, From: from, To: to, Reason: "test"}); err != nil {
				return err
			}
			var err error
			line, err = tx.SyncLineFreeze(ctx, 1)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return line
	}
	for _, step := range []struct {
		id       int64
		from, to loan.Status
		want     loan.LineStatus
	}{
		{a, loan.Active, loan.Overdue, loan.LineFrozen},
		{b, loan.Active, loan.Overdue, loan.LineFrozen},
		{a, loan.Overdue, loan.Active, loan.LineFrozen}, // b still overdue
		{b, loan.Overdue, loan.Settled, loan.LineActive},
		{a, loan.Active, loan.Overdue, loan.LineFrozen},
	} {
		if got := move(step.id, step.from, step.to); got != step.want {
			t.Fatalf("loan %d %s -> %s: line %s, want %s", step.id, step.from, step.to, got, step.want)
		}
	}
	// A new credit decision keeps a line frozen for an overdue loan.
	err := mysql.InTx(ctx, db, r.env.Clock.Now(), func(tx *mysql.Tx) error {
		return tx.UpsertCreditLine(ctx, loan.CreditLine{UserID: 1, LimitFen: 5000_00, AnnualRateBP: 1800, Status: loan.LineActive,
			ExpiresAt: r.env.Clock.Now().AddDate(1, 0, 0)}, 0)
	})
	if err != nil || r.line(t, 1) != loan.LineFrozen {
		t.Fatalf("after a new decision: %v, line %s", err, r.line(t, 1))
	}
	// A line frozen for another reason is not the cure's to unfreeze.
	if _, err := db.Exec(`UPDATE credit_lines SET frozen_reason = 'staff' WHERE user_id = 1`); err != nil {
		t.Fatal(err)
	}
	if got := move(a, loan.Overdue, loan.Active); got != loan.LineFrozen {
		t.Fatalf("a staff freeze was lifted: %s", got)
	}
}

func TestLoansPastTheWriteOffDPDAreFlaggedAndBucketed(t *testing.T) {
	r := newRig(t)
	r.env.App.Cfg.WriteOffDPD = 30
	id := r.activeLoan(t, 1, 1000_00)
	due := lending.Date{Year: 2026, Month: 2, Day: 10}
	r.runOn(t, due)
	eligible := func() (e bool) {
		if err := r.env.App.DB.QueryRow(`SELECT writeoff_eligible FROM loans WHERE id = ?`, id).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	r.runOn(t, due.AddDays(29))
	if _, dpd, b := r.loanRow(t, id); dpd != 29 || b != "M1" || eligible() {
		t.Fatalf("dpd %d %s eligible %v", dpd, b, eligible())
	}
	r.runOn(t, due.AddDays(31))
	if s, dpd, b := r.loanRow(t, id); s != loan.Overdue || dpd != 31 || b != "M2" || !eligible() {
		t.Fatalf("%s dpd %d %s eligible %v", s, dpd, b, eligible())
	}
}

func TestARunAtItsDeadlineStopsAndTheNextResumes(t *testing.T) {
	whole, cut, last := twinsBehind(t, 3, lending.Date{Year: 2026, Month: 2, Day: 12}, 3)
	ctx, cancel := context.WithTimeout(context.Background(), deadlineReserve/2)
	defer cancel()
	if res, err := Run(ctx, cut.env.App, Limits{}); !errors.Is(err, ErrUnfinished) || res.Loans != 0 {
		t.Fatalf("a run inside its deadline reserve: %+v, %v", res, err)
	}
	cut.runOn(t, last)
	whole.sameAs(t, cut, "stopped at the deadline and resumed")
}

func TestALoanTheCOBCannotComputeIsLeftBehindAndCaughtUpLater(t *testing.T) {
	first := lending.Date{Year: 2026, Month: 2, Day: 14}
	whole, broken := twins(t, 3, first)
	db := broken.env.App.DB
	if _, err := db.Exec(`UPDATE loans SET product_version = 99 WHERE id = ?`, broken.loans[1]); err != nil {
		t.Fatal(err)
	}
	broken.at(first.AddDays(2), 1)
	res, err := Run(context.Background(), broken.env.App, Limits{})
	if err != nil || !res.Done || res.Failed != 1 || res.Loans != 2 {
		t.Fatalf("with one broken loan: %+v, %v", res, err)
	}
	if _, err := db.Exec(`UPDATE loans SET product_version = 1 WHERE id = ?`, broken.loans[1]); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*rig{whole, broken} {
		r.runOn(t, first.AddDays(1))
		r.runOn(t, first.AddDays(2))
	}
	// The repaired loan closed both dates in one transaction; the run
	// counts differ, nothing else does.
	for _, r := range []*rig{whole, broken} {
		if _, err := r.env.App.DB.Exec(`UPDATE cob_runs SET loans_closed = 0, penalty_fen = 0`); err != nil {
			t.Fatal(err)
		}
	}
	whole.sameAs(t, broken, "a loan left behind, then caught up")
}

// payAhead records installments 1..n of a loan as paid in full.
func (r *rig) payAhead(t *testing.T, id int64, n int) {
	t.Helper()
	ctx := context.Background()
	l, err := mysql.Loans{DB: r.env.App.DB}.ByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	err = mysql.InTx(ctx, r.env.App.DB, r.env.Clock.Now(), func(tx *mysql.Tx) error {
		sv, err := tx.Servicing(ctx, id, l.Quote.Schedule)
		if err != nil {
			return err
		}
		st := sv.State
		st.AsOf = signedOn
		st.Paid = make([]lending.Components, len(st.Schedule.Installments))
		for i, in := range st.Schedule.Installments[:n] {
			st.Paid[i] = lending.Components{FeeFen: in.FeeFen, InterestFen: in.InterestFen, PrincipalFen: in.PrincipalFen}
		}
		return tx.SaveServicing(ctx, id, sv, st)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOnTimeInstallmentsRaiseTheLimitWithADecisionRecord(t *testing.T) {
	r := newRig(t)
	db := r.env.App.DB
	banded, unbanded := r.activeLoan(t, 1, 1000_00), r.activeLoan(t, 2, 1000_00)
	if _, err := db.Exec(`INSERT INTO risk_decisions (application_id, outcome, decision, created_at) VALUES (77, 'approved', '{"band":"C"}', ?)`,
		r.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE credit_lines SET limit_fen = 300000, application_id = IF(user_id = 1, 77, NULL)`); err != nil {
		t.Fatal(err)
	}
	r.payAhead(t, banded, 3)
	r.payAhead(t, unbanded, 3)
	r.runOn(t, lending.Date{Year: 2026, Month: 2, Day: 9})
	r.runOn(t, lending.Date{Year: 2026, Month: 4, Day: 9}) // two installments due so far
	limit := func(user int64) (l money.Fen, streak int) {
		if err := db.QueryRow(`SELECT limit_fen, on_time_streak FROM credit_lines WHERE user_id = ?`, user).Scan(&l, &streak); err != nil {
			t.Fatal(err)
		}
		return l, streak
	}
	if l, s := limit(1); l != 3000_00 || s != 2 {
		t.Fatalf("after 2 on time: limit %d streak %d", l, s)
	}
	r.runOn(t, lending.Date{Year: 2026, Month: 4, Day: 10})
	if l, s := limit(1); l != 3600_00 || s != 0 {
		t.Fatalf("after 3 on time: limit %d streak %d, want +20%%", l, s)
	}
	var band, reason string
	if err := db.QueryRow(`SELECT JSON_UNQUOTE(JSON_EXTRACT(decision, '$.band')), reason FROM limit_changes WHERE user_id = 1 AND from_limit_fen = 300000
		AND to_limit_fen = 360000 AND business_date = '2026-04-10'`).Scan(&band, &reason); err != nil || band != "C" || reason != raiseReason {
		t.Fatalf("decision record: %v %s %s", err, band, reason)
	}
	if l, s := limit(2); l != 3000_00 || s != 3 {
		t.Fatalf("a line without a decision: limit %d streak %d", l, s)
	}
	// Overdue resets the streak: installment 4 (2026-05-10) is not paid.
	r.runOn(t, lending.Date{Year: 2026, Month: 5, Day: 14})
	if l, s := limit(2); l != 3000_00 || s != 0 || r.line(t, 2) != loan.LineFrozen {
		t.Fatalf("overdue: limit %d streak %d line %s", l, s, r.line(t, 2))
	}
	if n := r.count(t, `SELECT COUNT(*) FROM limit_changes`); n != 1 {
		t.Fatalf("%d limit changes", n)
	}
}

func (r *rig) count(t *testing.T, q string) (n int) {
	t.Helper()
	if err := r.env.App.DB.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
