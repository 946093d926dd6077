package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/evidence"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/monitor"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// Refusals of a repayment or refund notification (answered 400 by
// notifyRefused, which knows the wrapped errors).
var (
	ErrUnknownPayment = fmt.Errorf("payments: unknown repayment or refund (%w)", ErrUnknownBill)
	ErrPaidMismatch   = fmt.Errorf("payments: paid amount does not match (%w)", ErrAmountMismatch)
)

// TransactionNotify is notify-wxpay-transaction (POST
// /notify/wxpay/transaction, TRANSACTION.SUCCESS): wxpay verifies the
// signature and timestamp, decrypts, and checks mchid and appid; the
// amount must be our repayment's. The payment is applied once (the
// notification id, then the repayment's conditional CREATED→PAID): in one
// transaction it is allocated by the product's waterfall, booked, added to
// the loan's servicing state, the credit line gets the principal back, a
// loan with nothing left owed is settled, and any overpayment is stored as
// a refund, which is sent after the commit. 204 answers it (duplicates
// included); 401/400/500 with {"code":"FAIL"} refuse it and change nothing.
func TransactionNotify(d Deps) http.Handler {
	return notifyHandler(d, monitor.RouteWxpayTransaction, func(r *http.Request, d Deps, n wxpay.Notification) error {
		ev, err := n.Transaction()
		if err != nil {
			return err
		}
		rf, err := applyPayment(r.Context(), d, ev, n.ID, n.EventType)
		if err != nil || rf == nil {
			return err
		}
		if err := sendRefund(r.Context(), d, *rf); err != nil {
			d.Log.Warn("repay: refund left for the sweeper", "out_refund_no", rf.OutRefundNo, "error", err.Error())
		}
		return nil
	})
}

// applyPayment applies one paid order once; it returns the refund to send
// when the payment was more than the loan owed. The loan and its product
// are read before the transaction (neither changes once signed), so the
// transaction needs no second connection.
func applyPayment(ctx context.Context, d Deps, ev wxpay.TransactionEvent, notificationID, eventType string) (*mysql.Refund, error) {
	rp0, err := mysql.Repayments{DB: d.DB}.ByTradeNo(ctx, ev.OutTradeNo)
	if apierr.CodeOf(err) == apierr.NotFound {
		return nil, ErrUnknownPayment
	}
	if err != nil {
		return nil, err
	}
	if ev.AmountFen != rp0.AmountFen {
		return nil, ErrPaidMismatch
	}
	if rp0.State == mysql.RepaymentPaid {
		return nil, nil
	}
	l, err := mysql.Loans{DB: d.DB}.ByID(ctx, rp0.LoanID)
	if err != nil {
		return nil, err
	}
	pv, err := mysql.Products{DB: d.DB}.Version(ctx, l.ProductCode, l.ProductVersion)
	if err != nil {
		return nil, err
	}
	var out *mysql.Refund
	err = mysql.InTx(ctx, d.DB, d.Clock.Now(), func(tx *mysql.Tx) error {
		out = nil
		rp, err := tx.LockRepayment(ctx, ev.OutTradeNo)
		if err != nil {
			return err
		}
		if notificationID != "" {
			fresh, err := tx.RecordNotification(ctx, notificationID, eventType, ev.OutTradeNo)
			if err != nil || !fresh {
				return err
			}
		}
		if ev.TradeState != wxpay.TradeSuccess || rp.State == mysql.RepaymentPaid {
			return nil
		}
		out, err = settlePaymentTx(ctx, tx, d, rp, l, pv.Product, ev.TransactionID)
		return err
	})
	return out, err
}

