package mysql_test

import (
	"context"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

func TestRepaymentsServicingAndRefundsChangeOnce(t *testing.T) {
	db := mysqltest.New(t)
	ctx, now := context.Background(), time.Now().UTC().Truncate(time.Microsecond)
	in := func(fn func(tx *mysql.Tx) error) error { return mysql.InTx(ctx, db.DB, now, fn) }
	var rp mysql.Repayment
	if err := in(func(tx *mysql.Tx) (err error) {
		rp, err = tx.InsertRepayment(ctx, mysql.Repayment{LoanID: 7, UserID: 3, Kind: "due", AmountFen: 500})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if rp.OutTradeNo != "R000007T000001" || rp.State != mysql.RepaymentCreated {
		t.Fatalf("%+v", rp)
	}
	mark := func() bool {
		var wrote bool
		if err := in(func(tx *mysql.Tx) (err error) {
			wrote, err = tx.MarkRepaymentPaid(ctx, rp.OutTradeNo, "4200", map[string]int{"a": 1})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return wrote
	}
	if !mark() || mark() {
		t.Fatal("a repayment became PAID other than once")
	}
	if _, err := (mysql.Repayments{DB: db.DB}).ByTradeNo(ctx, "R000009T000009"); apierr.CodeOf(err) != apierr.NotFound {
		t.Fatalf("unknown repayment: %v", err)
	}

	sched := lending.Schedule{AmountFen: 100}
	sv, err := mysql.Loans{DB: db.DB}.Servicing(ctx, 7, sched)
	if err != nil || sv.Stored || sv.State.Schedule.AmountFen != 100 {
		t.Fatalf("%+v %v", sv, err)
	}
	save := func(prev mysql.Servicing) error {
		return in(func(tx *mysql.Tx) error { return tx.SaveServicing(ctx, 7, prev, sv.State) })
	}
	if err := save(sv); err != nil {
		t.Fatal(err)
	}
	if err := save(sv); apierr.CodeOf(err) != apierr.Conflict {
		t.Fatalf("second insert: %v", err)
	}
	sv2, _ := mysql.Loans{DB: db.DB}.Servicing(ctx, 7, sched)
	if err := save(sv2); err != nil {
		t.Fatal(err)
	}
	if err := save(sv2); apierr.CodeOf(err) != apierr.Conflict {
		t.Fatalf("stale version: %v", err)
	}

	no := mysql.RefundNo(rp.OutTradeNo)
	if err := in(func(tx *mysql.Tx) error {
		_, err := tx.InsertRefund(ctx, mysql.Refund{OutRefundNo: no, RepaymentID: rp.ID, AmountFen: 9})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		state string
		wrote bool
	}{{"PROCESSING", true}, {"SUCCESS", true}, {"CLOSED", false}, {"PROCESSING", false}} {
		var wrote bool
		if err := in(func(tx *mysql.Tx) (err error) {
			wrote, err = tx.UpdateRefund(ctx, no, c.state, "50x")
			return err
		}); err != nil || wrote != c.wrote {
			t.Fatalf("%s: wrote %v %v", c.state, wrote, err)
		}
	}
	open, err := mysql.Refunds{DB: db.DB}.Open(ctx, now, 10)
	if err != nil || len(open) != 0 {
		t.Fatalf("final refund open: %v %v", open, err)
	}
}
