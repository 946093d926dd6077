package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/wxlend/wxlend/shared/disbursement"
	"github.com/wxlend/wxlend/shared/evidence"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// Refusals of an update; nothing changes.
var (
	ErrUnknownBill    = errors.New("payments: unknown transfer bill")
	ErrAmountMismatch = errors.New("payments: transfer amount does not match")
	ErrWrongMerchant  = errors.New("payments: transfer for another merchant")
)

// update is what WeChat Pay said about one transfer (answer, query or
// notification).
type update struct {
	OutBillNo      string
	State          string
	TransferBillNo string
	PackageInfo    string
	FailReason     string
	AmountFen      money.Fen // 0 when the answer carries none
	MchID          string    // "" when the answer carries none
	NotificationID string    // set for notifications (dedupe)
	EventType      string
}

func billUpdate(no string, b wxpay.TransferBill, _ bool) update {
	return update{OutBillNo: no, State: b.State, TransferBillNo: b.TransferBillNo, PackageInfo: b.PackageInfo,
		FailReason: b.FailReason, AmountFen: b.AmountFen}
}

// apply records u once: the loan's parts are locked in order, a final
// part never changes again, and the part that completes the set moves the
// loan (active, or cancelled when every part failed) in the same
// transaction.
func apply(ctx context.Context, d Deps, u update) error {
	if u.OutBillNo == "" || u.State == "" {
		return ErrUnknownBill
	}
	p0, err := d.store().ByBillNo(ctx, u.OutBillNo)
	if err != nil {
		return ErrUnknownBill
	}
	return mysql.InTx(ctx, d.DB, d.Clock.Now(), func(tx *mysql.Tx) error {
		parts, err := tx.LockParts(ctx, p0.LoanID)
		if err != nil {
			return err
		}
		i := indexOf(parts, u.OutBillNo)
		if i < 0 {
			return ErrUnknownBill
		}
		p := &parts[i]
		switch {
		case u.AmountFen != 0 && u.AmountFen != p.AmountFen:
			return ErrAmountMismatch
		case u.MchID != "" && u.MchID != p.MchID:
			return ErrWrongMerchant
		}
		if u.NotificationID != "" {
			fresh, err := tx.RecordNotification(ctx, u.NotificationID, u.EventType, u.OutBillNo)
			if err != nil || !fresh {
				return err
			}
		}
		if disbursement.Final(p.State) {
			if u.State != p.State && wxpay.TransferFinal(u.State) {
				d.Log.Error("transfer: conflicting final states; manual review", "out_bill_no", p.OutBillNo, "stored", p.State, "got", u.State)
			}
			return nil
		}
		next := *p
		next.State = u.State
		if u.TransferBillNo != "" {
			next.TransferBillNo = u.TransferBillNo
		}
		if u.PackageInfo != "" {
			next.PackageInfo = u.PackageInfo
		}
		next.FailReason = truncate(u.FailReason, 64)
		if next == *p {
			return nil
		}
		if _, err := tx.UpdatePart(ctx, next); err != nil {
			return err
		}
		*p = next
		if !disbursement.Final(next.State) {
			return nil
		}
		switch next.State {
		case wxpay.TransferSuccess:
			if err := postPartTx(ctx, tx, next); err != nil {
				return err
			}
		case wxpay.TransferFail:
			retry, ok, err := retryAfterFail(ctx, tx, d, parts, next)
			if err != nil {
				return err
			}
			if ok {
				if err := tx.InsertDisbursementParts(ctx, []disbursement.Part{retry}); err != nil {
					return err
				}
				d.Log.Warn("disburse: failed transfer retried under a new number", "from", next.OutBillNo, "to", retry.OutBillNo,
					"reason", next.FailReason, "mch_id", retry.MchID)
				parts = slices.Insert(parts, i+1, retry)
			}
		}
		return finishLoanTx(ctx, tx, d, p0.LoanID, disbursement.Current(parts))
	})
}

