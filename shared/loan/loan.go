// Package loan holds the loan state machine (用信, 订单状态机): which
// status may follow which, decided by one table. Storage applies a
// transition as a conditional update in the same MySQL transaction as its
// ledger posting and its outbox message, so no illegal jump can happen
// whatever the concurrency: of any number of racing transitions from one
// status, exactly one wins.
package loan

import "fmt"

// Status of a loan.
type Status string

// Statuses (spec §3.7).
const (
	Applied    Status = "applied"    // created from a quote, contract not yet signed
	Signed     Status = "signed"     // contract signed, disbursement not started
	Disbursing Status = "disbursing" // transfer(s) in flight
	Active     Status = "active"     // money received, repaying
	Overdue    Status = "overdue"    // an installment is past due (after grace)
	Settled    Status = "settled"    // nothing owed
	Cancelled  Status = "cancelled"  // ended before money moved
	WrittenOff Status = "written_off"
)

// transitions is the whole state machine.
var transitions = map[Status][]Status{
	Applied:    {Signed, Cancelled},
	Signed:     {Disbursing, Cancelled},
	Disbursing: {Active, Cancelled}, // cancelled: the transfer finally failed, nothing moved
	Active:     {Overdue, Settled},
	Overdue:    {Active, Settled, WrittenOff},
	Settled:    {},
	Cancelled:  {},
	WrittenOff: {},
}

// Statuses lists every status.
func Statuses() []Status {
	return []Status{Applied, Signed, Disbursing, Active, Overdue, Settled, Cancelled, WrittenOff}
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// CanTransition reports whether from -> to is allowed.
func CanTransition(from, to Status) bool {
	for _, t := range transitions[from] {
		if t == to {
			return true
		}
	}
	return false
}

// Check returns an error for a transition the machine does not allow.
func Check(from, to Status) error {
	if !CanTransition(from, to) {
		return fmt.Errorf("loan: %s -> %s is not a transition", from, to)
	}
	return nil
}

// Final reports whether nothing can follow s.
func (s Status) Final() bool { return s.Valid() && len(transitions[s]) == 0 }

// HoldsCredit reports whether a loan in s holds part of the credit line
// (reserved at creation, released on cancel, restored as principal is repaid).
func (s Status) HoldsCredit() bool {
	return s == Applied || s == Signed || s == Disbursing || s == Active || s == Overdue
}
