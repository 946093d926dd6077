package monitor_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/monitor"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/wecom"
	"github.com/wxlend/wxlend/shared/wecom/wecomtest"
)

func TestSwung(t *testing.T) {
	for _, c := range []struct {
		cur, prev mysql.Ratio
		want      bool
	}{
		{mysql.Ratio{Part: 8, Whole: 20}, mysql.Ratio{Part: 20, Whole: 20}, true},   // 40% against 100%
		{mysql.Ratio{Part: 17, Whole: 20}, mysql.Ratio{Part: 20, Whole: 20}, false}, // 85%: exactly 15% down is not more than 15%
		{mysql.Ratio{Part: 16, Whole: 20}, mysql.Ratio{Part: 20, Whole: 20}, true},  // 80%
		{mysql.Ratio{Part: 12, Whole: 20}, mysql.Ratio{Part: 10, Whole: 20}, true},  // 60% against 50%: up 20%
		{mysql.Ratio{Part: 1, Whole: 5}, mysql.Ratio{Part: 20, Whole: 20}, false},   // too few decisions
		{mysql.Ratio{Part: 10, Whole: 20}, mysql.Ratio{Part: 0, Whole: 20}, false},  // no reference rate
	} {
		if got := monitor.Swung(c.cur, c.prev, 1500, 20); got != c.want {
			t.Errorf("Swung(%v, %v) = %v", c.cur, c.prev, got)
		}
	}
}

// The same alert goes to the robot once an hour, however often raised.
func TestAlertsAreSentOncePerHour(t *testing.T) {
	db := mysqltest.New(t)
	robot := &wecomtest.Fake{}
	srv := httptest.NewServer(robot)
	t.Cleanup(srv.Close)
	clk := clock.NewFixed(time.Date(2026, 3, 5, 2, 10, 0, 0, time.UTC))
	a := monitor.Alerter{DB: db.DB, Clock: clk, Log: slog.New(slog.DiscardHandler), Robot: wecom.New(srv.URL + wecomtest.Path + "?key=k")}
	ctx := context.Background()
	for range 3 {
		if err := a.Raise(ctx, "x", "title", "body"); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Hour)
	if err := a.Raise(ctx, "x", "title", "body"); err != nil {
		t.Fatal(err)
	}
	as, err := mysql.Alerts{DB: db.DB}.List(ctx, 10)
	if err != nil || len(as) != 2 || as[0].Delivery != "sent" || len(robot.Messages()) != 2 || robot.Messages()[0].MsgType != "markdown" {
		t.Fatalf("alerts %+v, robot %+v (%v)", as, robot.Messages(), err)
	}
}

type monitorRig struct {
	db    *mysqltest.DB
	clock *clock.Fixed
	robot *wecomtest.Fake
	deps  monitor.Deps
}

func newMonitorRig(t *testing.T, at time.Time) *monitorRig {
	t.Helper()
	m := &monitorRig{db: mysqltest.New(t), clock: clock.NewFixed(at), robot: &wecomtest.Fake{}}
	srv := httptest.NewServer(m.robot)
	t.Cleanup(srv.Close)
	m.deps = monitor.Deps{DB: m.db.DB, SwingBP: 1500, MinVolume: 20, RefusalsPerHour: 5,
		Alert: monitor.Alerter{DB: m.db.DB, Clock: m.clock, Log: slog.New(slog.DiscardHandler), Robot: wecom.New(srv.URL + wecomtest.Path + "?key=k")}}
	return m
}

func (m *monitorRig) run(t *testing.T) {
	t.Helper()
	if err := monitor.Run(context.Background(), m.deps); err != nil {
		t.Fatal(err)
	}
}

func (m *monitorRig) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := m.db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

// metric reads a stored metric; ok false when there is none.
func (m *monitorRig) metric(t *testing.T, name, labels, period string, start time.Time) (value, volume int64, ok bool) {
	t.Helper()
	err := m.db.QueryRow(`SELECT value, volume FROM metrics WHERE name = ? AND labels = ? AND period = ? AND period_start = ?`,
		name, labels, period, start).Scan(&value, &volume)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return value, volume, true
}

