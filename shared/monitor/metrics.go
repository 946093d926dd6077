package monitor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/ops"
)

// Deps is what a monitor run uses.
type Deps struct {
	DB    *sql.DB
	Alert Alerter
	// SwingBP: an approval rate that moved more than this share of its
	// reference (basis points of the reference rate) alerts. MinVolume:
	// decisions both periods need.
	SwingBP, MinVolume int64
	// RefusalsPerHour: more refused callbacks than this on one route in
	// an hour alerts (0: never).
	RefusalsPerHour int64
}

// StuckAfter is how long a pending application may stay untouched before
// it counts as stuck.
const StuckAfter = 10 * time.Minute

// ppm is part/whole in parts per million (0 when whole is 0).
func ppm(r mysql.Ratio) int64 {
	if r.Whole == 0 {
		return 0
	}
	return r.Part * 1_000_000 / r.Whole
}

// Run computes the metrics at the business clock's current hour: the last
// full hour and the day so far. Each is stored (metrics) and logged as a
// structured line ("metric", for CLS); an approval rate that swings more
// than SwingBP against the same period yesterday or the same weekday last
// week (same cut-off), with MinVolume decisions on both sides, raises one
// alert per reference and hour. It also snapshots the DPD buckets of the
// latest closed date and stores the roll rates (rolls.go), and reports
// the last hour's callback refusals, alerting above RefusalsPerHour
// (refusals.go).
func Run(ctx context.Context, d Deps) error {
	now := d.Alert.Clock.Now().In(lending.Shanghai)
	hour := now.Truncate(time.Hour)
	dayStart := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, lending.Shanghai)
	w := mysql.Watch{DB: d.DB}
	r := recorder{ctx: ctx, d: d, now: now}
	periods := []struct {
		name     string
		from, to time.Time
	}{{"hour", hour.Add(-time.Hour), hour}, {"day", dayStart, now}}
	for _, p := range periods {
		approvals, err := w.Approvals(ctx, p.from, p.to)
		r.ratio("approval_rate", p.name, p.from, approvals, err)
		if err == nil {
			r.swing(w, p.name, p.from, p.to, approvals)
		}
	}
	failures, err := w.PayoutFailures(ctx, hour.Add(-time.Hour), hour)
	r.ratio("payout_failure_rate", "hour", hour.Add(-time.Hour), failures, err)
	paid, err := w.RepaymentsPaid(ctx, hour.Add(-time.Hour), hour)
	r.ratio("repayment_success_rate", "hour", hour.Add(-time.Hour), paid, err)
	buckets, err := w.DPDBuckets(ctx)
	for b, n := range buckets {
		r.put(mysql.Metric{Name: "dpd_loans", Labels: "bucket=" + b, Period: "hour", Start: hour, Value: n}, nil)
	}
	r.fail(err)
	r.rolls()
	r.refusals(hour.Add(-time.Hour))
	open, err := mysql.OpsItems{DB: d.DB}.OpenSummary(ctx)
	br := open[ops.ReconBreak]
	r.put(mysql.Metric{Name: "open_breaks", Period: "hour", Start: hour, Value: br[0]}, err)
	r.put(mysql.Metric{Name: "open_breaks_fen", Period: "hour", Start: hour, Value: br[1]}, err)
	oldest, err := w.OutboxOldest(ctx)
	age := int64(0)
	if !oldest.IsZero() {
		age = int64(now.Sub(oldest) / time.Second)
	}
	r.put(mysql.Metric{Name: "outbox_backlog_age_s", Period: "hour", Start: hour, Value: age}, err)
	stuck, err := w.StuckApplications(ctx, now.Add(-StuckAfter))
	r.put(mysql.Metric{Name: "stuck_applications", Period: "hour", Start: hour, Value: stuck}, err)
	return errors.Join(r.errs...)
}

// recorder stores and logs metrics, keeping the errors.
type recorder struct {
	ctx  context.Context
	d    Deps
	now  time.Time
	errs []error
}

func (r *recorder) fail(err error) {
	if err != nil {
		r.errs = append(r.errs, err)
	}
}

