package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/api/apitest"
)

// Behaviours of a borrower towards each installment.
const (
	OnTime  = "on_time" // pays on the due date
	Late    = "late"    // pays everything due lateDays after each due date
	Partial = "partial" // pays half of what is due on each due date, never the rest
	Never   = "never"   // never pays
)

// behaviourMix is the seeded share of each behaviour, in percent.
var behaviourMix = []struct {
	kind    string
	percent int
}{{OnTime, 70}, {Late, 15}, {Partial, 8}, {Never, 7}}

// Limits of the seeded loans.
const (
	maxLateDays   = 45
	loanAmountFen = 100_000 // 1,000.00 CNY, within the lowest approving band
)

// borrower is one simulated person and their one loan.
type borrower struct {
	i         int
	user      string
	phone     string
	kind      string
	lateDays  int
	termMonth int
	startDay  int // days after simStart when they borrow
	c         *apitest.Client

	loanID   int64
	cohort   string     // disbursement month, "2027-01"
	dueDates []string   // YYYY-MM-DD, from the bill
	payDays  [][]string // per installment: the days this borrower pays on
	settled  bool
	dpdByMOB []int
	payments int
}

// plan seeds the book: behaviours, terms and start days spread over the
// first half of the run (so cohorts have months on book to show).
func plan(cfg config, rng *rand.Rand) []*borrower {
	spread := max(1, cfg.Months*30/2)
	book := make([]*borrower, cfg.Borrowers)
	for i := range book {
		b := &borrower{i: i, user: fmt.Sprintf("sim%d", i), phone: fmt.Sprintf("1391%07d", i+1),
			termMonth: []int{3, 6}[rng.IntN(2)], startDay: rng.IntN(spread)}
		roll, acc := rng.IntN(100), 0
		for _, m := range behaviourMix {
			if acc += m.percent; roll < acc {
				b.kind = m.kind
				break
			}
		}
		if b.kind == Late {
			b.lateDays = 1 + rng.IntN(maxLateDays)
		}
		book[i] = b
	}
	return book
}

// identity is borrower i's ID number (an approving fixture: gateway.DevID
// with '9'), born 1980-1994 so every product age window admits them, and
// a Luhn-valid card.
func identity(i int) (id, card string, err error) {
	stem := fmt.Sprintf("110105%04d%02d%02d", 1980+(i/336)%15, i%12+1, (i/12)%28+1)
	id, err = gateway.DevID(stem, '9')
	return id, gateway.DevCard(fmt.Sprintf("6217000000%08d", i)), err
}

// schedulePayments fixes the days b pays on, from the installments' due
// dates: on time on the due date; late k days after it; partial on it;
// never not at all.
func (b *borrower) schedulePayments() {
	b.payDays = make([][]string, len(b.dueDates))
	for k, due := range b.dueDates {
		d, _ := time.ParseInLocation(time.DateOnly, due, shanghai)
		switch b.kind {
		case OnTime, Partial:
			b.payDays[k] = []string{due}
		case Late:
			b.payDays[k] = []string{d.AddDate(0, 0, b.lateDays).Format(time.DateOnly)}
		}
	}
}

// paysOn reports whether b pays on date, and how (kind due, or half of it).
func (b *borrower) paysOn(date string) (pay, half bool) {
	for _, days := range b.payDays {
		for _, d := range days {
			if d == date {
				return true, b.kind == Partial
			}
		}
	}
	return false, false
}
