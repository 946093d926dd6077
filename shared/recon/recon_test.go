package recon_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/lending"
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
