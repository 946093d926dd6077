package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/scripts/internal/journey"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/lending"
)

// Servicing through the local gateway with the business clock moved
// forward (issue 12): overdue after grace and the cure, the close of
// business catching up missed days, the reminder window and cap. One stack,
// one shared clock: the scenarios run in business-time order, each with its
// own borrowers, who all borrow before the first due date.

// servicingLoan is what these tests read of GET /v1/loans/detail/{id}.
type servicingLoan struct {
	Status     string `json:"status"`
	DPD        int    `json:"dpd"`
	PenaltyFen int64  `json:"penalty_fen"`
	Bill       *struct {
		AsOf         string `json:"as_of"`
		GraceDays    int    `json:"grace_days"`
		DueNowFen    int64  `json:"due_now_fen"`
		Installments []struct {
			Seq         int    `json:"seq"`
			DueDate     string `json:"due_date"`
			State       string `json:"state"`
			DaysPastDue int    `json:"days_past_due"`
			Scheduled   struct {
				PrincipalFen int64 `json:"principal_fen"`
				InterestFen  int64 `json:"interest_fen"`
				PenaltyFen   int64 `json:"penalty_fen"`
			} `json:"scheduled"`
		} `json:"installments"`
	} `json:"bill"`
}

type servicingMessage struct {
	Kind         string `json:"kind"`
	Status       string `json:"status"`
	BusinessDate string `json:"business_date"`
	BusinessTime string `json:"business_time"`
}

// servicingBorrower is one borrower of these tests and their one loan.
type servicingBorrower struct {
	c      *apitest.Client
	userID int64
	loanID int64
	due    time.Time // first installment's due date, 00:00 Shanghai
}

// servicingStack drives the shared business clock and the timers.
type servicingStack struct {
	base string
	// cobOn is the business date job-cob last fired on (zero before the
	// first): closeThrough fires it once a day without gaps.
	cobOn time.Time
}

func (s *servicingStack) post(t *testing.T, path string, body any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	resp, err := http.Post(s.base+path, "application/json", r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, raw)
	}
}

func (s *servicingStack) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, raw)
	}
}