// settlePaymentTx does everything a paid repayment changes, inside tx.
func settlePaymentTx(ctx context.Context, tx *mysql.Tx, d Deps, rp mysql.Repayment, l loan.Loan, p lending.Product,
	transactionID string) (*mysql.Refund, error) {
	locked, err := tx.LockLoan(ctx, rp.LoanID)
	if err != nil {
		return nil, fmt.Errorf("loan %d: %w", rp.LoanID, err)
	}
	l.Status = locked.Status
	sv, err := tx.Servicing(ctx, l.ID, l.Quote.Schedule)
	if err != nil {
		return nil, err
	}
	sv.State.AsOf = asOf(sv.State.Schedule, tx.Now())
	alloc := lending.Allocation{AmountFen: rp.AmountFen, RefundFen: rp.AmountFen}
	repaying := l.Status == loan.Active || l.Status == loan.Overdue
	if repaying {
		if alloc, err = lending.Allocate(sv.State, p, rp.AmountFen, modeOf(rp.Kind)); err != nil {
			return nil, fmt.Errorf("allocate %s: %w", rp.OutTradeNo, err)
		}
		if sv.State, err = saveServicingTx(ctx, tx, l.ID, sv, alloc); err != nil {
			return nil, err
		}
	} else {
		d.Log.Error("repay: payment for a loan not being repaid; refunded", "loan_id", l.ID, "status", string(l.Status), "out_trade_no", rp.OutTradeNo)
	}
	if _, err := tx.Post(ctx, repayTransaction(rp, d.Pay.MchID(), sv.State, alloc)); err != nil {
		return nil, err
	}
	if release := principalReleased(alloc); release > 0 {
		if err := tx.ReleaseCredit(ctx, l.UserID, release); err != nil {
			return nil, err
		}
	}
	if repaying && alloc.Settled {
		err := tx.Transition(ctx, mysql.Transition{LoanID: l.ID, From: l.Status, To: loan.Settled, Reason: "repaid",
			Also: func(tx *mysql.Tx) error { return settlementEvidenceTx(ctx, tx, l.ID, rp.OutTradeNo, alloc) }})
		if err != nil {
			return nil, err
		}
	}
	if repaying {
		if err := cureTx(ctx, tx, l, sv.State, p, alloc.Settled); err != nil {
			return nil, err
		}
	}
	if _, err := tx.MarkRepaymentPaid(ctx, rp.OutTradeNo, transactionID, alloc); err != nil {
		return nil, err
	}
	if alloc.RefundFen <= 0 {
		return nil, nil
	}
	rf, err := tx.InsertRefund(ctx, mysql.Refund{OutRefundNo: mysql.RefundNo(rp.OutTradeNo), RepaymentID: rp.ID, AmountFen: alloc.RefundFen})
	return &rf, err
}

// cureTx is the cure on repayment: an overdue loan with nothing overdue
// any more on today's business date moves back to active at once (the
// close of business would do it only that night), and the borrower's line,
// frozen while any loan is overdue, is unfrozen when none is left (also
// after a settlement), so a cured borrower can draw again right away.
func cureTx(ctx context.Context, tx *mysql.Tx, l loan.Loan, st lending.LoanState, p lending.Product, settled bool) error {
	if l.Status == loan.Overdue && !settled {
		b, err := lending.NewBill(st, p, lending.StandingRepaying)
		if err != nil {
			return fmt.Errorf("bill of loan %d: %w", l.ID, err)
		}
		if b.DaysPastDue() > 0 {
			return nil
		}
		if err := tx.Transition(ctx, mysql.Transition{LoanID: l.ID, From: loan.Overdue, To: loan.Active, Reason: "cured"}); err != nil {
			return err
		}
	}
	_, err := tx.SyncLineFreeze(ctx, l.UserID)
	return err
}

// saveServicingTx adds the allocation to what is paid; a payment that
// reached later principal re-amortizes the later installments. It returns
// the state saved.
func saveServicingTx(ctx context.Context, tx *mysql.Tx, loanID int64, sv mysql.Servicing, a lending.Allocation) (lending.LoanState, error) {
	st := sv.State
	n := len(st.Schedule.Installments)
	paid := make([]lending.Components, n)
	copy(paid, st.Paid)
	prepaid := false
	for i, ia := range a.Installments {
		paid[i] = lending.Components{PenaltyFen: paid[i].PenaltyFen + ia.Paid.PenaltyFen, FeeFen: paid[i].FeeFen + ia.Paid.FeeFen,
			InterestFen: paid[i].InterestFen + ia.Paid.InterestFen, PrincipalFen: paid[i].PrincipalFen + ia.Paid.PrincipalFen}
		if ia.Timing == lending.NotYetDue && ia.Paid.PrincipalFen > 0 {
			prepaid = true
		}
	}
	st.Paid = paid
	if prepaid && !a.Settled {
		next, err := lending.Reamortize(st)
		if err != nil {
			return st, fmt.Errorf("reamortize loan %d: %w", loanID, err)
		}
		st = next
	}
	return st, tx.SaveServicing(ctx, loanID, sv, st)
}

