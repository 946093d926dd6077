package monitor

import (
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/mysql"
)

// Snapshot retention: daily rolls need the previous date, month-over-month
// rolls the previous month-end; a little more is kept for a person to
// look at, and a year of month-ends.
const (
	keepSnapshotDays = 7
	keepMonthEndDays = 400
	pruneRowsPerRun  = 50_000
	rollRateMetric   = "dpd_roll_rate_ppm"
	rollPeriodDay    = "day"
	rollPeriodMonth  = "month"
)

// rollOrder is the buckets from best to worst (lending.BucketOf); a roll
// is a move to the next one.
var rollOrder = []lending.DPDBucket{lending.BucketCurrent, lending.BucketM1, lending.BucketM2, lending.BucketM3, lending.BucketM3Plus}

// Roll is the share of the loans in From on the earlier snapshot that are
// in To, the next worse bucket, on the later one.
type Roll struct {
	From, To lending.DPDBucket
	Rate     mysql.Ratio // Part rolled of Whole in From
}

// Rolls computes the roll of every bucket but the worst from the moves
// between two snapshots, exactly (counts). A loan absent from the later
// snapshot (paid off) counts in its earlier bucket and did not roll.
func Rolls(moves []mysql.BucketMove) []Roll {
	out := make([]Roll, len(rollOrder)-1)
	at := map[string]int{}
	for i := range out {
		out[i] = Roll{From: rollOrder[i], To: rollOrder[i+1]}
		at[string(rollOrder[i])] = i
	}
	for _, m := range moves {
		i, ok := at[m.From]
		if !ok {
			continue // the worst bucket rolls nowhere
		}
		out[i].Rate.Whole += m.N
		if m.To == string(out[i].To) {
			out[i].Rate.Part += m.N
		}
	}
	return out
}

// rolls snapshots the buckets of the latest closed business date (once,
// while loans still hold them) and stores the roll rates that end on it:
// from the previous date (period day) and, on a month-end, from the
// previous month-end (period month, the lending convention: with 30-day
// buckets an unpaid loan moves one bucket a month, so month-end to
// month-end is the flow rate C→M1→M2…; the daily figure is an early
// signal, only loans crossing a boundary that day move). A date whose
// snapshot was missed (job-monitor down for the whole day between two
// closes) has no rolls.
func (r *recorder) rolls() {
	s := mysql.DPDSnapshots{DB: r.d.DB}
	d, ok, err := s.LastClosed(r.ctx)
	if err != nil || !ok {
		r.fail(err)
		return
	}
	taken, err := s.Take(r.ctx, d, r.now)
	if err != nil || !taken {
		r.fail(err)
		return
	}
	r.roll(s, rollPeriodDay, d.AddDays(-1), d, dateStart(d))
	if next := d.AddDays(1); next.Day == 1 {
		first := lending.Date{Year: d.Year, Month: d.Month, Day: 1}
		r.roll(s, rollPeriodMonth, first.AddDays(-1), d, dateStart(first))
	}
	r.fail(s.Prune(r.ctx, d.AddDays(-keepSnapshotDays), d.AddDays(-keepMonthEndDays), pruneRowsPerRun))
}

// roll stores the roll rates from snapshot from to snapshot to, when
// both are complete.
func (r *recorder) roll(s mysql.DPDSnapshots, period string, from, to lending.Date, start time.Time) {
	ok, err := s.Taken(r.ctx, from)
	if err != nil || !ok {
		r.fail(err)
		return
	}
	moves, err := s.Transitions(r.ctx, from, to)
	if err != nil {
		r.fail(err)
		return
	}
	for _, roll := range Rolls(moves) {
		r.put(mysql.Metric{Name: rollRateMetric, Labels: "from=" + string(roll.From) + ",to=" + string(roll.To), Period: period,
			Start: start, Value: ppm(roll.Rate), Volume: roll.Rate.Whole}, nil)
	}
}

// dateStart is midnight of d, business time.
func dateStart(d lending.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, lending.Shanghai)
}
