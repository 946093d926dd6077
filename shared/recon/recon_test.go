package recon_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/ops"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/recon"
	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

type rig struct {
	db     *mysqltest.DB
	clock  *clock.Fixed
	fake   *wxpaytest.Fake
	client *wxpay.Client
	deps   recon.Deps
	alerts []string
}

var billDay = time.Date(2026, 3, 5, 0, 0, 0, 0, lending.Shanghai)

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{db: mysqltest.New(t), clock: clock.NewFixed(billDay.Add(11 * time.Hour))}
	r.fake = wxpaytest.New(wxpaytest.Options{Now: r.clock.Now})
	api := httptest.NewServer(r.fake)
	t.Cleanup(func() { r.fake.Close(); api.Close() })
	c, err := wxpay.New(context.Background(), wxpaytest.DevConfig(api.URL, api.URL))
	if err != nil {
		t.Fatal(err)
	}
	r.client = c
	r.deps = recon.Deps{Pay: payments.Deps{DB: r.db.DB, Pay: c, Routes: []*wxpay.Client{c}, Clock: r.clock, Log: slog.New(slog.DiscardHandler)},
		Alert: func(_ context.Context, name, _, body string) error {
			r.alerts = append(r.alerts, name+": "+body)
			return nil
		}}
	return r
}

