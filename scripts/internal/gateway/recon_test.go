package gateway_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/journey"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// Reconciliation and monitoring through the local gateway (issue 14): a
// clean day, a bill not ready yet, a tampered bill, a lost notification,
// out-of-band money, the report, the queue and the alerts. One stack, one
// business clock moving forward day by day.

type reconReport struct {
	Date     string `json:"date"`
	Accounts []struct {
		MchID          string  `json:"mch_id"`
		State          string  `json:"state"`
		Lines          int64   `json:"lines"`
		Matched        int64   `json:"matched"`
		AutoResolved   int64   `json:"auto_resolved"`
		OpenBreaks     int64   `json:"open_breaks"`
		UnexplainedFen int64   `json:"unexplained_fen"`
		ErrorRate      float64 `json:"error_rate"`
	} `json:"accounts"`
}

type opsQueue struct {
	Items []struct {
		Kind      string         `json:"kind"`
		AmountFen int64          `json:"amount_fen"`
		State     string         `json:"state"`
		Evidence  map[string]any `json:"evidence"`
	} `json:"items"`
}

type alertList struct {
	Alerts []struct {
		Name     string `json:"name"`
		Delivery string `json:"delivery"`
	} `json:"alerts"`
	RobotMessages []struct {
		Content string `json:"content"`
	} `json:"robot_messages"`
}

func (s *servicingStack) report(t *testing.T, day time.Time, mch string) (r struct {
	State                                        string
	Lines, Matched, AutoResolved, OpenBreaks, Un int64
	Rate                                         float64
}) {
	t.Helper()
	var rep reconReport
	s.getJSON(t, "/_local/recon?date="+day.Format(time.DateOnly), &rep)
	for _, a := range rep.Accounts {
		if a.MchID == mch {
			r.State, r.Lines, r.Matched, r.AutoResolved, r.OpenBreaks, r.Un, r.Rate = a.State, a.Lines, a.Matched, a.AutoResolved, a.OpenBreaks, a.UnexplainedFen, a.ErrorRate
		}
	}
	return r
}

func (s *servicingStack) breaks(t *testing.T) opsQueue {
	t.Helper()
	var q opsQueue
	s.getJSON(t, "/_local/ops?kind=recon_break", &q)
	return q
}

