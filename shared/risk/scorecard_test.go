package risk_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/wxlend/wxlend/shared/risk"
)

func ptr(v float64) *float64 { return &v }

// handModel: base score 600 at odds 50:1, PDO 20; two characteristics.
func handModel() risk.Model {
	return risk.Model{Version: 7, BaseScore: 600, BaseOdds: 50, PDO: 20, BasePoints: 500, ReasonCount: 2,
		Characteristics: []risk.Characteristic{
			{Feature: "operator_tenure_months", ReasonCode: "S101", Missing: risk.Bin{Points: 0},
				Bins: []risk.Bin{{Upper: ptr(12), Points: 10}, {Lower: ptr(12), Upper: ptr(36), Points: 40}, {Lower: ptr(36), Points: 60}}},
			{Feature: "thirdparty_score", ReasonCode: "S102", Missing: risk.Bin{Points: 5, ReasonCode: "S103"},
				Bins: []risk.Bin{{Upper: ptr(600), Points: 0}, {Lower: ptr(600), Points: 40}}},
			{Feature: "is_student", ReasonCode: "S105", Missing: risk.Bin{Points: 0},
				Bins: []risk.Bin{{Upper: ptr(1), Points: 0}, {Lower: ptr(1), Points: -30}}},
		}}
}

func TestScorecardHandChecked(t *testing.T) {
	m, err := risk.CompileModel(handModel())
	if err != nil {
		t.Fatal(err)
	}
	// Factor = 20/ln2 = 28.853900817779268; Offset = 600 − Factor·ln 50 = 487.12260771...
	factor := 20 / math.Ln2
	offset := 600 - factor*math.Log(50)
	cases := []struct {
		name    string
		set     map[string]any
		score   float64
		reasons []string
		bins    []int
	}{
		// 500 + 60 + 40 + 0 = 600 → odds 50 → PD 1/51.
		{"best", map[string]any{"operator_tenure_months": 40, "thirdparty_score": 650, "is_student": false}, 600, nil, []int{2, 1, 0}},
		// 500 + 40 + 40 + 0 = 580 → odds 25 → PD 1/26. Bin edges: 12 is in [12, 36).
		{"edge", map[string]any{"operator_tenure_months": 12, "thirdparty_score": 600, "is_student": false}, 580, []string{"S101"}, []int{1, 1, 0}},
		// 500 + 10 + 0 − 30 = 480: shortfalls 50 (tenure), 40 (score), 30 (student); k = 2.
		{"worst", map[string]any{"operator_tenure_months": 3, "thirdparty_score": 550, "is_student": true}, 480, []string{"S101", "S102"}, []int{0, 0, 1}},
		// All missing: 500 + 0 + 5 + 0 = 505. An unknown tenure is not a short
		// one: its shortfall (60) is explained by S108, the score's (35) by its
		// missing bin's own S103.
		{"missing", nil, 505, []string{"S108", "S103"}, []int{-1, -1, -1}},
	}
	for _, tc := range cases {
		f := risk.NewFeatures()
		for k, v := range tc.set {
			if err := f.Set(k, v); err != nil {
				t.Fatal(err)
			}
		}
		r := m.Score(f)
		if r.Score != tc.score {
			t.Errorf("%s: score %v, want %v", tc.name, r.Score, tc.score)
		}
		wantPD := 1 / (1 + math.Exp((tc.score-offset)/factor))
		if math.Abs(r.PD-wantPD) > 1e-12 {
			t.Errorf("%s: PD %v, want %v", tc.name, r.PD, wantPD)
		}
		if !slices.Equal(r.Reasons, tc.reasons) {
			t.Errorf("%s: reasons %v, want %v", tc.name, r.Reasons, tc.reasons)
		}
		for i, c := range r.Contributions {
			if c.Bin != tc.bins[i] {
				t.Errorf("%s: %s in bin %d, want %d", tc.name, c.Feature, c.Bin, tc.bins[i])
			}
		}
	}
	if pd := m.PD(600); math.Abs(pd-1.0/51) > 1e-12 {
		t.Errorf("PD(600) = %v, want 1/51", pd)
	}
	if pd := m.PD(580); math.Abs(pd-1.0/26) > 1e-12 {
		t.Errorf("PD(580) = %v, want 1/26", pd)
	}
	if pd := m.PD(620); math.Abs(pd-1.0/101) > 1e-12 {
		t.Errorf("PD(620) = %v, want 1/101", pd)
	}
	if m.PD(-1e6) != 1 || m.PD(1e6) != 0 {
		t.Error("PD is not clamped to [0, 1] at the extremes")
	}
}

