package cob

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/mysql"
)

// runWith is runOn with limits.
func (r *rig) runWith(t *testing.T, closing lending.Date, lim Limits) Result {
	t.Helper()
	r.at(closing.AddDays(1), 0)
	r.env.Clock.Advance(30 * time.Minute)
	res, err := Run(context.Background(), r.env.App, lim)
	if err != nil || !res.Done {
		t.Fatalf("cob closing %s: %+v, %v", closing, res, err)
	}
	return res
}

// versions is each loan's servicing version (0: none stored).
func (r *rig) versions(t *testing.T) map[int64]int {
	t.Helper()
	rows, err := r.env.App.DB.Query(`SELECT loan_id, version FROM loan_servicing`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		out[id] = v
	}
	return out
}

// mixed gives a rig loans that change on the nights after the first
// installment's grace (2026-02-13) and loans that do not: users 1..6 one
// loan each, users 1, 3 and 5 having paid three installments ahead; user
// 7 two loans (the per-loan path's), one paid ahead.
func (r *rig) mixed(t *testing.T) {
	t.Helper()
	r.portfolio(t, 6)
	for _, i := range []int{0, 2, 4} {
		r.payAhead(t, r.loans[i], 3)
	}
	r.activeLoan(t, 7, 1500_00)
	r.payAhead(t, r.activeLoan(t, 7, 2500_00), 3)
}

func TestABatchedWindowEqualsClosingLoanByLoan(t *testing.T) {
	batched, single := newRig(t), newRig(t)
	for _, r := range []*rig{batched, single} {
		r.mixed(t)
	}
	before := batched.versions(t)
	first := lending.Date{Year: 2026, Month: 2, Day: 12}
	for d := first; !d.After(first.AddDays(4)); d = d.AddDays(1) {
		batched.runWith(t, d, Limits{Chunk: 3})
		single.runWith(t, d, Limits{Chunk: 3, perLoan: true})
		single.sameAs(t, batched, "batched on "+d.String())
	}
	// Loans paid ahead changed nothing but their loan row: their servicing
	// state was never written; the others went overdue and accrue.
	after := batched.versions(t)
	for i, id := range batched.loans {
		paidAhead := i%2 == 0 && i < 6 || i == 7
		if paidAhead && after[id] != before[id] {
			t.Errorf("loan %d paid ahead: servicing version %d -> %d", id, before[id], after[id])
		}
		if s, _, _ := batched.loanRow(t, id); !paidAhead && (after[id] == 0 || s != loan.Overdue) {
			t.Errorf("loan %d unpaid: %s, servicing version %d", id, s, after[id])
		}
	}
	if batched.line(t, 1) != loan.LineActive || batched.line(t, 2) != loan.LineFrozen || batched.line(t, 7) != loan.LineFrozen {
		t.Errorf("lines: %s %s %s", batched.line(t, 1), batched.line(t, 2), batched.line(t, 7))
	}
}

// repay records installment 1 of a loan as paid in full, its penalty
// included, as a repayment's servicing write does (the version moves).
func (r *rig) repay(t *testing.T, id int64) {
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
		in := st.Schedule.Installments[0]
		st.Paid = make([]lending.Components, len(st.Schedule.Installments))
		st.Paid[0] = lending.Components{PenaltyFen: st.PenaltyAccruedFen[0], FeeFen: in.FeeFen, InterestFen: in.InterestFen, PrincipalFen: in.PrincipalFen}
		return tx.SaveServicing(ctx, id, sv, st)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestARepaymentBetweenTheReadAndTheWriteIsNotOverwritten(t *testing.T) {
	first := lending.Date{Year: 2026, Month: 2, Day: 14} // installment 1 overdue, penalty accruing
	paidFirst, raced := twins(t, 3, first)
	paid := raced.loans[1]
	paidFirst.repay(t, paid)
	paidFirst.runOn(t, first.AddDays(1))

	var once sync.Once
	landed := false
	raced.runWith(t, first.AddDays(1), Limits{beforeWrite: func(ids []int64) {
		once.Do(func() { raced.repay(t, paid); landed = true })
	}})
	if !landed {
		t.Fatal("the repayment did not land between the read and the write")
	}
	// The write found the servicing version moved and closed the loan
	// again on its repaid state: paid, cured, no penalty for the night.
	paidFirst.sameAs(t, raced, "a repayment between the read and the write")
	st := raced.servicing(t, paid)
	if st.Paid == nil || st.Paid[0].PrincipalFen == 0 {
		t.Fatalf("the repayment was overwritten: %+v", st.Paid)
	}
	if s, dpd, _ := raced.loanRow(t, paid); s != loan.Active || dpd != 0 || raced.line(t, 2) != loan.LineActive {
		t.Fatalf("repaid loan: %s dpd %d, line %s", s, dpd, raced.line(t, 2))
	}
	night := func(id int64) int {
		return raced.count(t, `SELECT COUNT(*) FROM ledger_transactions WHERE idem_key = '`+penaltyAccrual(id, first.AddDays(1), 1).Key+`'`)
	}
	if night(paid) != 0 || night(raced.loans[0]) != 1 {
		t.Fatalf("penalty of the night: %d on the repaid loan, %d on another", night(paid), night(raced.loans[0]))
	}
}
