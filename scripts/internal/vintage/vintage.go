// Package vintage builds a lender's vintage curves: for each monthly cohort
// of loans (by disbursement month), the share that has ever been at or past
// a days-past-due threshold (30+: M1 ended, M2 reached) by month on book
// (MOB). Shares are exact ratios of loan counts; they are rounded only when
// printed. The simulator (scripts/simulate) prints the table and writes the
// curves as an SVG chart.
package vintage

import (
	"fmt"
	"sort"
	"strings"
)

// Loan is one loan's history: its cohort ("2027-01") and the days past due
// observed at the end of each month on book (index 0 = MOB 0, the month it
// was disbursed in). A loan settled or not yet observed at a MOB has no
// entry there (DPD is then that of its last observation for the cumulative
// share: once 30+, always counted).
type Loan struct {
	Cohort   string
	DPDByMOB []int
}

// Ratio is an exact share Num/Den.
type Ratio struct{ Num, Den int }

// PerMille is r in tenths of a percent, rounded half up; -1 when Den is 0.
func (r Ratio) PerMille() int {
	if r.Den == 0 {
		return -1
	}
	return (r.Num*2000 + r.Den) / (2 * r.Den)
}

// String is r as a percentage with one decimal ("12.5%"), "-" when empty.
func (r Ratio) String() string {
	pm := r.PerMille()
	if pm < 0 {
		return "-"
	}
	return fmt.Sprintf("%d.%d%%", pm/10, pm%10)
}

// Table is the vintage table: Share[i][m] for cohort Cohorts[i] at MOB m.
type Table struct {
	Threshold int
	Cohorts   []string
	Share     [][]Ratio
}

// Build computes the cumulative share of each cohort that has been at
// threshold+ DPD by each MOB. The denominator at MOB m is the cohort's
// loans observed at m (a cohort disbursed late in the run has fewer MOBs).
func Build(loans []Loan, threshold int) Table {
	byCohort := map[string][]Loan{}
	maxMOB := 0
	for _, l := range loans {
		byCohort[l.Cohort] = append(byCohort[l.Cohort], l)
		maxMOB = max(maxMOB, len(l.DPDByMOB))
	}
	t := Table{Threshold: threshold}
	for c := range byCohort {
		t.Cohorts = append(t.Cohorts, c)
	}
	sort.Strings(t.Cohorts)
	for _, c := range t.Cohorts {
		row := make([]Ratio, maxMOB)
		for _, l := range byCohort[c] {
			ever := false
			for m, dpd := range l.DPDByMOB {
				ever = ever || dpd >= threshold
				row[m].Den++
				if ever {
					row[m].Num++
				}
			}
		}
		t.Share = append(t.Share, trimEmpty(row))
	}
	return t
}

func trimEmpty(row []Ratio) []Ratio {
	for len(row) > 0 && row[len(row)-1].Den == 0 {
		row = row[:len(row)-1]
	}
	return row
}

// MaxMOB is the number of MOB columns.
func (t Table) MaxMOB() int {
	n := 0
	for _, r := range t.Share {
		n = max(n, len(r))
	}
	return n
}

// Text is the table for a terminal: one row per cohort, one column per MOB.
func (t Table) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d+ DPD by month on book (cumulative share of the cohort's loans)\n", t.Threshold)
	fmt.Fprintf(&b, "%-8s %6s", "cohort", "loans")
	for m := 0; m < t.MaxMOB(); m++ {
		fmt.Fprintf(&b, " %7s", fmt.Sprintf("MOB%d", m))
	}
	b.WriteByte('\n')
	for i, c := range t.Cohorts {
		n := 0
		if len(t.Share[i]) > 0 {
			n = t.Share[i][0].Den
		}
		fmt.Fprintf(&b, "%-8s %6d", c, n)
		for _, r := range t.Share[i] {
			fmt.Fprintf(&b, " %7s", r)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
