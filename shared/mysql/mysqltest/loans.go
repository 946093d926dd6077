package mysqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
)

// SignedLoan stores what loan-create and contract-sign leave behind:
// userID's active credit line of limit for a year, and a loan of amount
// over 6 months (equal installments, 18%, the active "standard" product)
// quoted at now, its amount drawn from the line, moved to signed. It
// returns the loan's id and its quote.
func SignedLoan(t testing.TB, db *sql.DB, userID int64, limit, amount money.Fen, now time.Time) (int64, lending.QuoteResult) {
	t.Helper()
	ctx := context.Background()
	pv, err := mysql.Products{DB: db}.Active(ctx, "standard")
	if err != nil {
		t.Fatal(err)
	}
	res, err := lending.Quote(pv.Product, lending.QuoteRequest{AmountFen: amount, TermMonths: 6, Method: lending.EqualInstallment,
		AnnualRateBP: 1800}, lending.ShanghaiDate(now), 2400)
	if err != nil {
		t.Fatal(err)
	}
	var rnd [16]byte
	_, _ = rand.Read(rnd[:])
	q := mysql.StoredQuote{ID: hex.EncodeToString(rnd[:]), UserID: userID, ProductVersion: pv.Version, Result: res}
	var loanID int64
	err = mysql.InTx(ctx, db, now, func(tx *mysql.Tx) error {
		line := loan.CreditLine{UserID: userID, LimitFen: limit, AnnualRateBP: 1800, Status: loan.LineActive, ExpiresAt: now.AddDate(1, 0, 0)}
		if err := tx.UpsertCreditLine(ctx, line, 0); err != nil {
			return err
		}
		if err := tx.ReserveCredit(ctx, userID, amount); err != nil {
			return err
		}
		loanID, err = tx.CreateLoan(ctx, userID, q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = mysql.Loans{DB: db}.Transition(ctx, mysql.Transition{LoanID: loanID, From: loan.Applied, To: loan.Signed, Reason: "signed"}, now)
	if err != nil {
		t.Fatal(err)
	}
	return loanID, res
}