func (m *monitorRig) alerts(t *testing.T, name string) int {
	t.Helper()
	var n int
	if err := m.db.QueryRow(`SELECT COUNT(*) FROM alerts WHERE name = ?`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func sh(y int, mo time.Month, d, h int) time.Time {
	return time.Date(y, mo, d, h, 0, 0, 0, lending.Shanghai)
}

// closeDate plays the close of business of date: each loan gets its
// bucket (a loan left out was paid off: not closed), the run is done.
func (m *monitorRig) closeDate(t *testing.T, date string, buckets map[int64]lending.DPDBucket) {
	t.Helper()
	for id, b := range buckets {
		m.exec(t, `INSERT INTO loans (id, user_id, quote_id, product_code, product_version, amount_fen, term_months, method, annual_rate_bp,
			apr_bp, status, schedule, created_at, updated_at, last_closed_date, dpd_bucket)
			VALUES (?, ?, ?, 'p', 1, 100000, 3, 'equal_installment', 1800, 1800, 'active', '{}', NOW(), NOW(), ?, ?)
			ON DUPLICATE KEY UPDATE last_closed_date = VALUES(last_closed_date), dpd_bucket = VALUES(dpd_bucket)`,
			id, id, fmt.Sprintf("q%d", id), date, string(b))
	}
	m.exec(t, `INSERT INTO cob_runs (business_date, status, started_at, updated_at, finished_at) VALUES (?, 'done', NOW(), NOW(), NOW())`, date)
}

// Roll rates: each closed date is snapshot once while loans hold its
// buckets; the day's roll compares it with the previous date, a
// month-end's also with the previous month-end; exact counts.
func TestRollRatesFromDailySnapshots(t *testing.T) {
	m := newMonitorRig(t, sh(2026, 2, 28, 23))
	C, M1, M2, M3, M3p := lending.BucketCurrent, lending.BucketM1, lending.BucketM2, lending.BucketM3, lending.BucketM3Plus
	// 2026-02-28 (a month-end): 4 current, 2 in M1, 1 in M3.
	m.closeDate(t, "2026-02-28", map[int64]lending.DPDBucket{1: C, 2: C, 3: C, 4: C, 5: M1, 6: M1, 7: M3})
	m.clock.Advance(sh(2026, 3, 1, 2).Sub(m.clock.Now()))
	m.run(t)
	m.run(t) // taken once
	// 2026-03-30: the loans of March as they stood.
	m.closeDate(t, "2026-03-30", map[int64]lending.DPDBucket{1: C, 2: C, 3: M1, 4: M1, 5: M2, 6: M2, 7: M3p})
	m.clock.Advance(sh(2026, 3, 31, 1).Sub(m.clock.Now()))
	m.run(t)
	// 2026-03-31: loan 1 rolls to M1, loan 3 back to current, loan 6 paid off (not closed).
	m.closeDate(t, "2026-03-31", map[int64]lending.DPDBucket{1: M1, 2: C, 3: C, 4: M1, 5: M2, 7: M3p})
	m.clock.Advance(sh(2026, 4, 1, 1).Sub(m.clock.Now()))
	m.run(t)

	var days, rows int
	if err := m.db.QueryRow(`SELECT (SELECT COUNT(*) FROM dpd_snapshot_days), (SELECT COUNT(*) FROM dpd_snapshots)`).Scan(&days, &rows); err != nil ||
		days != 3 || rows != 7+7+6 {
		t.Fatalf("snapshots: %d days, %d rows (%v)", days, rows, err)
	}
	for _, c := range []struct {
		period, labels string
		start          time.Time
		ppm, volume    int64
	}{
		{"day", "from=C,to=M1", sh(2026, 3, 31, 0), 500_000, 2},   // of loans 1, 2: loan 1
		{"day", "from=M1,to=M2", sh(2026, 3, 31, 0), 0, 2},        // loans 3, 4: none
		{"day", "from=M2,to=M3", sh(2026, 3, 31, 0), 0, 2},        // loan 5 stays, loan 6 paid off
		{"day", "from=M3,to=M3+", sh(2026, 3, 31, 0), 0, 0},       // none in M3
		{"month", "from=C,to=M1", sh(2026, 3, 1, 0), 500_000, 4},  // of loans 1-4: loans 1, 4
		{"month", "from=M1,to=M2", sh(2026, 3, 1, 0), 500_000, 2}, // of loans 5, 6: loan 5 (6 paid off)
		{"month", "from=M3,to=M3+", sh(2026, 3, 1, 0), 1_000_000, 1},
		{"day", "from=C,to=M1", sh(2026, 3, 30, 0), 0, 0}, // 03-29 was never closed: no daily roll for 03-30
	} {
		v, vol, ok := m.metric(t, "dpd_roll_rate_ppm", c.labels, c.period, c.start)
		want := !(c.period == "day" && c.start.Day() == 30)
		if ok != want || v != c.ppm || vol != c.volume {
			t.Errorf("%s %s from %s: %d of %d (stored %v), want %d of %d", c.period, c.labels, c.start.Format(time.DateOnly), v, vol, ok, c.ppm, c.volume)
		}
	}

	// Ten days on, the days before last week go; month-ends stay.
	m.closeDate(t, "2026-04-10", map[int64]lending.DPDBucket{1: M1})
	m.clock.Advance(sh(2026, 4, 11, 1).Sub(m.clock.Now()))
	m.run(t)
	var kept string
	if err := m.db.QueryRow(`SELECT GROUP_CONCAT(DATE_FORMAT(business_date, '%m-%d') ORDER BY business_date)
		FROM dpd_snapshot_days`).Scan(&kept); err != nil || kept != "02-28,03-31,04-10" {
		t.Fatalf("kept %q (%v)", kept, err)
	}
	var rowsKept string
	if err := m.db.QueryRow(`SELECT GROUP_CONCAT(DISTINCT DATE_FORMAT(business_date, '%m-%d') ORDER BY business_date) FROM dpd_snapshots`).
		Scan(&rowsKept); err != nil || rowsKept != kept {
		t.Fatalf("snapshot rows kept for %q (%v)", rowsKept, err)
	}
}

// A date is not snapshot while the next close is under way (loans hold a
// mix of two dates' buckets), nor before its own close is done.
func TestNoSnapshotWhileTheCloseMoves(t *testing.T) {
	m := newMonitorRig(t, sh(2026, 3, 6, 1))
	m.closeDate(t, "2026-03-05", map[int64]lending.DPDBucket{1: lending.BucketCurrent})
	m.exec(t, `INSERT INTO cob_runs (business_date, status, started_at, updated_at) VALUES ('2026-03-06', 'running', NOW(), NOW())`)
	m.run(t)
	var n int
	if err := m.db.QueryRow(`SELECT COUNT(*) FROM dpd_snapshot_days`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d snapshots while the next close runs (%v)", n, err)
	}
}

// Refused callbacks are reported per route and reason for the last full
// hour; a route above the threshold alerts once an hour.
func TestCallbackRefusalsAreReportedAndAlerted(t *testing.T) {
	m := newMonitorRig(t, sh(2026, 3, 5, 9).Add(20*time.Minute))
	ctx := context.Background()
	count := monitor.Refusals{DB: m.db.DB, Log: slog.New(slog.DiscardHandler)}
	for range 6 {
		count.Count(ctx, m.clock.Now(), monitor.RouteWxpayTransaction, "bad_signature")
	}
	count.Count(ctx, m.clock.Now(), monitor.RouteESS, "stale_timestamp")
	count.Count(ctx, m.clock.Now().Add(time.Hour), monitor.RouteESS, "stale_timestamp") // the next hour
	monitor.Refusals{}.Count(ctx, m.clock.Now(), monitor.RouteESS, "x")                 // no database: nothing, no panic
	m.clock.Advance(sh(2026, 3, 5, 10).Add(5 * time.Minute).Sub(m.clock.Now()))
	m.run(t)
	m.run(t)
	hour := sh(2026, 3, 5, 9)
	for labels, want := range map[string]int64{
		"route=notify-wxpay-transaction,reason=bad_signature": 6, "route=notify-wxpay-transaction": 6,
		"route=notify-ess,reason=stale_timestamp": 1, "route=notify-ess": 1,
	} {
		if v, _, ok := m.metric(t, "callback_refusals", labels, "hour", hour); !ok || v != want {
			t.Errorf("%s: %d (stored %v), want %d", labels, v, ok, want)
		}
	}
	if n, e := m.alerts(t, "callback_refusals:notify-wxpay-transaction"), m.alerts(t, "callback_refusals:notify-ess"); n != 1 || e != 0 {
		t.Fatalf("alerts: transaction %d, ess %d", n, e)
	}
}

// The approval rate of the day so far is compared with yesterday's and
// with the same weekday last week's, both to the same cut-off; each
// reference has its own figure and its own alert.
func TestApprovalRateAgainstLastWeek(t *testing.T) {
	now := sh(2026, 3, 12, 15).Add(30 * time.Minute) // a Thursday
	m := newMonitorRig(t, now)
	decide := func(at time.Time, approved, declined int) {
		for i := range approved + declined {
			status := "approved"
			if i >= approved {
				status = "declined"
			}
			m.exec(t, `INSERT INTO credit_applications (user_id, product_code, status, step, device, client_ip, created_at, updated_at, decided_at)
				VALUES (?, 'x', ?, 'done', '{}', '127.0.0.1', ?, ?, ?)`, 1, status, at, at, at)
		}
	}
	decide(sh(2026, 3, 12, 9), 10, 10)                     // today so far: 50%
	decide(sh(2026, 3, 11, 9), 10, 10)                     // yesterday to the cut-off: 50%
	decide(sh(2026, 3, 5, 9), 16, 4)                       // last Thursday to the cut-off: 80%
	decide(sh(2026, 3, 5, 15).Add(45*time.Minute), 0, 100) // last Thursday after the cut-off: not compared
	m.run(t)
	m.run(t)
	day := sh(2026, 3, 12, 0)
	for _, c := range []struct {
		name, labels string
		value, vol   int64
	}{
		{"approval_rate_ppm", "", 500_000, 20},
		{"approval_rate_ppm", "ref=yesterday", 500_000, 20},
		{"approval_rate_ppm", "ref=last_week", 800_000, 20},
		{"approval_rate_change_ppm", "ref=yesterday", 0, 20},
		{"approval_rate_change_ppm", "ref=last_week", -375_000, 20}, // 50% is 37.5% below 80%
	} {
		if v, vol, ok := m.metric(t, c.name, c.labels, "day", day); !ok || v != c.value || vol != c.vol {
			t.Errorf("%s %s: %d of %d (stored %v), want %d of %d", c.name, c.labels, v, vol, ok, c.value, c.vol)
		}
	}
	if w, y := m.alerts(t, "approval_rate_swing_last_week:day"), m.alerts(t, "approval_rate_swing:day"); w != 1 || y != 0 {
		t.Fatalf("swing alerts: last week %d, yesterday %d", w, y)
	}
}

func TestChange(t *testing.T) {
	for _, c := range []struct {
		cur, prev mysql.Ratio
		want      int64
		ok        bool
	}{
		{mysql.Ratio{Part: 1, Whole: 2}, mysql.Ratio{Part: 4, Whole: 5}, -375_000, true},
		{mysql.Ratio{Part: 3, Whole: 5}, mysql.Ratio{Part: 1, Whole: 2}, 200_000, true},
		{mysql.Ratio{Part: 1, Whole: 3}, mysql.Ratio{Part: 1, Whole: 2}, -333_333, true}, // truncated toward zero
		{mysql.Ratio{Part: 5_000_000_000, Whole: 9_000_000_000}, mysql.Ratio{Part: 4_000_000_000, Whole: 9_000_000_000}, 250_000, true},
		{mysql.Ratio{Part: 1, Whole: 2}, mysql.Ratio{Part: 0, Whole: 2}, 0, false},
		{mysql.Ratio{Part: 0, Whole: 0}, mysql.Ratio{Part: 1, Whole: 2}, 0, false},
	} {
		if got, ok := monitor.Change(c.cur, c.prev); got != c.want || ok != c.ok {
			t.Errorf("Change(%v, %v) = %d, %v", c.cur, c.prev, got, ok)
		}
	}
}

func TestRolls(t *testing.T) {
	rolls := monitor.Rolls([]mysql.BucketMove{{From: "C", To: "C", N: 7}, {From: "C", To: "M1", N: 3}, {From: "C", To: "", N: 5},
		{From: "M1", To: "M3", N: 1}, {From: "M3+", To: "M3+", N: 9}, {From: "M2", To: "M3", N: 2}})
	got := fmt.Sprint(rolls)
	want := "[{C M1 {3 15}} {M1 M2 {0 1}} {M2 M3 {2 2}} {M3 M3+ {0 0}}]"
	if got != want {
		t.Fatalf("rolls %s, want %s", got, want)
	}
}
