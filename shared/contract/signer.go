package contract

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// SignatureKeyword is the text after which the borrower's signature goes.
// Every template contains it exactly once, on its last lines, and the e-sign
// adapter places the signature field by finding it in the document
// (keyword positioning), so templates may change length freely.
const SignatureKeyword = "借款人（签名）："

// Signer starts the borrower's signing of a rendered contract with an
// e-sign service (Tencent Cloud ESS in production, its local fake in
// development). The outcome arrives later as a FlowEvent (callback) or from
// FlowStatuses (polling, for callbacks that never came).
type Signer interface {
	// StartSigning uploads the rendered document, creates a signing flow for
	// the borrower (person, identity verified) and returns the flow id and a
	// mini-program signing link. It is not idempotent: the caller stores the
	// flow id and calls it once per contract; a flow orphaned by a crash
	// before that store is never shown to anyone and expires at Deadline.
	// Errors: invalid_argument for a malformed request (a bug upstream),
	// unavailable when the service fails or cannot be reached.
	StartSigning(ctx context.Context, req SignRequest) (SignFlow, error)
}

// FlowStatuser reads the state of signing flows, for the sweeper that
// settles contracts whose callback was lost or refused.
type FlowStatuser interface {
	// FlowStatuses returns the status of each known flow id (unknown ids
	// are absent from the map). Errors: unavailable.
	FlowStatuses(ctx context.Context, flowIDs []string) (map[string]SignStatus, error)
}

// SignRequest is one contract to sign. The signer's name, mobile and ID
// number are plaintext here because the e-sign service verifies the real
// identity; they live only in memory, and String, GoString and LogValue
// print them masked so an accidental log line leaks nothing.
type SignRequest struct {
	ContractNo     string
	FileName       string // e.g. "借款合同-C2026....pdf"; the adapter fixes the extension
	PDFOrText      []byte // a PDF (starts with %PDF-) or the rendered UTF-8 contract text
	SignerName     string
	SignerMobile   string
	SignerIDNumber string
	Deadline       time.Time // the flow expires unsigned after this instant
	UserData       string    // echoed in callbacks: our contract id; no PII
}

// String is the request with the signer's identity hidden.
func (r SignRequest) String() string {
	return fmt.Sprintf("SignRequest{ContractNo:%s FileName:%s Bytes:%d Signer:<redacted> Deadline:%s UserData:%s}",
		r.ContractNo, r.FileName, len(r.PDFOrText), r.Deadline.UTC().Format(time.RFC3339), r.UserData)
}

// GoString is String, so %#v does not bypass the redaction.
func (r SignRequest) GoString() string { return r.String() }

// LogValue keeps slog from printing the identity fields.
func (r SignRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("contract_no", r.ContractNo), slog.String("file_name", r.FileName),
		slog.Int("bytes", len(r.PDFOrText)), slog.Time("deadline", r.Deadline), slog.String("user_data", r.UserData))
}

// SignFlow is a started signing flow: the service's flow id (store it) and
// the link the mini-program opens (for ESS a mini-program jump path).
type SignFlow struct {
	FlowID  string
	SignURL string
}

// SignStatus is where a signing flow stands.
type SignStatus string

// Statuses of a signing flow. Signed, Rejected, Expired and Cancelled are
// final; Pending is not; Other is anything the service reports that wxlend
// has no meaning for (log it, change nothing).
const (
	SignPending   SignStatus = "pending"   // created, partly signed or waiting to be filled
	SignSigned    SignStatus = "signed"    // every party signed: the contract is in force
	SignRejected  SignStatus = "rejected"  // the borrower refused to sign
	SignExpired   SignStatus = "expired"   // the deadline passed unsigned
	SignCancelled SignStatus = "cancelled" // withdrawn by us, invalidated or rescinded by the service
	SignOther     SignStatus = "other"
)

// Final reports whether the status can no longer change.
func (s SignStatus) Final() bool {
	switch s {
	case SignSigned, SignRejected, SignExpired, SignCancelled:
		return true
	}
	return false
}

// FlowEvent is one verified callback from the e-sign service. Deliveries
// repeat (same MsgID) and may arrive out of order: apply them idempotently,
// keyed by FlowID, and never move a final status.
type FlowEvent struct {
	MsgID          string
	MsgType        string // e.g. "FlowStatusChange"; other types carry Status SignOther
	FlowID         string
	Status         SignStatus
	ProviderStatus int       // the service's own status code, for logs
	UserData       string    // what SignRequest.UserData was; empty for flows not started by wxlend
	OccurredAt     time.Time // when the service changed the flow (receipt time if it did not say)
}
