package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"

	"github.com/wxlend/wxlend/shared/disbursement"
	"github.com/wxlend/wxlend/shared/evidence"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/ops"
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
	// review is queued for a person with the state change (a refused
	// create that ends the part as FAIL).
	review *ops.Item
}

func billUpdate(no string, b wxpay.TransferBill, _ bool) update {
	return update{OutBillNo: no, State: b.State, TransferBillNo: b.TransferBillNo, PackageInfo: b.PackageInfo,
		FailReason: b.FailReason, AmountFen: b.AmountFen}
}

// apply records u once: the loan's parts are locked in order, a final
// part never changes again, and the part that completes the set moves the
// loan (active, or cancelled when every part failed) in the same
// transaction. What is worth a log line is logged once it committed.
func apply(ctx context.Context, d Deps, u update) error {
	if u.OutBillNo == "" || u.State == "" {
		return ErrUnknownBill
	}
	p0, err := d.store().ByBillNo(ctx, u.OutBillNo)
	if err != nil {
		return ErrUnknownBill
	}
	var out outcome
	err = mysql.InTx(ctx, d.DB, d.Clock.Now(), func(tx *mysql.Tx) error {
		var err error
		out, err = applyTx(ctx, tx, d, p0.LoanID, u)
		return err
	})
	if err == nil {
		out.log(d.Log, u)
	}
	return err
}

// outcome is what applying an update did that a person should hear of.
type outcome struct {
	conflict   *disbursement.Part // final already, and u says another final state
	retry      *disbursement.Part // the attempt that follows a failed bill
	partlyPaid *settled           // the last part ended a disbursement paid in part
}

func (o outcome) log(l *slog.Logger, u update) {
	if p := o.conflict; p != nil {
		l.Error("transfer: conflicting final states; queued for review", "out_bill_no", p.OutBillNo, "stored", p.State, "got", u.State)
	}
	if r := o.retry; r != nil {
		l.Warn("disburse: failed transfer retried under a new number", "from", u.OutBillNo, "to", r.OutBillNo,
			"reason", truncate(u.FailReason, reasonLen), "mch_id", r.MchID)
	}
	if m := o.partlyPaid; m != nil {
		l.Error("disbursement partly paid; queued for review", "loan_id", m.loanID, "succeeded", m.succeeded, "parts", m.parts)
	}
}

// applyTx is apply's transaction: find and check the part, record the
// notification, update the part, then settle it if it became final.
func applyTx(ctx context.Context, tx *mysql.Tx, d Deps, loanID int64, u update) (outcome, error) {
	parts, i, err := lockPart(ctx, tx, loanID, u)
	if err != nil {
		return outcome{}, err
	}
	if u.NotificationID != "" {
		fresh, err := tx.RecordNotification(ctx, u.NotificationID, u.EventType, u.OutBillNo)
		if err != nil || !fresh {
			return outcome{}, err
		}
	}
	p := parts[i]
	if disbursement.Final(p.State) {
		if u.State != p.State && wxpay.TransferFinal(u.State) {
			_, err := tx.AddOpsItem(ctx, ops.New(ops.ConflictingFinal, ops.SubjectDisbursement, p.OutBillNo,
				"transfer: conflicting final states", p.AmountFen, map[string]any{"stored": p.State, "got": u.State, "mch_id": p.MchID}))
			return outcome{conflict: &p}, err
		}
		return outcome{}, nil
	}
	next := updated(p, u)
	if next == p {
		return outcome{}, nil
	}
	if _, err := tx.UpdatePart(ctx, next); err != nil {
		return outcome{}, err
	}
	if u.review != nil {
		if _, err := tx.AddOpsItem(ctx, *u.review); err != nil {
			return outcome{}, err
		}
	}
	parts[i] = next
	if !disbursement.Final(next.State) {
		return outcome{}, nil
	}
	return settlePart(ctx, tx, d, parts, i)
}

// lockPart locks the loan's parts and finds u's among them; an update
// whose amount or merchant is not the part's changes nothing.
func lockPart(ctx context.Context, tx *mysql.Tx, loanID int64, u update) ([]disbursement.Part, int, error) {
	parts, err := tx.LockParts(ctx, loanID)
	if err != nil {
		return nil, 0, err
	}
	i := indexOf(parts, u.OutBillNo)
	switch {
	case i < 0:
		return nil, 0, ErrUnknownBill
	case u.AmountFen != 0 && u.AmountFen != parts[i].AmountFen:
		return nil, 0, ErrAmountMismatch
	case u.MchID != "" && u.MchID != parts[i].MchID:
		return nil, 0, ErrWrongMerchant
	}
	return parts, i, nil
}