func TestScorecardRefusals(t *testing.T) {
	cases := []struct {
		name string
		edit func(*risk.Model)
	}{
		{"version", func(m *risk.Model) { m.Version = 0 }},
		{"odds", func(m *risk.Model) { m.BaseOdds = 0 }},
		{"pdo", func(m *risk.Model) { m.PDO = -20 }},
		{"nan", func(m *risk.Model) { m.BaseScore = math.NaN() }},
		{"reason count", func(m *risk.Model) { m.ReasonCount = 0 }},
		{"no characteristics", func(m *risk.Model) { m.Characteristics = nil }},
		{"unknown feature", func(m *risk.Model) { m.Characteristics[0].Feature = "tenure" }},
		{"string feature", func(m *risk.Model) { m.Characteristics[0].Feature = "declared_city" }},
		{"duplicate feature", func(m *risk.Model) { m.Characteristics[1].Feature = "operator_tenure_months" }},
		{"reason", func(m *risk.Model) { m.Characteristics[0].ReasonCode = "X" }},
		{"bin reason", func(m *risk.Model) { m.Characteristics[0].Bins[0].ReasonCode = "X" }},
		{"first lower", func(m *risk.Model) { m.Characteristics[0].Bins[0].Lower = ptr(0) }},
		{"last upper", func(m *risk.Model) { m.Characteristics[0].Bins[2].Upper = ptr(100) }},
		{"gap", func(m *risk.Model) { m.Characteristics[0].Bins[1].Lower = ptr(13) }},
		{"reversed", func(m *risk.Model) {
			m.Characteristics[0].Bins[1].Upper = ptr(12)
			m.Characteristics[0].Bins[2].Lower = ptr(12)
		}},
		{"missing bounds", func(m *risk.Model) { m.Characteristics[0].Missing.Lower = ptr(1) }},
		{"huge points", func(m *risk.Model) { m.Characteristics[0].Bins[0].Points = 1e9 }},
		{"inf woe", func(m *risk.Model) { m.Characteristics[0].Bins[0].WOE = math.Inf(1) }},
		{"no bins", func(m *risk.Model) { m.Characteristics[0].Bins = nil }},
		{"missing bin with a value's reason", func(m *risk.Model) { m.Characteristics[0].Missing.ReasonCode = "S101" }},
		{"missing bin with a rule's reason", func(m *risk.Model) { m.Characteristics[1].Missing.ReasonCode = "R005" }},
		{"missing-data reason for known values", func(m *risk.Model) { m.Characteristics[0].ReasonCode = risk.ReasonMissingData }},
		{"missing-data reason on a bin", func(m *risk.Model) { m.Characteristics[0].Bins[1].ReasonCode = risk.ReasonMissingData }},
	}
	for _, tc := range cases {
		m := handModel()
		tc.edit(&m)
		if _, err := risk.CompileModel(m); !errors.Is(err, risk.ErrInvalidModel) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestDefaultModelRange(t *testing.T) {
	m, err := risk.CompileModel(risk.DefaultModel())
	if err != nil {
		t.Fatal(err)
	}
	if m.Version() != 1 || len(m.Digest()) != 64 {
		t.Error("identity")
	}
	// Nothing known: 490 points; the largest shortfall is the missing third-
	// party score's (S103), every other one is missing data (S108).
	empty := m.Score(risk.NewFeatures())
	if empty.Score != 490 || !slices.Equal(empty.Reasons, []string{"S103", risk.ReasonMissingData}) {
		t.Errorf("thin file: score %v reasons %v", empty.Score, empty.Reasons)
	}
	if empty.PD <= 0 || empty.PD >= 1 {
		t.Errorf("PD %v", empty.PD)
	}
}

// TestMissingBinAboveTheBestGivesNoReason: a missing bin worth more than
// every bin of known values is not the yardstick of known values (the best
// of them gets no reason), and an absent feature then has no shortfall.
func TestMissingBinAboveTheBestGivesNoReason(t *testing.T) {
	hm := handModel()
	hm.Characteristics[0].Missing.Points = 70
	m, err := risk.CompileModel(hm)
	if err != nil {
		t.Fatal(err)
	}
	best := risk.NewFeatures()
	_ = best.Set("operator_tenure_months", 40)
	_ = best.Set("thirdparty_score", 650)
	_ = best.Set("is_student", false)
	if r := m.Score(best); len(r.Reasons) != 0 || r.Contributions[0].MaxPoints != 60 {
		t.Errorf("best known values: reasons %v, max points %v", r.Reasons, r.Contributions[0].MaxPoints)
	}
	best.Unset("operator_tenure_months")
	if r := m.Score(best); len(r.Reasons) != 0 || r.Score != 500+70+40 {
		t.Errorf("tenure unknown: score %v reasons %v", r.Score, r.Reasons)
	}
}
