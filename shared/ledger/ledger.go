// Package ledger is wxlend's double-entry book: every money movement is one
// immutable transaction of two or more entries that sum to zero, identified
// by an idempotency key made before the movement happens. Corrections are
// compensating transactions, never edits. Storage (MySQL) keeps a balance
// per account equal to the sum of its entries; Verify proves both
// invariants over the whole book.
//
// Sign convention: an entry's AmountFen is positive for a debit and
// negative for a credit. Asset and expense accounts therefore carry
// positive (debit) balances; liability, income and equity accounts carry
// negative (credit) balances.
package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/money"
)

// Type is an account's class.
type Type string

// Account classes.
const (
	Asset     Type = "asset"
	Liability Type = "liability"
	Income    Type = "income"
	Expense   Type = "expense"
	Equity    Type = "equity"
)

// Account names a ledger account. The chart of accounts (chart.go) makes
// every account wxlend uses; an unknown name is refused.
type Account string

// Entry is one leg of a transaction.
type Entry struct {
	Account   Account   `json:"account"`
	AmountFen money.Fen `json:"amount_fen"` // + debit, − credit
}

// Transaction is a balanced set of entries posted atomically.
type Transaction struct {
	Key      string  `json:"key"`  // idempotency key, made and stored before the movement
	Kind     string  `json:"kind"` // disbursement, repayment, refund, write_off, reversal, ...
	Entries  []Entry `json:"entries"`
	Reverses string  `json:"reverses,omitempty"` // key of the transaction this one compensates
}

// Limits (TIGER_STYLE: a limit on everything).
const (
	MaxEntries = 64
	MaxKeyLen  = 128
)

// Validate checks a transaction before it is posted; nothing is written.
// Transactions are built by our own code, never from a caller's input, so
// every refusal is a bug (apierr.Bug: internal, detail in the log only).
func (t Transaction) Validate() error {
	switch {
	case t.Key == "" || len(t.Key) > MaxKeyLen:
		return apierr.Bug("ledger transaction %q needs an idempotency key of 1-%d bytes", t.Key, MaxKeyLen)
	case t.Kind == "":
		return apierr.Bug("ledger transaction %s needs a kind", t.Key)
	case len(t.Entries) < 2 || len(t.Entries) > MaxEntries:
		return apierr.Bug("ledger transaction %s has %d entries, not 2-%d", t.Key, len(t.Entries), MaxEntries)
	}
	var sum money.Fen
	for _, e := range t.Entries {
		if e.AmountFen == 0 {
			return apierr.Bug("ledger transaction %s has an entry of zero on %s", t.Key, e.Account)
		}
		if _, err := Classify(e.Account); err != nil {
			return err
		}
		if (e.AmountFen > 0 && sum > money.Fen(1<<62)) || (e.AmountFen < 0 && sum < -money.Fen(1<<62)) {
			return apierr.Bug("ledger transaction %s: amounts too large", t.Key)
		}
		sum += e.AmountFen
	}
	if sum != 0 {
		return apierr.Bug("ledger transaction %s does not balance: %d", t.Key, sum)
	}
	return nil
}

// Hash identifies the content of t, so a replay of the key with other
// content is told apart from a retry (formance's idempotency rule).
func (t Transaction) Hash() string {
	es := append([]Entry(nil), t.Entries...)
	sort.Slice(es, func(i, j int) bool {
		if es[i].Account != es[j].Account {
			return es[i].Account < es[j].Account
		}
		return es[i].AmountFen < es[j].AmountFen
	})
	var b strings.Builder
	b.WriteString(t.Kind + "\n" + t.Reverses + "\n")
	for _, e := range es {
		b.WriteString(string(e.Account) + "=" + strconv.FormatInt(int64(e.AmountFen), 10) + "\n")
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// Reversal is the compensating transaction of t under key.
func Reversal(t Transaction, key string) Transaction {
	r := Transaction{Key: key, Kind: "reversal", Reverses: t.Key}
	for _, e := range t.Entries {
		r.Entries = append(r.Entries, Entry{Account: e.Account, AmountFen: -e.AmountFen})
	}
	return r
}

// Debit is an entry debiting a by amount (amount > 0).
func Debit(a Account, amount money.Fen) Entry { return Entry{Account: a, AmountFen: amount} }

// Credit is an entry crediting a by amount (amount > 0).
func Credit(a Account, amount money.Fen) Entry { return Entry{Account: a, AmountFen: -amount} }