func (r *recorder) put(m mysql.Metric, err error) {
	if err != nil {
		r.fail(err)
		return
	}
	r.d.Alert.Log.InfoContext(r.ctx, "metric", "name", m.Name, "labels", m.Labels, "period", m.Period,
		"period_start", m.Start.Format(time.RFC3339), "value", m.Value, "volume", m.Volume)
	r.fail(mysql.Metrics{DB: r.d.DB}.Put(r.ctx, m, r.now))
}

func (r *recorder) ratio(name, period string, start time.Time, v mysql.Ratio, err error) {
	r.put(mysql.Metric{Name: name + "_ppm", Period: period, Start: start, Value: ppm(v), Volume: v.Whole}, err)
}

// References an approval rate is compared with: the same period (same
// cut-off time) yesterday and on the same weekday last week. Each has its
// own figures and its own alert (yesterday's keeps the original name).
var references = []struct {
	label, alert string
	days         int
}{{"yesterday", "approval_rate_swing:", 1}, {"last_week", "approval_rate_swing_last_week:", 7}}

// swing compares the approval rate of [from, to) with each reference:
// it stores the reference's rate (approval_rate_ppm, ref=...) and the
// relative change (approval_rate_change_ppm, ref=...), and alerts when
// the rate swung (Swung).
func (r *recorder) swing(w mysql.Watch, period string, from, to time.Time, cur mysql.Ratio) {
	for _, ref := range references {
		prev, err := w.Approvals(r.ctx, from.AddDate(0, 0, -ref.days), to.AddDate(0, 0, -ref.days))
		if err != nil {
			r.fail(err)
			continue
		}
		labels := "ref=" + ref.label
		r.put(mysql.Metric{Name: "approval_rate_ppm", Labels: labels, Period: period, Start: from, Value: ppm(prev), Volume: prev.Whole}, nil)
		if change, ok := Change(cur, prev); ok {
			r.put(mysql.Metric{Name: "approval_rate_change_ppm", Labels: labels, Period: period, Start: from, Value: change, Volume: cur.Whole}, nil)
		}
		if !Swung(cur, prev, r.d.SwingBP, r.d.MinVolume) {
			continue
		}
		body := fmt.Sprintf("approval rate (%s) %.2f%% of %d decisions, %s %.2f%% of %d", period, float64(ppm(cur))/1e4, cur.Whole,
			ref.label, float64(ppm(prev))/1e4, prev.Whole)
		r.fail(r.d.Alert.Raise(r.ctx, ref.alert+period, "通过率异常波动 (approval rate swing, vs "+ref.label+")", body))
	}
}

// Change is cur's rate relative to prev's, in parts per million of prev's
// rate, signed ((c/C − p/P) ÷ (p/P) = (c·P − p·C) ÷ (p·C)), truncated
// toward zero; ok false when either has no decisions or prev no approvals.
// Big integers: the products outgrow int64 past a few million decisions.
func Change(cur, prev mysql.Ratio) (int64, bool) {
	if cur.Whole == 0 || prev.Whole == 0 || prev.Part == 0 {
		return 0, false
	}
	num := new(big.Int).Sub(new(big.Int).Mul(big.NewInt(cur.Part), big.NewInt(prev.Whole)),
		new(big.Int).Mul(big.NewInt(prev.Part), big.NewInt(cur.Whole)))
	num.Mul(num, big.NewInt(1_000_000))
	den := new(big.Int).Mul(big.NewInt(prev.Part), big.NewInt(cur.Whole))
	return num.Quo(num, den).Int64(), true
}

// Swung reports whether cur's rate moved more than swingBP (basis points
// of prev's rate) from prev's, both having at least minVolume decisions.
// Exact integer arithmetic: |c/C − p/P| > s/10000 × p/P ⇔
// |c·P − p·C| × 10000 > s × p × C.
func Swung(cur, prev mysql.Ratio, swingBP, minVolume int64) bool {
	if cur.Whole < minVolume || prev.Whole < minVolume || prev.Part == 0 {
		return false
	}
	diff := cur.Part*prev.Whole - prev.Part*cur.Whole
	if diff < 0 {
		diff = -diff
	}
	return diff*10_000 > swingBP*prev.Part*cur.Whole
}
