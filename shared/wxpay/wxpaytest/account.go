package wxpaytest

import "time"

// The merchant's operating account (运营账户) that pays transfers. By
// default it is unlimited; SetBalance and SetDayQuota make the fake refuse
// as WeChat Pay does when money or the merchant's daily limit runs out:
// 403 NOT_ENOUGH and 400 INVALID_REQUEST "超出商户单日转账额度", in both
// cases before any bill is created. A created bill takes its amount from
// the balance and gives it back when it ends FAIL or CANCELLED.

type account struct {
	limited  bool
	balance  int64
	quota    int64 // 0: none
	usedDay  string
	usedFen  int64
	refusals int
}

// SetBalance sets the operating account's balance in fen; a negative
// amount makes it unlimited again (the default).
func (f *Fake) SetBalance(fen int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.account.limited, f.account.balance = fen >= 0, max(fen, 0)
}

// Balance returns the operating account's balance and whether it is
// limited at all.
func (f *Fake) Balance() (fen int64, limited bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.account.balance, f.account.limited
}

// SetDayQuota sets the merchant's daily transfer limit in fen (0: none).
func (f *Fake) SetDayQuota(fen int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.account.quota = max(fen, 0)
}

// debit takes a new bill's amount, or says why WeChat Pay would refuse it
// (f.mu held).
func (f *Fake) debit(amount int64, now time.Time) *apiError {
	a := &f.account
	day := now.In(shanghai).Format(time.DateOnly)
	if a.usedDay != day {
		a.usedDay, a.usedFen = day, 0
	}
	switch {
	case a.quota > 0 && a.usedFen+amount > a.quota:
		a.refusals++
		return apiErr("INVALID_REQUEST", "超出商户单日转账额度")
	case a.limited && amount > a.balance:
		a.refusals++
		return apiErr("NOT_ENOUGH", "运营账户资金不足")
	}
	a.usedFen += amount
	if a.limited {
		a.balance -= amount
	}
	return nil
}

// credit gives a failed or cancelled bill's amount back (f.mu held).
func (f *Fake) credit(t *transfer) {
	if f.account.limited {
		f.account.balance += t.AmountFen
	}
	if t.CreateTime.In(shanghai).Format(time.DateOnly) == f.account.usedDay {
		f.account.usedFen -= t.AmountFen
	}
}