// principalReleased is the credit a payment gives back: the principal it
// paid, plus on settlement the principal a cooling-off credit nets away.
func principalReleased(a lending.Allocation) money.Fen {
	r := a.Totals.PrincipalFen
	if a.Settled {
		r += waivedPrincipal(a)
	}
	return r
}

func waivedPrincipal(a lending.Allocation) money.Fen {
	var w money.Fen
	for _, ia := range a.Installments {
		w += ia.Waived.PrincipalFen
	}
	return w
}

// repayTransaction books a payment (key "repay:<no>"): Debit Clearing the
// amount paid; Credit the principal receivable, the interest and fee
// income (cash basis) and the penalty receivable (the close of business
// accrues penalty into it against penalty income) by what was allocated;
// an overpayment
// Credit RefundsPayable. A cooling-off settlement also nets the credit
// (upfront fee and costs already paid, booked as income) against the
// principal receivable: Debit those incomes, Credit principal.
func repayTransaction(rp mysql.Repayment, mchID string, before lending.LoanState, a lending.Allocation) ledger.Transaction {
	sums := map[ledger.Account]money.Fen{}
	order := []ledger.Account{ledger.Clearing(mchID), ledger.LoanAccount(rp.LoanID, ledger.Principal), ledger.InterestIncome,
		ledger.FeeIncome, ledger.LoanAccount(rp.LoanID, ledger.Penalty), ledger.PenaltyIncome, ledger.RefundsPayable}
	sums[order[0]] += a.AmountFen
	sums[order[1]] -= a.Totals.PrincipalFen
	sums[ledger.InterestIncome] -= a.Totals.InterestFen
	sums[ledger.FeeIncome] -= a.Totals.FeeFen
	sums[order[4]] -= a.Totals.PenaltyFen
	sums[ledger.RefundsPayable] -= a.RefundFen
	if w := waivedPrincipal(a); a.Settled && w > 0 {
		var paid lending.Components
		for _, c := range before.Paid {
			paid = lending.Components{PenaltyFen: paid.PenaltyFen + c.PenaltyFen, FeeFen: paid.FeeFen + c.FeeFen,
				InterestFen: paid.InterestFen + c.InterestFen}
		}
		if before.Schedule.UpfrontFeeDeducted {
			paid.FeeFen += before.Schedule.UpfrontFeeFen
		}
		sums[order[1]] -= w
		for _, give := range []struct {
			acct ledger.Account
			fen  money.Fen
		}{{ledger.FeeIncome, paid.FeeFen}, {ledger.InterestIncome, paid.InterestFen}, {ledger.PenaltyIncome, paid.PenaltyFen}} {
			take := min(w, give.fen)
			sums[give.acct] += take
			w -= take
		}
		sums[ledger.InterestIncome] += w // a remainder the credit cannot explain; never expected
	}
	t := ledger.Transaction{Key: "repay:" + rp.OutTradeNo, Kind: "repayment"}
	for _, acct := range order {
		if v := sums[acct]; v != 0 {
			t.Entries = append(t.Entries, ledger.Entry{Account: acct, AmountFen: v})
		}
	}
	return t
}

// settlementEvidenceTx appends the settlement evidence: the hash of the
// payment that settled the loan and its allocation.
func settlementEvidenceTx(ctx context.Context, tx *mysql.Tx, loanID int64, outTradeNo string, a lending.Allocation) error {
	b, err := json.Marshal(struct {
		LoanID     int64              `json:"loan_id"`
		OutTradeNo string             `json:"out_trade_no"`
		Allocation lending.Allocation `json:"allocation"`
	}{loanID, outTradeNo, a})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	_, err = tx.AppendEvidence(ctx, evidence.Settlement, "loan:"+strconv.FormatInt(loanID, 10), hex.EncodeToString(sum[:]))
	return err
}
