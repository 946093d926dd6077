package ledger

import (
	"strconv"
	"strings"

	"github.com/wxlend/wxlend/shared/apierr"
)

// The chart of accounts. Per-loan receivables are named
// "loan:<id>:<component>"; per-merchant-account clearing is
// "channel:<mchid>:clearing" (money at WeChat Pay: disbursements take from
// it, repayments arrive in it) and "funding:<mchid>" (the lender's capital
// moved there). Lender-wide accounts are fixed names.
const (
	InterestIncome Account = "income:interest"
	FeeIncome      Account = "income:fee"
	PenaltyIncome  Account = "income:penalty"
	RefundsPayable Account = "liability:refunds_payable"
	Suspense       Account = "liability:suspense"
	WriteOff       Account = "expense:write_off"
)

// Receivable components of a loan.
const (
	Principal = "principal"
	Interest  = "interest"
	Fee       = "fee"
	Penalty   = "penalty"
)

// LoanAccount is a loan's receivable of one component.
func LoanAccount(loanID int64, component string) Account {
	return Account("loan:" + strconv.FormatInt(loanID, 10) + ":" + component)
}

// Clearing is the balance held at one merchant account.
func Clearing(mchID string) Account { return Account("channel:" + mchID + ":clearing") }

// Funding is the lender's capital put into one merchant account.
func Funding(mchID string) Account { return Account("funding:" + mchID) }

// Hot reports an account that postings of many loans touch (every account
// but a loan's receivables): its balance is kept in shards so concurrent
// postings do not queue on one row (shared/mysql/ledger.go).
func Hot(a Account) bool { return !strings.HasPrefix(string(a), "loan:") }

// Classify returns the class of a, or invalid_argument for a name outside
// the chart.
func Classify(a Account) (Type, error) {
	switch a {
	case InterestIncome, FeeIncome, PenaltyIncome:
		return Income, nil
	case RefundsPayable, Suspense:
		return Liability, nil
	case WriteOff:
		return Expense, nil
	}
	parts := strings.Split(string(a), ":")
	switch {
	case len(parts) == 3 && parts[0] == "loan" && isID(parts[1]) && isComponent(parts[2]):
		return Asset, nil
	case len(parts) == 3 && parts[0] == "channel" && isMch(parts[1]) && parts[2] == "clearing":
		return Asset, nil
	case len(parts) == 2 && parts[0] == "funding" && isMch(parts[1]):
		return Equity, nil
	}
	return "", apierr.Bug("account %s is not in the chart of accounts", a)
}

func isID(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > 0 && strconv.FormatInt(n, 10) == s
}

func isComponent(s string) bool {
	return s == Principal || s == Interest || s == Fee || s == Penalty
}

func isMch(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
