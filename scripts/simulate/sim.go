package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/journey"
	"github.com/wxlend/wxlend/scripts/internal/vintage"
	"github.com/wxlend/wxlend/shared/api/apitest"
)

// The business day's timeline (Shanghai): close of business after
// midnight, borrowing and paying in the morning, reminders through the day
// and once at 23:00, when the window must keep them back.
var (
	cobAt      = 30 * time.Minute
	businessAt = 9 * time.Hour
	remindAt   = []time.Duration{10 * time.Hour, 13 * time.Hour, 20 * time.Hour, 23 * time.Hour}
)

type sim struct {
	base  string
	rng   *rand.Rand
	began time.Time
	book  []*borrower
}

// loanView is what the simulator reads of GET /v1/loans/detail/{id}.
type loanView struct {
	Status     string `json:"status"`
	DPD        int    `json:"dpd"`
	OverdueFen int64  `json:"overdue_fen"`
	PenaltyFen int64  `json:"penalty_fen"`
	Bill       *struct {
		AsOf         string `json:"as_of"`
		DueNowFen    int64  `json:"due_now_fen"`
		Installments []struct {
			Seq     int    `json:"seq"`
			DueDate string `json:"due_date"`
			State   string `json:"state"`
		} `json:"installments"`
		Totals struct {
			Scheduled   amounts `json:"scheduled"`
			Outstanding amounts `json:"outstanding"`
		} `json:"totals"`
	} `json:"bill"`
}

type amounts struct {
	PrincipalFen int64 `json:"principal_fen"`
	InterestFen  int64 `json:"interest_fen"`
	FeeFen       int64 `json:"fee_fen"`
	PenaltyFen   int64 `json:"penalty_fen"`
}

// day plays one business day; on the last only the close of business runs
// (the checks read the book right after it).
func (s *sim) day(ctx context.Context, date time.Time, last bool) error {
	idx := int(date.Sub(simStart).Hours() / 24)
	if err := s.at(date.Add(cobAt)); err != nil {
		return err
	}
	if err := s.fire("job-cob"); err != nil {
		return err
	}
	if last {
		return nil
	}
	if err := s.at(date.Add(businessAt)); err != nil {
		return err
	}
	for _, b := range s.book {
		if b.startDay == idx && b.loanID == 0 {
			if err := s.borrow(ctx, b); err != nil {
				return fmt.Errorf("borrower %d: %w", b.i, err)
			}
		}
	}
	for _, b := range s.book {
		if err := s.pay(ctx, b, date.Format(time.DateOnly)); err != nil {
			return fmt.Errorf("borrower %d pays: %w", b.i, err)
		}
	}
	for _, t := range remindAt {
		if err := s.at(date.Add(t)); err != nil {
			return err
		}
		if err := s.fire("job-remind"); err != nil {
			return err
		}
	}
	if date.AddDate(0, 0, 1).Day() == 1 {
		return s.observe(ctx, date)
	}
	return nil
}

// borrow onboards b and takes their loan (approved, signed, disbursed).
func (s *sim) borrow(ctx context.Context, b *borrower) error {
	id, card, err := identity(b.i)
	if err != nil {
		return err
	}
	b.c = apitest.New(s.base)
	b.c.FromIP(apitest.LoopbackIP(b.i))
	limit, err := journey.Approve(ctx, b.c, b.user, "王小明", id, card, b.phone)
	if err != nil {
		return err
	}
	if b.loanID, err = journey.Borrow(ctx, b.c, s.base, io.Discard, min(limit, loanAmountFen), b.termMonth); err != nil {
		return err
	}
	var l loanView
	if err := journey.GetJSON(ctx, b.c, apitest.LoanPath("detail", b.loanID), &l); err != nil {
		return err
	}
	if l.Bill == nil || len(l.Bill.Installments) == 0 {
		return fmt.Errorf("loan %d has no bill", b.loanID)
	}
	b.cohort = l.Bill.AsOf[:7]
	for _, in := range l.Bill.Installments {
		b.dueDates = append(b.dueDates, in.DueDate)
	}
	b.schedulePayments()
	return nil
}

// pay makes b's payment of the day, if their behaviour pays today and
// anything is due.
func (s *sim) pay(ctx context.Context, b *borrower, date string) error {
	pay, half := b.paysOn(date)
	if b.loanID == 0 || b.settled || !pay {
		return nil
	}
	var l loanView
	if err := journey.GetJSON(ctx, b.c, apitest.LoanPath("detail", b.loanID), &l); err != nil {
		return err
	}
	if l.Status == "settled" || l.Bill == nil || l.Bill.DueNowFen == 0 {
		b.settled = l.Status == "settled"
		return nil
	}
	kind, amount := "due", int64(0)
	if half {
		kind, amount = "amount", max(1, l.Bill.DueNowFen/2)
	}
	if _, err := journey.Pay(ctx, b.c, s.base, io.Discard, b.loanID, kind, amount); err != nil {
		var now loanView
		_ = journey.GetJSON(ctx, b.c, apitest.LoanPath("detail", b.loanID), &now)
		return fmt.Errorf("loan %d (%s, behaviour %s, due now %d fen; now %s): %w", b.loanID, l.Status, b.kind, l.Bill.DueNowFen, now.Status, err)
	}
	b.payments++
	return nil
}

// observe records every loan's days past due at the end of a calendar
// month, at its month on book.
func (s *sim) observe(ctx context.Context, monthEnd time.Time) error {
	for _, b := range s.book {
		if b.loanID == 0 {
			continue
		}
		var l loanView
		if err := journey.GetJSON(ctx, b.c, apitest.LoanPath("detail", b.loanID), &l); err != nil {
			return err
		}
		b.settled = l.Status == "settled"
		mob := monthsBetween(b.cohort, monthEnd.Format("2006-01"))
		for len(b.dpdByMOB) <= mob {
			b.dpdByMOB = append(b.dpdByMOB, 0)
		}
		b.dpdByMOB[mob] = l.DPD
	}
	return nil
}

func monthsBetween(from, to string) int {
	f, _ := time.Parse("2006-01", from)
	t, _ := time.Parse("2006-01", to)
	return (t.Year()-f.Year())*12 + int(t.Month()-f.Month())
}

func (s *sim) vintageLoans() []vintage.Loan {
	var out []vintage.Loan
	for _, b := range s.book {
		if b.loanID != 0 && len(b.dpdByMOB) > 0 {
			out = append(out, vintage.Loan{Cohort: b.cohort, DPDByMOB: b.dpdByMOB})
		}
	}
	return out
}

func (s *sim) progress(d, days int) {
	var borrowed, settled, payments int
	for _, b := range s.book {
		if b.loanID != 0 {
			borrowed++
		}
		if b.settled {
			settled++
		}
		payments += b.payments
	}
	fmt.Printf("day %3d/%d %s: %d/%d borrowed, %d settled, %d payments (%s)\n", d, days,
		simStart.AddDate(0, 0, d).Format(time.DateOnly), borrowed, len(s.book), settled, payments, time.Since(s.began).Round(time.Second))
}

// at sets the shared business clock (it only moves forward).
func (s *sim) at(t time.Time) error {
	return s.post("/_local/clock", map[string]string{"now": t.Format(time.RFC3339)})
}

// fire runs a timer function now and waits for it.
func (s *sim) fire(function string) error { return s.post("/_local/timers/"+function, nil) }

func (s *sim) post(path string, body any) error {
	b, _ := json.Marshal(body)
	resp, err := http.Post(s.base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, msg)
	}
	return nil
}

func (s *sim) getJSON(path string, v any) error {
	resp, err := http.Get(s.base + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, msg)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
