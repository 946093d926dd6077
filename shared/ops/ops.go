// Package ops is the operations queue: everything that needs a person.
// An Item is created in the same transaction as the state it describes
// (mysql.Tx.AddOpsItem), once per DedupeKey; the back office moves it
// open → resolved | dismissed and records who and how.
package ops

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/wxlend/wxlend/shared/money"
)

// Kind is what needs a person.
type Kind string

// Kinds of items.
const (
	ReconBreak       Kind = "recon_break"       // a reconciliation difference no query could explain
	PartlyPaid       Kind = "partly_paid"       // a disbursement whose parts ended part SUCCESS, part FAIL
	TransferVanished Kind = "transfer_vanished" // WeChat Pay no longer knows a transfer it accepted
	TransferRefused  Kind = "transfer_refused"  // a create refused and the number proved unknown
	TransferNoRoute  Kind = "transfer_no_route" // a part's merchant account is no longer configured
	ConflictingFinal Kind = "conflicting_final" // a final state contradicted by another final state
	RefundNotPaid    Kind = "refund_not_paid"   // a refund CLOSED or ABNORMAL: the money is still owed
	RiskReview       Kind = "risk_review"       // a credit application the rules sent to a person
	BillRefused      Kind = "bill_refused"      // a bill file refused (hash, format, merchant)
)

// States of an item.
const (
	Open      = "open"
	Resolved  = "resolved"
	Dismissed = "dismissed"
)

// Subject types.
const (
	SubjectDisbursement = "disbursement"
	SubjectLoan         = "loan"
	SubjectRefund       = "refund"
	SubjectApplication  = "application"
	SubjectBill         = "bill"
)

// Item is one entry of the queue.
type Item struct {
	ID          int64
	Kind        Kind
	SubjectType string
	SubjectID   string
	DedupeKey   string
	AmountFen   money.Fen
	MovesMoney  bool
	Reason      string
	Evidence    map[string]any
	State       string
}

// ReasonLen is the width of the reason column.
const ReasonLen = 255

// New is an item on subject (type, id) deduplicated on kind:type:id.
func New(kind Kind, subjectType, subjectID, reason string, amount money.Fen, evidence map[string]any) Item {
	return Item{Kind: kind, SubjectType: subjectType, SubjectID: subjectID, DedupeKey: string(kind) + ":" + subjectType + ":" + subjectID,
		AmountFen: amount, MovesMoney: amount != 0, Reason: reason, Evidence: evidence}
}

// ForApplication is the review item of a credit application.
func ForApplication(applicationID, userID int64, reasons any) Item {
	id := strconv.FormatInt(applicationID, 10)
	it := New(RiskReview, SubjectApplication, id, "credit application needs a manual review", 0,
		map[string]any{"user_id": userID, "reasons": reasons})
	it.DedupeKey = "review:" + id
	return it
}

// EvidenceJSON is the evidence as stored (an empty object when none).
func (it Item) EvidenceJSON() (string, error) {
	if it.Evidence == nil {
		return "{}", nil
	}
	b, err := json.Marshal(it.Evidence)
	if err != nil {
		return "", fmt.Errorf("ops item evidence: %w", err)
	}
	return string(b), nil
}

// Valid reports whether it can be stored.
func (it Item) Valid() error {
	switch {
	case it.Kind == "" || it.SubjectType == "" || it.SubjectID == "" || it.DedupeKey == "":
		return fmt.Errorf("ops item: kind, subject and dedupe key are required")
	case it.Reason == "":
		return fmt.Errorf("ops item %s: a reason is required", it.DedupeKey)
	}
	return nil
}

// Truncate cuts s to n bytes on a rune boundary.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