func (r *rig) breaks(t *testing.T) []mysql.OpsItem {
	t.Helper()
	items, err := mysql.OpsItems{DB: r.db.DB}.List(context.Background(), "", ops.ReconBreak, 100)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// Every kind of bad bill is refused with a clear reason: nothing of it
// stored, an alert raised; served right, the same date reconciles.
func TestBadBillsAreRefusedWithNothingStored(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if _, err := r.fake.PlantOutOfBand(wxpaytest.OutOfBand{Kind: "payment", AmountFen: 12_345}); err != nil {
		t.Fatal(err)
	}
	date := billDay.Format(time.DateOnly)

	run, err := recon.Reconcile(ctx, r.deps, r.client, date)
	if err != nil || run.State != mysql.ReconWaiting || len(r.breaks(t)) != 0 {
		t.Fatalf("before 09:00 the next day: %+v %v", run, err)
	}
	r.clock.Advance(24 * time.Hour)

	for fault, reason := range map[string]string{
		wxpaytest.BillFaultHash: "SHA-1", wxpaytest.BillFaultTruncated: "summary", wxpaytest.BillFaultMalformed: "fields",
		wxpaytest.BillFaultUnknownColumn: "神秘列", wxpaytest.BillFaultOtherMerchant: "merchant",
	} {
		if err := r.fake.SetBillFault(fault); err != nil {
			t.Fatal(err)
		}
		r.alerts = nil
		run, err := recon.Reconcile(ctx, r.deps, r.client, date)
		if err != nil || run.State != mysql.ReconRefused || !strings.Contains(run.LastError, reason) {
			t.Fatalf("%s: %+v %v", fault, run, err)
		}
		if len(r.breaks(t)) != 0 || len(r.alerts) != 1 {
			t.Fatalf("%s: breaks %d, alerts %v", fault, len(r.breaks(t)), r.alerts)
		}
		stored, _, _ := mysql.Recon{DB: r.db.DB}.Run(ctx, wxpaytest.DevMchID, date)
		if stored.Lines != 0 || stored.State != mysql.ReconRefused {
			t.Fatalf("%s: stored %+v", fault, stored)
		}
	}

	if err := r.fake.SetBillFault(wxpaytest.BillFaultNone); err != nil {
		t.Fatal(err)
	}
	for range 2 { // a done date is not reconciled again
		run, err := recon.Reconcile(ctx, r.deps, r.client, date)
		if err != nil || run.State != mysql.ReconDone || run.Lines != 1 || run.OpenBreaks != 1 || run.UnexplainedFen != 12_345 {
			t.Fatalf("served right: %+v %v", run, err)
		}
	}
	items := r.breaks(t)
	if len(items) != 1 || items[0].AmountFen != 12_345 || items[0].Evidence["class"] != string(recon.Long) {
		t.Fatalf("breaks %+v", items)
	}
}

// Run catches up every closed date of an account from its first
// activity, and a waiting date stops the catch-up until the next run.
func TestRunCatchesUpClosedDates(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if _, err := r.db.Exec(`INSERT INTO repayments (loan_id, user_id, out_trade_no, kind, amount_fen, state, created_at, updated_at)
		VALUES (1, 1, 'P1', 'due', 100, 'CLOSED', ?, ?)`, billDay, billDay); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(3*24*time.Hour - 30*time.Minute) // day 3, 10:30
	res, err := recon.Run(ctx, r.deps)
	if err != nil || res.Done != 3 || res.Breaks != 0 {
		t.Fatalf("catch-up: %+v %v", res, err)
	}
	res, err = recon.Run(ctx, r.deps)
	if err != nil || res.Done != 0 {
		t.Fatalf("a second run: %+v %v", res, err)
	}
}

// settled plays a repayment of ours applied at at (after or before
// WeChat Pay's own time): the order PAID and the clearing account
// debited, as the notification does.
func (r *rig) settled(t *testing.T, no string, amount int64, at time.Time) {
	t.Helper()
	if _, err := r.db.Exec(`INSERT INTO repayments (loan_id, user_id, out_trade_no, kind, amount_fen, state, created_at, updated_at, paid_at)
		VALUES (1, 1, ?, 'due', ?, 'PAID', ?, ?, ?)`, no, amount, at, at, at); err != nil {
		t.Fatal(err)
	}
	err := mysql.InTx(context.Background(), r.db.DB, at, func(tx *mysql.Tx) error {
		_, err := tx.Post(context.Background(), ledger.Transaction{Key: "repay:" + no, Kind: "repayment", Entries: []ledger.Entry{
			{Account: ledger.Clearing(wxpaytest.DevMchID), AmountFen: money.Fen(amount)}, {Account: ledger.Suspense, AmountFen: -money.Fen(amount)}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A payment on one side of midnight in WeChat Pay's bill and on the other
// in our records is matched across the dates, counted once, on the
// bill's date: neither auto-resolved by a query nor a break on the
// record's date. A record of 23:45 with no line on either bill is a break
// once, on the next date's report.
func TestSettleOverMidnightIsMatchedOnce(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	next := billDay.AddDate(0, 0, 1)
	for _, p := range []struct {
		no           string
		fen          int64
		wechat, ours time.Time
	}{
		{"PLATE", 10_000, next.Add(-time.Second), next.Add(45 * time.Minute)},               // notified 45 min after midnight: beyond the slack
		{"PSLACK", 20_000, next.Add(-10 * time.Second), next.Add(10 * time.Minute)},         // within the slack
		{"PEARLY", 30_000, next.Add(time.Second), next.Add(-100 * time.Millisecond)},        // ours before midnight, the bill's after
		{"PNONE", 40_000, time.Time{}, next.Add(-15 * time.Minute)},                         // ours only
		{"PDAY2", 50_000, next.Add(11 * time.Hour), next.Add(11*time.Hour + 2*time.Second)}, // an ordinary payment of the next day
	} {
		if !p.wechat.IsZero() {
			if _, err := r.fake.PlantOutOfBand(wxpaytest.OutOfBand{Kind: "payment", AmountFen: p.fen, OutTradeNo: p.no, At: p.wechat}); err != nil {
				t.Fatal(err)
			}
		}
		r.settled(t, p.no, p.fen, p.ours)
	}
	r.clock.Advance(2 * 24 * time.Hour) // both dates' bills are out
	day1, err := recon.Reconcile(ctx, r.deps, r.client, billDay.Format(time.DateOnly))
	if err != nil || day1.State != mysql.ReconDone || day1.Lines != 2 || day1.Matched != 2 || day1.AutoResolved != 0 || day1.OpenBreaks != 0 {
		t.Fatalf("first date: %+v %v", day1, err)
	}
	day2, err := recon.Reconcile(ctx, r.deps, r.client, next.Format(time.DateOnly))
	if err != nil || day2.State != mysql.ReconDone || day2.Lines != 2 || day2.Matched != 2 || day2.AutoResolved != 0 || day2.OpenBreaks != 1 ||
		day2.UnexplainedFen != 40_000 {
		t.Fatalf("next date: %+v %v", day2, err)
	}
	items := r.breaks(t)
	if len(items) != 1 || items[0].Evidence["no"] != "PNONE" || items[0].Evidence["class"] != string(recon.Short) ||
		items[0].Evidence["deferred_from"] != billDay.Format(time.DateOnly) {
		t.Fatalf("breaks %+v", items)
	}
}