// updated is p as u describes it; what u does not carry stays.
func updated(p disbursement.Part, u update) disbursement.Part {
	p.State = u.State
	if u.TransferBillNo != "" {
		p.TransferBillNo = u.TransferBillNo
	}
	if u.PackageInfo != "" {
		p.PackageInfo = u.PackageInfo
	}
	p.FailReason = truncate(u.FailReason, reasonLen)
	return p
}

// settlePart books parts[i], which just became final: SUCCESS is posted;
// FAIL may be followed by a new attempt (retryAfterFail), stored now; then
// the loan moves if every part is final.
func settlePart(ctx context.Context, tx *mysql.Tx, d Deps, parts []disbursement.Part, i int) (outcome, error) {
	p := parts[i]
	var out outcome
	switch p.State {
	case disbursement.Success:
		if err := postPartTx(ctx, tx, p); err != nil {
			return out, err
		}
	case disbursement.Fail:
		retry, ok, err := retryAfterFail(ctx, tx, d, parts, p)
		if err != nil {
			return out, err
		}
		if ok {
			if err := tx.InsertDisbursementParts(ctx, []disbursement.Part{retry}); err != nil {
				return out, err
			}
			out.retry = &retry
			parts = slices.Insert(parts, i+1, retry)
		}
	}
	var err error
	if out.partlyPaid, err = finishLoanTx(ctx, tx, p.LoanID, disbursement.Current(parts)); err != nil || out.partlyPaid == nil {
		return out, err
	}
	m := out.partlyPaid
	_, err = tx.AddOpsItem(ctx, ops.New(ops.PartlyPaid, ops.SubjectLoan, strconv.FormatInt(m.loanID, 10), "disbursement partly paid",
		m.paidFen, map[string]any{"succeeded": m.succeeded, "parts": m.parts, "first_fail_reason": m.firstFailReason}))
	return out, err
}

func indexOf(parts []disbursement.Part, no string) int {
	for i, p := range parts {
		if p.OutBillNo == no {
			return i
		}
	}
	return -1
}

// reasonLen is the width of the fail_reason, status_reason and
// merchant_routes.reason columns.
const reasonLen = 64

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

// settled counts a disbursement whose parts are all final.
type settled struct {
	loanID           int64
	succeeded, parts int
	paidFen          money.Fen
	firstFailReason  string
}

// finishLoanTx moves a disbursing loan once every part is final: all
// SUCCESS → active (upfront fee booked, evidence appended); none SUCCESS →
// cancelled with the credit released; a mix is left for a person
// (returned; settlePart queues it).
func finishLoanTx(ctx context.Context, tx *mysql.Tx, loanID int64, parts []disbursement.Part) (*settled, error) {
	s := settled{loanID: loanID, parts: len(parts)}
	for _, p := range parts {
		if !disbursement.Final(p.State) {
			return nil, nil
		}
		if p.State == disbursement.Success {
			s.succeeded++
			s.paidFen += p.AmountFen
		} else if s.firstFailReason == "" {
			s.firstFailReason = p.FailReason
		}
	}
	l, err := tx.LockLoan(ctx, loanID)
	if err != nil {
		return nil, fmt.Errorf("loan %d: %w", loanID, err)
	}
	if l.Status != loan.Disbursing {
		return nil, nil
	}
	switch s.succeeded {
	case s.parts:
		return nil, tx.Transition(ctx, disbursedTransition(ctx, l, parts))
	case 0:
		return nil, tx.Transition(ctx, mysql.Transition{LoanID: loanID, From: loan.Disbursing, To: loan.Cancelled,
			Reason: truncate("disbursement_failed:"+s.firstFailReason, reasonLen),
			Also:   func(tx *mysql.Tx) error { return tx.ReleaseCredit(ctx, l.UserID, l.Quote.AmountFen) }})
	default:
		return &s, nil
	}
}

// disbursedTransition is disbursing → active with the upfront fee booked
// (when the quote deducted one) and the schedule and evidence of
// disbursedTx.
func disbursedTransition(ctx context.Context, l loan.Loan, parts []disbursement.Part) mysql.Transition {
	t := mysql.Transition{LoanID: l.ID, From: loan.Disbursing, To: loan.Active, Reason: "disbursed",
		Also: func(tx *mysql.Tx) error { return disbursedTx(ctx, tx, l, parts) }}
	if q := l.Quote; q.UpfrontFeeDeducted && q.UpfrontFeeFen > 0 {
		t.Ledger = &ledger.Transaction{Key: "disbfee:" + strconv.FormatInt(l.ID, 10), Kind: "disbursement_fee", Entries: []ledger.Entry{
			{Account: ledger.LoanAccount(l.ID, ledger.Principal), AmountFen: q.UpfrontFeeFen},
			{Account: ledger.FeeIncome, AmountFen: -q.UpfrontFeeFen},
		}}
	}
	return t
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