// businessDate is the business clock's date (Shanghai), at 00:00.
func (s *servicingStack) businessDate(t *testing.T) time.Time {
	t.Helper()
	var now struct {
		BusinessDate string `json:"business_date"`
	}
	s.getJSON(t, "/_local/clock", &now)
	d, err := time.ParseInLocation(time.DateOnly, now.BusinessDate, lending.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// at sets the business clock (forward only).
func (s *servicingStack) at(t *testing.T, when time.Time) {
	t.Helper()
	s.post(t, "/_local/clock", map[string]string{"now": when.Format(time.RFC3339)})
}

// fire runs a timer function now and waits for it.
func (s *servicingStack) fire(t *testing.T, function string) {
	t.Helper()
	s.post(t, "/_local/timers/"+function, nil)
}

// cobOnDay fires job-cob at 00:30 on business date day (it closes every
// date before day not closed yet).
func (s *servicingStack) cobOnDay(t *testing.T, day time.Time) {
	t.Helper()
	s.at(t, day.Add(30*time.Minute))
	s.fire(t, "job-cob")
	s.cobOn = day
}

// closeThrough fires job-cob on every day after the last one it fired on,
// up to and including day: one date closed per run (the first run closes
// yesterday and catches up each loan's own earlier dates).
func (s *servicingStack) closeThrough(t *testing.T, day time.Time) {
	t.Helper()
	d := day
	if !s.cobOn.IsZero() {
		d = s.cobOn.AddDate(0, 0, 1)
	}
	for ; !d.After(day); d = d.AddDate(0, 0, 1) {
		s.cobOnDay(t, d)
	}
}

func (s *servicingStack) ledger(t *testing.T) (map[string]int64, []any) {
	t.Helper()
	var l struct {
		Balances   map[string]int64 `json:"balances"`
		Violations []any            `json:"violations"`
	}
	s.getJSON(t, "/_local/ledger", &l)
	return l.Balances, l.Violations
}

func (s *servicingStack) ledgerClean(t *testing.T) {
	t.Helper()
	balances, violations := s.ledger(t)
	var sum int64
	for _, v := range balances {
		sum += v
	}
	if sum != 0 || len(violations) > 0 {
		t.Fatalf("ledger: balances sum to %d, violations %v", sum, violations)
	}
}

func (s *servicingStack) messages(t *testing.T, userID int64) []servicingMessage {
	t.Helper()
	var out struct {
		Messages []servicingMessage `json:"messages"`
	}
	s.getJSON(t, "/_local/messages?user_id="+strconv.FormatInt(userID, 10), &out)
	return out.Messages
}

// borrow onboards borrower i (approved), takes a 500.00 CNY loan over 3
// months at the current business time and answers it with its first due
// date.
func (s *servicingStack) borrow(t *testing.T, i int) *servicingBorrower {
	t.Helper()
	ctx := context.Background()
	stem := fmt.Sprintf("110105%04d%02d%02d", 1981+i, i%12+1, i%28+1)
	id, err := gateway.DevID(stem, '9')
	if err != nil {
		t.Fatal(err)
	}
	b := &servicingBorrower{c: apitest.New(s.base)}
	b.c.FromIP(apitest.LoopbackIP(10 + i))
	limit, err := journey.Approve(ctx, b.c, fmt.Sprintf("servicing%d", i), "王小明", id,
		gateway.DevCard(fmt.Sprintf("6217000001%08d", i)), fmt.Sprintf("1392%07d", i+1))
	if err != nil {
		t.Fatalf("borrower %d: %v", i, err)
	}
	if limit < 2*servicingAmountFen {
		t.Fatalf("borrower %d: limit %d fen, want room for two %d fen draws", i, limit, servicingAmountFen)
	}
	if b.loanID, err = journey.Borrow(ctx, b.c, s.base, io.Discard, servicingAmountFen, 3); err != nil {
		t.Fatalf("borrower %d: %v", i, err)
	}
	var me struct {
		UserID int64 `json:"user_id"`
	}
	if err := journey.GetJSON(ctx, b.c, "/v1/me", &me); err != nil {
		t.Fatal(err)
	}
	b.userID = me.UserID
	l := s.loan(t, b)
	if l.Status != "active" || l.Bill == nil || len(l.Bill.Installments) == 0 {
		t.Fatalf("loan %d: %+v", b.loanID, l)
	}
	if b.due, err = time.ParseInLocation(time.DateOnly, l.Bill.Installments[0].DueDate, lending.Shanghai); err != nil {
		t.Fatal(err)
	}
	return b
}

func (s *servicingStack) loan(t *testing.T, b *servicingBorrower) servicingLoan {
	t.Helper()
	var l servicingLoan
	if err := journey.GetJSON(context.Background(), b.c, apitest.LoanPath("detail", b.loanID), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func (s *servicingStack) lineStatus(t *testing.T, b *servicingBorrower) string {
	t.Helper()
	var line struct {
		Status string `json:"status"`
	}
	if err := journey.GetJSON(context.Background(), b.c, "/v1/credit/line", &line); err != nil {
		t.Fatal(err)
	}
	return line.Status
}

// servicingAmountFen is each loan's amount: the product's minimum, so a
// second draw fits the lowest approving band's limit.
const servicingAmountFen = 50_000

// remindDailyMax is REMIND_DAILY_MAX on the local stack.
const remindDailyMax = 2

func TestServicingWithTheBusinessClock(t *testing.T) {
	_, base := startStack(t)
	s := &servicingStack{base: base}
	ctx := context.Background()

	// Day 0 is tomorrow (Shanghai) 09:00, so the clock only moves forward.
	day0 := s.businessDate(t).AddDate(0, 0, 1)
	s.at(t, day0.Add(9*time.Hour))
	// Borrowers: O goes overdue and is cured, A is closed day by day, R is
	// reminded; all borrow on day 0. B borrows 20 days later (below).
	o, a, r := s.borrow(t, 1), s.borrow(t, 2), s.borrow(t, 3)
	// C has two loans due the same days and never pays: two notices a day
	// before the first due date, four once the second comes near.
	c := s.borrow(t, 5)
	c2, err := journey.Borrow(ctx, c.c, base, io.Discard, servicingAmountFen, 3)
	if err != nil {
		t.Fatalf("C's second loan: %v", err)
	}
	// B's loan is A's (same amount, term, product) started 20 days later:
	// its first due date falls after A's ten overdue days are closed.
	s.at(t, day0.AddDate(0, 0, 20).Add(9*time.Hour))
	b := s.borrow(t, 4)

	t.Run("a reminder is held at 23:00 and sent the next morning within the daily cap", func(t *testing.T) {
		soon := r.due.AddDate(0, 0, -3) // due_3d is current 3 and 2 days before
		if !c.due.Equal(r.due) {
			t.Fatalf("C due %s, R due %s: not borrowed the same day", c.due.Format(time.DateOnly), r.due.Format(time.DateOnly))
		}
		for _, u := range []*servicingBorrower{r, c} {
			if ms := s.messages(t, u.userID); len(ms) != 0 {
				t.Fatalf("messages before any reminder run: %+v", ms)
			}
		}
		s.at(t, soon.Add(23*time.Hour))
		s.fire(t, "job-remind")
		for _, u := range []*servicingBorrower{r, c} {
			if ms := s.messages(t, u.userID); len(ms) != 0 {
				t.Fatalf("sent at 23:00: %+v", ms)
			}
		}
		next := soon.AddDate(0, 0, 1)
		s.at(t, next.Add(8*time.Hour+5*time.Minute))
		s.fire(t, "job-remind")
		ms := s.messages(t, r.userID)
		if len(ms) != 1 || ms[0].Kind != "due_3d" || ms[0].Status != "sent" || ms[0].BusinessDate != next.Format(time.DateOnly) {
			t.Fatalf("after 08:05 on %s: %+v", next.Format(time.DateOnly), ms)
		}
		if bt, err := time.Parse(time.RFC3339, ms[0].BusinessTime); err != nil || bt.In(lending.Shanghai).Hour() != 8 {
			t.Fatalf("business time %q: %v", ms[0].BusinessTime, err)
		}
		s.at(t, next.Add(9*time.Hour))
		for range 3 {
			s.fire(t, "job-remind")
		}
		// R's one notice went out once, C's two (one per loan) too.
		for _, u := range []struct {
			b    *servicingBorrower
			want int
		}{{r, 1}, {c, remindDailyMax}} {
			ms = s.messages(t, u.b.userID)
			perDay := map[string]int{}
			for _, m := range ms {
				bt, err := time.Parse(time.RFC3339, m.BusinessTime)
				if err != nil {
					t.Fatal(err)
				}
				if h := bt.In(lending.Shanghai).Hour(); h < 8 || h >= 21 {
					t.Errorf("message %+v outside 08:00-21:00", m)
				}
				if m.Status == "sent" || m.Status == "sending" {
					perDay[m.BusinessDate]++
				}
			}
			if n := perDay[next.Format(time.DateOnly)]; n != u.want || len(perDay) != 1 {
				t.Fatalf("user %d: %d messages on %s, want %d (cap %d): %+v", u.b.userID, n, next.Format(time.DateOnly), u.want, remindDailyMax, ms)
			}
		}
	})

	t.Run("a loan goes overdue after its grace days and is cured by repayment", func(t *testing.T) {
		l := s.loan(t, o)
		grace := l.Bill.GraceDays
		// Close of business every night from the due date on, until the
		// loan is overdue with penalty; never before its grace days passed.
		for d := o.due.AddDate(0, 0, 1); ; d = d.AddDate(0, 0, 1) {
			s.closeThrough(t, d)
			l = s.loan(t, o)
			closed := int(d.Sub(o.due).Hours()/24) - 1 // days after the due date closed
			if closed <= grace && l.Status != "active" {
				t.Fatalf("%s after %d of %d grace days closed", l.Status, closed, grace)
			}
			if l.Status == "overdue" && l.PenaltyFen > 0 {
				break
			}
			if closed > grace+3 {
				t.Fatalf("not overdue with penalty %d days after the due date: %+v", closed, l)
			}
		}
		if l.DPD <= 0 || l.PenaltyFen <= 0 {
			t.Fatalf("overdue loan: dpd %d, penalty %d fen", l.DPD, l.PenaltyFen)
		}
		if st := s.lineStatus(t, o); st != "frozen" {
			t.Fatalf("line %s while the loan is overdue", st)
		}
		// A new draw is refused: the line is frozen.
		s.at(t, s.cobOn.Add(9*time.Hour))
		var q struct {
			QuoteID string `json:"quote_id"`
		}
		resp, err := o.c.Post(ctx, "/v1/loans/quote", map[string]any{"amount_fen": servicingAmountFen, "term_months": 3, "method": "equal_installment"})
		expect(t, resp, err, 200, "")
		if err := resp.Decode(&q); err != nil {
			t.Fatal(err)
		}
		resp, err = o.c.SendWith(ctx, "POST", "/v1/loans/create", map[string]string{"quote_id": q.QuoteID},
			map[string]string{"Idempotency-Key": "servicing-" + apitest.NewNonce()[:16]})
		expect(t, resp, err, 409, "failed_precondition")
		var refusal struct {
			Reason string `json:"reason"`
		}
		if err := resp.Decode(&refusal); err != nil || refusal.Reason != "line_frozen" {
			t.Fatalf("draw refused with %s", resp.Body)
		}
		// The borrower pays what is due in the WeChat Pay fake: cured.
		if _, err := journey.Pay(ctx, o.c, base, io.Discard, o.loanID, "due", 0); err != nil {
			t.Fatal(err)
		}
		l = s.loan(t, o)
		if l.Status != "active" || l.DPD != 0 || l.Bill.DueNowFen != 0 {
			t.Fatalf("after paying what was due: status %s, dpd %d, due now %d fen", l.Status, l.DPD, l.Bill.DueNowFen)
		}
		if st := s.lineStatus(t, o); st != "active" {
			t.Fatalf("line %s after the cure", st)
		}
		s.ledgerClean(t)
	})

	t.Run("a catch-up over ten missed days equals ten single runs", func(t *testing.T) {
		const days = 10
		penaltyAccount := func(id int64) string { return fmt.Sprintf("loan:%d:penalty", id) }
		if !b.due.After(a.due.AddDate(0, 0, days+1)) {
			t.Fatalf("B's due date %s is not after A's ten days (A due %s)", b.due.Format(time.DateOnly), a.due.Format(time.DateOnly))
		}
		// A: closed one date per run, through the tenth day after its due
		// date (the run on due+11 closes due+10).
		var daily []string
		for d := s.cobOn.AddDate(0, 0, 1); !d.After(a.due.AddDate(0, 0, days+1)); d = d.AddDate(0, 0, 1) {
			s.cobOnDay(t, d)
			daily = append(daily, fmt.Sprintf("due+%d: %d", int(d.Sub(a.due).Hours()/24)-1, s.loan(t, a).PenaltyFen))
		}
		t.Logf("A's penalty (fen) after the single run closing each date: %v", daily)
		la := s.loan(t, a)
		balances, _ := s.ledger(t)
		aLedger := balances[penaltyAccount(a.loanID)]
		// dpd is on today's business date (due+11), the day after the last
		// date closed.
		if la.Status != "overdue" || la.DPD != days+1 || la.PenaltyFen <= 0 || aLedger != la.PenaltyFen {
			t.Fatalf("A after %d single runs: status %s, dpd %d, penalty %d fen, ledger %d fen", days, la.Status, la.DPD, la.PenaltyFen, aLedger)
		}
		// B: closed through its due date, then no close of business for
		// ten days, then one run.
		s.cobOnDay(t, b.due.AddDate(0, 0, 1))
		lb := s.loan(t, b)
		if lb.Status != "active" || lb.DPD != 0 || lb.PenaltyFen != 0 {
			t.Fatalf("B closed through its due date: status %s, dpd %d, penalty %d fen", lb.Status, lb.DPD, lb.PenaltyFen)
		}
		// Ten dates later, before the run: nothing has closed them yet.
		s.at(t, b.due.AddDate(0, 0, days+1))
		if lb = s.loan(t, b); lb.Status != "active" || lb.PenaltyFen != 0 {
			t.Fatalf("B before the catch-up: status %s, penalty %d fen", lb.Status, lb.PenaltyFen)
		}
		s.cobOnDay(t, b.due.AddDate(0, 0, days+1))
		lb = s.loan(t, b)
		balances, _ = s.ledger(t)
		bLedger := balances[penaltyAccount(b.loanID)]
		// Identical loans: the same installment principal (penalty accrues
		// on it) and grace days.
		ia, ib := la.Bill.Installments[0], lb.Bill.Installments[0]
		if ia.Scheduled.PrincipalFen != ib.Scheduled.PrincipalFen || la.Bill.GraceDays != lb.Bill.GraceDays {
			t.Fatalf("A and B differ: principal %d/%d fen, grace %d/%d", ia.Scheduled.PrincipalFen, ib.Scheduled.PrincipalFen, la.Bill.GraceDays, lb.Bill.GraceDays)
		}
		if lb.Status != la.Status || lb.DPD != la.DPD || lb.PenaltyFen != la.PenaltyFen || bLedger != aLedger ||
			ib.Scheduled.PenaltyFen != ia.Scheduled.PenaltyFen || ib.State != ia.State {
			t.Fatalf("one catch-up over %d days: status %s dpd %d penalty %d fen (ledger %d, installment %d %s); %d single runs: status %s dpd %d penalty %d fen (ledger %d, installment %d %s)",
				days, lb.Status, lb.DPD, lb.PenaltyFen, bLedger, ib.Scheduled.PenaltyFen, ib.State,
				days, la.Status, la.DPD, la.PenaltyFen, aLedger, ia.Scheduled.PenaltyFen, ia.State)
		}
		if st := s.lineStatus(t, b); st != "frozen" {
			t.Fatalf("B's line %s after the catch-up", st)
		}
		s.ledgerClean(t)
	})

	t.Run("the daily cap holds with more notices current than it lets out", func(t *testing.T) {
		today := s.businessDate(t)
		loans := []int64{c.loanID, c2}
		second := c.due.AddDate(0, 1, 0)
		l := s.loan(t, c)
		if len(l.Bill.Installments) > 1 {
			var err error
			if second, err = time.ParseInLocation(time.DateOnly, l.Bill.Installments[1].DueDate, lending.Shanghai); err != nil {
				t.Fatal(err)
			}
		}
		day := today
		if soon := second.AddDate(0, 0, -3); soon.After(day) {
			day = soon
		}
		sentOn := func(d time.Time) int {
			n := 0
			for _, m := range s.messages(t, c.userID) {
				if m.BusinessDate == d.Format(time.DateOnly) && (m.Status == "sent" || m.Status == "sending") {
					n++
				}
			}
			return n
		}
		for _, d := range []time.Time{day, day.AddDate(0, 0, 1)} {
			s.at(t, d.Add(9*time.Hour))
			// Notices current on d: each unpaid installment due within 3 days
			// or past due, on each of C's loans.
			current := 0
			for _, id := range loans {
				var l servicingLoan
				if err := journey.GetJSON(ctx, c.c, apitest.LoanPath("detail", id), &l); err != nil {
					t.Fatal(err)
				}
				for _, in := range l.Bill.Installments {
					due, _ := time.ParseInLocation(time.DateOnly, in.DueDate, lending.Shanghai)
					if in.State != "paid" && !d.Before(due.AddDate(0, 0, -3)) {
						current++
					}
				}
			}
			if current <= remindDailyMax {
				t.Fatalf("%d notices current on %s, want more than the cap %d", current, d.Format(time.DateOnly), remindDailyMax)
			}
			for range 3 {
				s.fire(t, "job-remind")
			}
			if n := sentOn(d); n != remindDailyMax {
				t.Fatalf("%d messages to C on %s with %d notices current, want the cap %d: %+v", n, d.Format(time.DateOnly), current, remindDailyMax, s.messages(t, c.userID))
			}
		}
	})
}
