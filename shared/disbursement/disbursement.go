// Package disbursement holds a loan's disbursement as the domain sees it:
// the net amount is paid in parts, each part by a transfer with its own
// number (out_bill_no), and a part whose number WeChat Pay proved dead is
// paid by a later attempt under a new number. It says which part states
// are final and which attempts decide the disbursement; storing parts
// (mysql) and moving money (payments) build on it.
package disbursement

import (
	"slices"
	"time"

	"github.com/wxlend/wxlend/shared/money"
)

// Part states: WeChat Pay's transfer states (ACCEPTED, PROCESSING,
// WAIT_USER_CONFIRM, TRANSFERING, SUCCESS, FAIL, CANCELING, CANCELLED) as
// it reports them, plus our own CREATING (stored, not yet sent), UNKNOWN
// (sent, outcome unknown: query, never a new number) and REROUTED (WeChat
// Pay refused to create it and a query proved it does not exist; a later
// attempt on another merchant replaces it, and this number is never sent
// again).
const (
	Creating  = "CREATING"
	Unknown   = "UNKNOWN"
	Rerouted  = "REROUTED"
	Success   = "SUCCESS"
	Fail      = "FAIL"
	Cancelled = "CANCELLED"
)

// MaxPartFen is the largest single transfer (20000.00 CNY): a larger
// disbursement is split into parts of at most this much.
const MaxPartFen money.Fen = 2_000_000

// finalStates are the states a part never leaves.
var finalStates = []string{Success, Fail, Cancelled, Rerouted}

// FinalStates lists the states a part never leaves (storage turns it into
// its conditional updates, so the two cannot disagree).
func FinalStates() []string { return slices.Clone(finalStates) }

// Final reports whether a part in state can no longer change.
func Final(state string) bool { return slices.Contains(finalStates, state) }

// Part is one attempt at one transfer of a loan's disbursement.
type Part struct {
	LoanID         int64
	PartNo         int
	AttemptNo      int // 1 for the first number of a part
	OutBillNo      string
	MchID          string
	AmountFen      money.Fen
	State          string
	TransferBillNo string
	PackageInfo    string
	FailReason     string
	Attempts       int       // calls made with this number
	NotBefore      time.Time // not sent before this time; zero: at once
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Held reports whether p may not be sent yet at now.
func (p Part) Held(now time.Time) bool { return now.Before(p.NotBefore) }

// Current keeps the last attempt of each part from rows ordered by part
// and attempt (as storage returns a loan's parts): the attempts that
// decide the disbursement; earlier numbers are history.
func Current(rows []Part) []Part {
	var out []Part
	for i, p := range rows {
		if i+1 < len(rows) && rows[i+1].PartNo == p.PartNo {
			continue
		}
		out = append(out, p)
	}
	return out
}