func indexOf(parts []disbursement.Part, no string) int {
	for i, p := range parts {
		if p.OutBillNo == no {
			return i
		}
	}
	return -1
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// postPartTx books money sent: Debit the loan's principal receivable,
// Credit the channel's clearing account.
func postPartTx(ctx context.Context, tx *mysql.Tx, p disbursement.Part) error {
	t := ledger.Transaction{Key: "disb:" + p.OutBillNo, Kind: "disbursement", Entries: []ledger.Entry{
		{Account: ledger.LoanAccount(p.LoanID, ledger.Principal), AmountFen: p.AmountFen},
		{Account: ledger.Clearing(p.MchID), AmountFen: -p.AmountFen},
	}}
	_, err := tx.Post(ctx, t)
	return err
}

// finishLoanTx moves a disbursing loan once every part is final: all
// SUCCESS → active (upfront fee booked, evidence appended); none SUCCESS →
// cancelled with the credit released; a mix is left for manual review.
func finishLoanTx(ctx context.Context, tx *mysql.Tx, d Deps, loanID int64, parts []disbursement.Part) error {
	succeeded, reason := 0, ""
	for _, p := range parts {
		if !disbursement.Final(p.State) {
			return nil
		}
		if p.State == wxpay.TransferSuccess {
			succeeded++
		} else if reason == "" {
			reason = p.FailReason
		}
	}
	l, err := tx.LockLoan(ctx, loanID)
	if err != nil {
		return fmt.Errorf("loan %d: %w", loanID, err)
	}
	if l.Status != loan.Disbursing {
		return nil
	}
	switch succeeded {
	case len(parts):
		t := mysql.Transition{LoanID: loanID, From: loan.Disbursing, To: loan.Active, Reason: "disbursed",
			Also: func(tx *mysql.Tx) error { return disbursedTx(ctx, tx, l, parts) }}
		if q := l.Quote; q.UpfrontFeeDeducted && q.UpfrontFeeFen > 0 {
			t.Ledger = &ledger.Transaction{Key: "disbfee:" + strconv.FormatInt(loanID, 10), Kind: "disbursement_fee", Entries: []ledger.Entry{
				{Account: ledger.LoanAccount(loanID, ledger.Principal), AmountFen: q.UpfrontFeeFen},
				{Account: ledger.FeeIncome, AmountFen: -q.UpfrontFeeFen},
			}}
		}
		return tx.Transition(ctx, t)
	case 0:
		return tx.Transition(ctx, mysql.Transition{LoanID: loanID, From: loan.Disbursing, To: loan.Cancelled,
			Reason: truncate("disbursement_failed:"+reason, 64),
			Also:   func(tx *mysql.Tx) error { return tx.ReleaseCredit(ctx, l.UserID, l.Quote.AmountFen) }})
	default:
		d.Log.Error("disbursement partly paid; manual review", "loan_id", loanID, "succeeded", succeeded, "parts", len(parts))
		return nil
	}
}

// disbursedTx dates the schedule from the actual disbursement day and
// appends the disbursement evidence: the hash of the parts as paid.
func disbursedTx(ctx context.Context, tx *mysql.Tx, l loan.Loan, parts []disbursement.Part) error {
	if err := redateTx(ctx, tx, l, lending.ShanghaiDate(tx.Now())); err != nil {
		return err
	}
	type paid struct {
		OutBillNo      string    `json:"out_bill_no"`
		TransferBillNo string    `json:"transfer_bill_no"`
		AmountFen      money.Fen `json:"amount_fen"`
	}
	doc := struct {
		LoanID int64  `json:"loan_id"`
		Parts  []paid `json:"parts"`
	}{LoanID: l.ID}
	for _, p := range parts {
		doc.Parts = append(doc.Parts, paid{p.OutBillNo, p.TransferBillNo, p.AmountFen})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	_, err = tx.AppendEvidence(ctx, evidence.Disbursement, "loan:"+strconv.FormatInt(l.ID, 10), hex.EncodeToString(sum[:]))
	return err
}

// redateTx moves the schedule's due dates to count from the day the money
// arrived (same day of month, clamped, never chained). Amounts do not
// depend on the start date (monthly periods), so they stay exactly as
// signed; only the dates move.
func redateTx(ctx context.Context, tx *mysql.Tx, l loan.Loan, start lending.Date) error {
	q := l.Quote
	if q.StartDate == start {
		return nil
	}
	q.StartDate = start
	q.Installments = append([]lending.Installment(nil), q.Installments...)
	for i := range q.Installments {
		q.Installments[i].DueDate = start.AddMonthsClamped(q.Installments[i].Seq)
	}
	return tx.SetSchedule(ctx, l.ID, q)
}
