package mysql_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

func TestDisbursementPartsAreUniqueAndFinalStatesStick(t *testing.T) {
	db := mysqltest.New(t)
	ctx, now := context.Background(), time.Now().UTC().Truncate(time.Microsecond)
	parts := []mysql.DisbursementPart{{LoanID: 7, PartNo: 1, OutBillNo: "D7P1", MchID: "1900000109", AmountFen: 100}}
	insert := func() error {
		return mysql.InTx(ctx, db.DB, now, func(tx *mysql.Tx) error { return tx.InsertDisbursementParts(ctx, parts) })
	}
	if err := insert(); err != nil {
		t.Fatal(err)
	}
	if err := insert(); err == nil {
		t.Fatal("the same out_bill_no stored twice")
	}
	write := func(state string) bool {
		var wrote bool
		err := mysql.InTx(ctx, db.DB, now, func(tx *mysql.Tx) error {
			p := parts[0]
			p.State = state
			var err error
			wrote, err = tx.UpdatePart(ctx, p)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return wrote
	}
	for _, c := range []struct {
		state string
		wrote bool
	}{{"ACCEPTED", true}, {"WAIT_USER_CONFIRM", true}, {"SUCCESS", true}, {"FAIL", false}, {"PROCESSING", false}} {
		if got := write(c.state); got != c.wrote {
			t.Fatalf("%s: wrote %v", c.state, got)
		}
	}
	p, err := mysql.Disbursements{DB: db.DB}.ByBillNo(ctx, "D7P1")
	if err != nil || p.State != "SUCCESS" {
		t.Fatalf("%+v %v", p, err)
	}
	stale, err := mysql.Disbursements{DB: db.DB}.Stale(ctx, now, now, 10)
	if err != nil || len(stale) != 0 {
		t.Fatalf("final part is stale: %v %v", stale, err)
	}
	for _, s := range []string{"SUCCESS", "FAIL", "CANCELLED"} {
		if !mysql.PartFinal(s) {
			t.Fatal(s)
		}
	}
	for _, s := range []string{"CREATING", "UNKNOWN", "ACCEPTED", "PROCESSING", "WAIT_USER_CONFIRM", "TRANSFERING", "CANCELING", ""} {
		if mysql.PartFinal(s) {
			t.Fatal(s)
		}
	}
	if fresh, _ := recordTwice(t, db.DB); fresh {
		t.Fatal("duplicate notification recorded as fresh")
	}
}

func recordTwice(t *testing.T, db *sql.DB) (bool, error) {
	ctx, now := context.Background(), time.Now().UTC()
	var fresh bool
	for range 2 {
		if err := mysql.InTx(ctx, db, now, func(tx *mysql.Tx) error {
			var err error
			fresh, err = tx.RecordNotification(ctx, "EV-1", "MCHTRANSFER.BILL.FINISHED", "D7P1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return fresh, nil
}
