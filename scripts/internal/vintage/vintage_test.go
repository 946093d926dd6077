package vintage

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestBuildIsCumulativeByCohortAndMOB(t *testing.T) {
	loans := []Loan{
		{Cohort: "2027-01", DPDByMOB: []int{0, 0, 0, 0}},
		{Cohort: "2027-01", DPDByMOB: []int{0, 31, 0, 0}}, // cured after MOB1: still counted
		{Cohort: "2027-01", DPDByMOB: []int{0, 5, 35, 65}},
		{Cohort: "2027-01", DPDByMOB: []int{0, 0}}, // settled after MOB1: observed twice
		{Cohort: "2027-02", DPDByMOB: []int{0, 30}},
		{Cohort: "2027-02", DPDByMOB: []int{0, 29}},
	}
	tb := Build(loans, 30)
	if strings.Join(tb.Cohorts, ",") != "2027-01,2027-02" {
		t.Fatalf("cohorts %v", tb.Cohorts)
	}
	want := [][]Ratio{
		{{0, 4}, {1, 4}, {2, 3}, {2, 3}},
		{{0, 2}, {1, 2}},
	}
	for i := range want {
		if len(tb.Share[i]) != len(want[i]) {
			t.Fatalf("cohort %s: %v, want %v", tb.Cohorts[i], tb.Share[i], want[i])
		}
		for m := range want[i] {
			if tb.Share[i][m] != want[i][m] {
				t.Errorf("cohort %s MOB%d: %v, want %v", tb.Cohorts[i], m, tb.Share[i][m], want[i][m])
			}
		}
	}
	text := tb.Text()
	for _, s := range []string{"MOB3", "66.7%", "50.0%", "0.0%"} {
		if !strings.Contains(text, s) {
			t.Errorf("table lacks %q:\n%s", s, text)
		}
	}
}

func TestRatioRoundsHalfUp(t *testing.T) {
	for r, want := range map[Ratio]string{{1, 3}: "33.3%", {2, 3}: "66.7%", {1, 8}: "12.5%", {1, 16}: "6.3%", {0, 0}: "-", {5, 5}: "100.0%"} {
		if got := r.String(); got != want {
			t.Errorf("%v: %s, want %s", r, got, want)
		}
	}
}

func TestSVGIsWellFormedWithALinePerCohort(t *testing.T) {
	tb := Build([]Loan{{Cohort: "2027-01", DPDByMOB: []int{0, 40}}, {Cohort: "2027-02<x>", DPDByMOB: []int{0}}}, 30)
	svg := tb.SVG(`vintage "30+" & more`)
	dec := xml.NewDecoder(strings.NewReader(svg))
	lines := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed XML: %v\n%s", err, svg)
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
			lines++
		}
	}
	if lines != 2 {
		t.Fatalf("%d polylines, want one per cohort", lines)
	}
}
