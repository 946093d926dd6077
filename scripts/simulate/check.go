package main

import (
	"context"
	"fmt"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/journey"
)

// Bounds the checks hold the book to (the local stack's defaults).
const (
	rateCapBP       = 2400 // RATE_CAP_BP
	windowFromHour  = 8    // reminders only from 08:00 ...
	windowToHour    = 21   // ... to 21:00 Shanghai business time
	messagesPerDay  = 2    // per borrower per business day
	daysPerYear     = 365
	basisPointsUnit = 10_000
)

// check reads the book after the last close of business and reports every
// broken invariant.
func (s *sim) check(ctx context.Context) ([]string, error) {
	var bad []string
	add := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	var ledger struct {
		Balances   map[string]int64 `json:"balances"`
		Violations []any            `json:"violations"`
	}
	if err := s.getJSON("/_local/ledger", &ledger); err != nil {
		return nil, err
	}
	var sum int64
	for _, v := range ledger.Balances {
		sum += v
	}
	if sum != 0 || len(ledger.Violations) > 0 {
		add("ledger: balances sum to %d, verifier found %v", sum, ledger.Violations)
	}
	for _, b := range s.book {
		if b.loanID == 0 {
			continue
		}
		msgs, err := s.loanChecks(ctx, b)
		if err != nil {
			return nil, err
		}
		bad = append(bad, msgs...)
	}
	msgs, err := s.messageChecks()
	if err != nil {
		return nil, err
	}
	return append(bad, msgs...), nil
}

// loanChecks: the loan's status agrees with its installments; its cost
// with penalties stays under the cap; the credit line holds exactly the
// principal still owed.
func (s *sim) loanChecks(ctx context.Context, b *borrower) ([]string, error) {
	var bad []string
	var l loanView
	if err := journey.GetJSON(ctx, b.c, apitest.LoanPath("detail", b.loanID), &l); err != nil {
		return nil, err
	}
	if l.Bill == nil {
		return []string{fmt.Sprintf("loan %d: no bill", b.loanID)}, nil
	}
	overdue, paid := false, 0
	for _, in := range l.Bill.Installments {
		overdue = overdue || in.State == "overdue"
		if in.State == "paid" {
			paid++
		}
	}
	switch {
	case overdue != (l.Status == "overdue"):
		bad = append(bad, fmt.Sprintf("loan %d: status %s but an installment overdue is %v", b.loanID, l.Status, overdue))
	case (paid == len(l.Bill.Installments)) != (l.Status == "settled"):
		bad = append(bad, fmt.Sprintf("loan %d: status %s with %d of %d installments paid", b.loanID, l.Status, paid, len(l.Bill.Installments)))
	case overdue != (l.DPD > 0):
		bad = append(bad, fmt.Sprintf("loan %d: dpd %d but an installment overdue is %v", b.loanID, l.DPD, overdue))
	}
	sc := l.Bill.Totals.Scheduled
	start, _ := time.ParseInLocation(time.DateOnly, b.cohortDay(), shanghai)
	asOf, _ := time.ParseInLocation(time.DateOnly, l.Bill.AsOf, shanghai)
	days := int64(max(asOf.Sub(start).Hours()/24, float64(30*b.termMonth)))
	if ceiling := sc.PrincipalFen * rateCapBP * days / (daysPerYear * basisPointsUnit); sc.InterestFen+sc.FeeFen+sc.PenaltyFen > ceiling {
		bad = append(bad, fmt.Sprintf("loan %d: interest %d + fees %d + penalty %d fen exceed the cap's %d over %d days",
			b.loanID, sc.InterestFen, sc.FeeFen, sc.PenaltyFen, ceiling, days))
	}
	var line struct {
		UsedFen int64 `json:"used_fen"`
	}
	if err := journey.GetJSON(ctx, b.c, "/v1/credit/line", &line); err != nil {
		return nil, err
	}
	if owed := l.Bill.Totals.Outstanding.PrincipalFen; l.Status != "settled" && line.UsedFen != owed || l.Status == "settled" && line.UsedFen != 0 {
		bad = append(bad, fmt.Sprintf("borrower %d: line uses %d fen, principal owed %d (loan %s)", b.i, line.UsedFen, owed, l.Status))
	}
	return bad, nil
}

// cohortDay is the first due date less one period: the disbursement day.
func (b *borrower) cohortDay() string {
	d, _ := time.ParseInLocation(time.DateOnly, b.dueDates[0], shanghai)
	return d.AddDate(0, -1, 0).Format(time.DateOnly)
}

// message is what GET /_local/messages lists of one message sent.
type message struct {
	UserID       int64  `json:"user_id"`
	Channel      string `json:"channel"`
	Template     string `json:"template"`
	BusinessTime string `json:"business_time"`
}

// messageChecks: nothing outside the window, nobody over the daily cap.
// Messages are read borrower by borrower (GET /_local/messages lists at
// most messagesListed, newest first), so every message is seen.
func (s *sim) messageChecks() ([]string, error) {
	var bad []string
	total := 0
	for _, b := range s.book {
		if b.c == nil {
			continue
		}
		var out struct {
			Messages []message `json:"messages"`
		}
		if err := s.getJSON(fmt.Sprintf("/_local/messages?user_id=%d", b.c.UserID), &out); err != nil {
			return nil, err
		}
		if len(out.Messages) >= messagesListed {
			bad = append(bad, fmt.Sprintf("user %d: %d messages listed, the listing may be cut", b.c.UserID, len(out.Messages)))
		}
		total += len(out.Messages)
		bad = append(bad, windowAndCap(out.Messages)...)
	}
	fmt.Printf("messages sent: %d\n", total)
	return bad, nil
}

// messagesListed is the gateway's bound on one GET /_local/messages.
const messagesListed = 200

func windowAndCap(msgs []message) []string {
	var bad []string
	perDay := map[string]int{}
	for _, m := range msgs {
		t, err := time.Parse(time.RFC3339, m.BusinessTime)
		if err != nil {
			bad = append(bad, fmt.Sprintf("message %+v: business time %v", m, err))
			continue
		}
		t = t.In(shanghai)
		if t.Hour() < windowFromHour || t.Hour() >= windowToHour {
			bad = append(bad, fmt.Sprintf("message %s to user %d at %s: outside %02d:00-%02d:00", m.Template, m.UserID, t.Format(time.DateTime), windowFromHour, windowToHour))
		}
		key := fmt.Sprintf("%d %s", m.UserID, t.Format(time.DateOnly))
		if perDay[key]++; perDay[key] > messagesPerDay {
			bad = append(bad, fmt.Sprintf("user %d got %d messages on %s", m.UserID, perDay[key], t.Format(time.DateOnly)))
		}
	}
	return bad
}