func TestReconciliationThroughTheGateway(t *testing.T) {
	_, base, db := startStackDB(t)
	s := &servicingStack{base: base}
	ctx := context.Background()
	mch := wxpaytest.DevMchID
	day0 := s.businessDate(t).AddDate(0, 0, 1)
	day1, day2 := day0.AddDate(0, 0, 1), day0.AddDate(0, 0, 2)

	// Day 0: a loan paid out and a repayment, both notified: a clean day.
	s.at(t, day0.Add(9*time.Hour))
	b := s.borrow(t, 1)
	if _, err := journey.Pay(ctx, b.c, base, discard{}, b.loanID, "amount", 10_000); err != nil {
		t.Fatal(err)
	}

	// Day 1 08:30: day 0's bills are still being generated: retried, not a break.
	s.at(t, day1.Add(8*time.Hour+30*time.Minute))
	s.fire(t, "job-reconcile")
	if r := s.report(t, day0, mch); r.State != "waiting" || r.Lines != 0 {
		t.Fatalf("day 0 before its bill is ready: %+v", r)
	}
	if q := s.breaks(t); len(q.Items) != 0 {
		t.Fatalf("a bill not ready made breaks: %+v", q.Items)
	}

	// Day 1 10:30: day 0 reconciles clean.
	s.at(t, day1.Add(10*time.Hour+30*time.Minute))
	s.fire(t, "job-reconcile")
	r0 := s.report(t, day0, mch)
	if r0.State != "done" || r0.Lines < 2 || r0.Matched != r0.Lines || r0.OpenBreaks != 0 || r0.Un != 0 || r0.Rate != 0 {
		t.Fatalf("clean day 0: %+v", r0)
	}
	if r := s.report(t, day0, wxpaytest.DevMchID2); r.State != "done" || r.OpenBreaks != 0 {
		t.Fatalf("second account, day 0: %+v", r)
	}

	// Day 1 11:00: a repayment whose notification is lost, and money moved
	// at WeChat Pay that we never started.
	s.at(t, day1.Add(11*time.Hour))
	var order struct {
		RepaymentID int64             `json:"repayment_id"`
		PayParams   map[string]string `json:"pay_params"`
	}
	if err := journeyPost(ctx, b, fmt.Sprintf("/v1/loans/repay/%d", b.loanID), map[string]any{"kind": "amount", "amount_fen": 5_000}, &order); err != nil {
		t.Fatal(err)
	}
	s.post(t, "/_local/wxpay/notifications/hold", nil)
	s.post(t, "/_local/wxpay/pay?package="+urlQuery(order.PayParams["package"]), nil)
	s.post(t, "/_local/wxpay/notifications/drop", nil)
	var tradeNo string
	if err := db.QueryRow(`SELECT out_trade_no FROM repayments WHERE id = ? AND state = 'CREATED'`, order.RepaymentID).Scan(&tradeNo); err != nil {
		t.Fatalf("the lost payment was applied: %v", err)
	}
	s.post(t, "/_local/wxpay/out-of-band", map[string]any{"mch_id": mch, "kind": "payment", "amount_fen": 1_234})
	s.post(t, "/_local/wxpay/out-of-band", map[string]any{"mch_id": mch, "kind": "refund", "amount_fen": 567})

	// Day 2 10:30, the bill tampered with: refused, nothing stored, one alert.
	s.at(t, day2.Add(10*time.Hour+30*time.Minute))
	s.post(t, "/_local/wxpay/bills/fault?kind=hash", nil)
	s.fire(t, "job-reconcile")
	if r := s.report(t, day1, mch); r.State != "refused" || r.Lines != 0 || r.OpenBreaks != 0 {
		t.Fatalf("tampered day 1: %+v", r)
	}
	if q := s.breaks(t); len(q.Items) != 0 {
		t.Fatalf("a tampered bill stored breaks: %+v", q.Items)
	}
	var repaid int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ledger_transactions WHERE idem_key = ?`, "repay:"+tradeNo).Scan(&repaid); err != nil || repaid != 0 {
		t.Fatalf("a tampered bill applied the lost payment (%d, %v)", repaid, err)
	}
	var al alertList
	s.getJSON(t, "/_local/alerts", &al)
	if len(al.Alerts) != 1 || al.Alerts[0].Name != "recon_bill_refused:"+mch || al.Alerts[0].Delivery != "sent" || len(al.RobotMessages) != 1 {
		t.Fatalf("alerts after a tampered bill: %+v", al)
	}

	// The bill served right: the lost payment is resolved by query and
	// booked once; the out-of-band payment (长款) and refund (短款) are
	// open breaks with their amounts.
	s.post(t, "/_local/wxpay/bills/fault?kind=", nil)
	s.fire(t, "job-reconcile")
	s.fire(t, "job-reconcile") // idempotent per account and date
	r1 := s.report(t, day1, mch)
	if r1.State != "done" || r1.AutoResolved != 1 || r1.OpenBreaks != 2 || r1.Un != 1_234+567 || r1.Rate <= 0 || r1.Matched != r1.Lines-3 {
		t.Fatalf("day 1: %+v", r1)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM ledger_transactions WHERE idem_key = ?`, "repay:"+tradeNo).Scan(&repaid); err != nil || repaid != 1 {
		t.Fatalf("the lost payment is in the ledger %d times (%v)", repaid, err)
	}
	classes := map[string]int64{}
	for _, it := range s.breaks(t).Items {
		if it.State != "open" {
			t.Fatalf("break %+v", it)
		}
		classes[fmt.Sprint(it.Evidence["class"], "/", it.Evidence["kind"])] = it.AmountFen
	}
	if len(classes) != 2 || classes["long/payment"] != 1_234 || classes["short/refund"] != 567 {
		t.Fatalf("breaks %v", classes)
	}
	s.ledgerClean(t)

	// An approval rate swinging from 100% to 40% with 20 decisions each
	// side: one alert in the hour however often job-monitor runs, and one
	// again the next hour if it still holds.
	decide := func(at time.Time, approved, declined int) {
		t.Helper()
		for i := range approved + declined {
			status := "approved"
			if i >= approved {
				status = "declined"
			}
			if _, err := db.Exec(`INSERT INTO credit_applications (user_id, product_code, status, step, device, client_ip, created_at, updated_at, decided_at)
				VALUES (?, 'x', ?, 'done', '{}', '127.0.0.1', ?, ?, ?)`, 900000+i, status, at, at, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	decide(day1.Add(9*time.Hour+15*time.Minute), 20, 0)
	decide(day2.Add(9*time.Hour+15*time.Minute), 8, 12)
	decide(day1.Add(10*time.Hour+15*time.Minute), 20, 0)
	decide(day2.Add(10*time.Hour+15*time.Minute), 8, 12)
	swings := func() (hourly, messages int) {
		var al alertList
		s.getJSON(t, "/_local/alerts", &al)
		for _, a := range al.Alerts {
			if a.Name == "approval_rate_swing:hour" {
				hourly++
			}
		}
		return hourly, len(al.RobotMessages)
	}
	_, before := swings()
	s.at(t, day2.Add(10*time.Hour+40*time.Minute))
	s.fire(t, "job-monitor")
	s.at(t, day2.Add(10*time.Hour+50*time.Minute))
	s.fire(t, "job-monitor")
	if hourly, msgs := swings(); hourly != 1 || msgs != before+2 { // the hour's and the day's swing, once each
		t.Fatalf("after two runs in one hour: %d hourly swing alerts, %d robot messages (was %d)", hourly, msgs, before)
	}
	s.at(t, day2.Add(11*time.Hour+5*time.Minute))
	s.fire(t, "job-monitor")
	if hourly, _ := swings(); hourly != 2 {
		t.Fatalf("the next hour: %d hourly swing alerts, want 2", hourly)
	}
	var stored int
	if err := db.QueryRow(`SELECT COUNT(*) FROM metrics WHERE name = 'approval_rate_ppm' AND period = 'hour'`).Scan(&stored); err != nil || stored < 2 {
		t.Fatalf("approval rate metrics stored: %d (%v)", stored, err)
	}
}

// journeyPost sends an authenticated POST as borrower b with a fresh
// idempotency key.
func journeyPost(ctx context.Context, b *servicingBorrower, path string, body, v any) error {
	resp, err := b.c.SendWith(ctx, "POST", path, body, map[string]string{"Idempotency-Key": "recon-" + apitest.NewNonce()[:12]})
	if err != nil {
		return err
	}
	if resp.Status != 200 && resp.Status != 201 {
		return fmt.Errorf("POST %s: %d %s", path, resp.Status, resp.Body)
	}
	return resp.Decode(v)
}

func urlQuery(s string) string { return url.QueryEscape(s) }

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
