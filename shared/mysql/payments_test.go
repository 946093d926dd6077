package mysql_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/disbursement"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

func TestDisbursementPartsAreUniqueAndFinalStatesStick(t *testing.T) {
	db := mysqltest.New(t)
	ctx, now := context.Background(), time.Now().UTC().Truncate(time.Microsecond)
	parts := []disbursement.Part{{LoanID: 7, PartNo: 1, OutBillNo: "D7P1", MchID: "1900000109", AmountFen: 100}}
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

// On the real server, a part in a final state (disbursement.Final) is
// never updated, claimed or swept, and every other part is.
func TestFinalPartsStayFinalInEveryQuery(t *testing.T) {
	db := mysqltest.New(t)
	ctx, now := context.Background(), time.Now().UTC().Truncate(time.Microsecond)
	store := mysql.Disbursements{DB: db.DB}
	states := []string{disbursement.Creating, disbursement.Unknown, disbursement.Rerouted, "ACCEPTED", "PROCESSING",
		"WAIT_USER_CONFIRM", "TRANSFERING", disbursement.Success, disbursement.Fail, "CANCELING", disbursement.Cancelled}
	err := mysql.InTx(ctx, db.DB, now, func(tx *mysql.Tx) error {
		for i, s := range states {
			p := disbursement.Part{LoanID: 7, PartNo: i + 1, OutBillNo: fmt.Sprintf("D7P%d", i+1), MchID: "1900000109", AmountFen: 100}
			if err := tx.InsertDisbursementParts(ctx, []disbursement.Part{p}); err != nil {
				return err
			}
			p.State = s
			if _, err := tx.UpdatePart(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stale, err := store.Stale(ctx, now.Add(time.Hour), now, 100)
	if err != nil {
		t.Fatal(err)
	}
	swept := map[string]bool{}
	for _, p := range stale {
		swept[p.State] = true
	}
	for i, s := range states {
		no := fmt.Sprintf("D7P%d", i+1)
		open := !disbursement.Final(s)
		if swept[s] != open {
			t.Errorf("%s: swept %v", s, swept[s])
		}
		if claimed, err := store.ClaimAttempt(ctx, no, 0, now); err != nil || claimed != open {
			t.Errorf("%s: claimed %v (%v)", s, claimed, err)
		}
		var wrote bool
		if err := mysql.InTx(ctx, db.DB, now, func(tx *mysql.Tx) (err error) {
			wrote, err = tx.UpdatePart(ctx, disbursement.Part{OutBillNo: no, State: "PROCESSING", TransferBillNo: "1330000071100999991182020050700019480001"})
			return err
		}); err != nil || wrote != open {
			t.Errorf("%s: updated %v (%v)", s, wrote, err)
		}
	}
}
