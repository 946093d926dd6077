package risk_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/risk/risktest"
)

var (
	beijing   = risk.GeoPoint{LatDeg: 39.9042, LonDeg: 116.4074}
	shanghai  = risk.GeoPoint{LatDeg: 31.2304, LonDeg: 121.4737}
	guangzhou = risk.GeoPoint{LatDeg: 23.1291, LonDeg: 113.2644}
)

func TestHaversine(t *testing.T) {
	cases := []struct {
		a, b risk.GeoPoint
		km   float64
	}{
		{beijing, shanghai, 1067},
		{beijing, guangzhou, 1888},
		{beijing, beijing, 0},
		{risk.GeoPoint{LatDeg: 0, LonDeg: 0}, risk.GeoPoint{LatDeg: 0, LonDeg: 180}, math.Pi * 6371.0088},
	}
	for _, tc := range cases {
		if got := risk.HaversineKM(tc.a, tc.b); math.Abs(got-tc.km) > 5 {
			t.Errorf("%v-%v: %.1f km, want %.0f", tc.a, tc.b, got, tc.km)
		}
	}
}

func TestImpossibleTravel(t *testing.T) {
	cases := []struct {
		name    string
		a, b    risk.GeoPoint
		elapsed time.Duration
		want    bool
	}{
		{"Beijing-Shanghai in 30 min", beijing, shanghai, 30 * time.Minute, true},
		{"Beijing-Shanghai in 2 h (flight)", beijing, shanghai, 2 * time.Hour, false},
		{"Beijing-Guangzhou in 1 h", beijing, guangzhou, time.Hour, true},
		{"same place, no time", beijing, beijing, 0, false},
		{"within jitter, no time", beijing, risk.GeoPoint{LatDeg: 40.3, LonDeg: 116.4}, 0, false},
		{"far, no time", beijing, shanghai, 0, true},
		{"far, negative time", beijing, shanghai, -time.Hour, true},
		{"invalid point", beijing, risk.GeoPoint{LatDeg: 91}, time.Minute, false},
		{"NaN point", beijing, risk.GeoPoint{LatDeg: math.NaN()}, time.Minute, false},
	}
	for _, tc := range cases {
		if got := risk.ImpossibleTravel(tc.a, tc.b, tc.elapsed); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
	if v := risk.TravelSpeedKMH(beijing, shanghai, time.Hour); math.Abs(v-1067) > 5 {
		t.Errorf("speed %v", v)
	}
	if risk.TravelSpeedKMH(beijing, shanghai, 0) != 0 {
		t.Error("speed with no time")
	}
}

func TestCityMismatch(t *testing.T) {
	cases := []struct {
		d, ip risk.Region
		want  bool
	}{
		{risk.Region{City: "上海市"}, risk.Region{City: "上海"}, false},
		{risk.Region{City: "Shanghai"}, risk.Region{City: "shanghai city"}, false},
		{risk.Region{City: "上海"}, risk.Region{City: "北京"}, true},
		{risk.Region{Province: "广东省", City: "深圳"}, risk.Region{Province: "广东"}, false},
		{risk.Region{Province: "广东省", City: "深圳"}, risk.Region{Province: "广西壮族自治区"}, true},
		{risk.Region{Province: "新疆维吾尔自治区"}, risk.Region{Province: "新疆"}, false},
		{risk.Region{City: "上海"}, risk.Region{}, false},
		{risk.Region{}, risk.Region{City: "上海"}, false},
		{risk.Region{City: "市"}, risk.Region{City: "市"}, false},
	}
	for _, tc := range cases {
		if got := risk.CityMismatch(tc.d, tc.ip); got != tc.want {
			t.Errorf("%+v vs %+v: %v", tc.d, tc.ip, got)
		}
	}
}

func TestDeviceSignals(t *testing.T) {
	good := risk.DeviceSignals{FingerprintID: "fp_0123456789abcdef", Hooked: true}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, fp := range []string{"", "short", "fp 0123456789abcdef", "fp_0123456789abcdef\x00", string(make([]byte, 129))} {
		if err := (risk.DeviceSignals{FingerprintID: fp}).Validate(); !errors.Is(err, risk.ErrInvalidInput) {
			t.Errorf("%q accepted", fp)
		}
	}
	f := risk.NewFeatures()
	good.ApplyTo(f)
	risk.Velocity{IP1h: 3, Device1h: 7, AccountsPerDevice: 2}.ApplyTo(f)
	if v, _ := f.Get("device_hooked"); v != true {
		t.Error("hooked not applied")
	}
	if v, _ := f.Get("device_velocity_1h"); v != int64(7) {
		t.Error("velocity not applied")
	}
}

func TestFakeProvider(t *testing.T) {
	ctx := context.Background()
	var p risk.DataProvider = risktest.Provider{}
	bl, _ := p.Blacklist(ctx, risktest.IDHash("a", '0'))
	court, _ := p.Blacklist(ctx, risktest.IDHash("a", '1'))
	ml, _ := p.MultiLending(ctx, risktest.IDHash("a", '2'))
	thin, _ := p.ThirdPartyScore(ctx, risktest.IDHash("a", '3'))
	clean, _ := p.ThirdPartyScore(ctx, risktest.IDHash("a", '7'))
	if !bl.Hit || !court.CourtEnforcement || ml.Apps3m != 12 || thin.Available || !clean.Available || clean.Score != 670 {
		t.Errorf("fixtures: %+v %+v %+v %+v %+v", bl, court, ml, thin, clean)
	}
	if _, err := p.Blacklist(ctx, risktest.IDHash("a", 'e')); !errors.Is(err, risk.ErrProviderUnavailable) {
		t.Errorf("'e' should fail: %v", err)
	}
	if _, err := p.Blacklist(ctx, "not-a-hash"); err == nil {
		t.Error("invalid hash accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.MultiLending(cancelled, risktest.IDHash("a", '5')); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	// The fixtures drive the default plan end to end.
	plan := defaultPlan(t)
	want := map[byte]risk.Outcome{'0': risk.OutcomeDecline, '1': risk.OutcomeDecline, '2': risk.OutcomeDecline, '3': risk.OutcomeApprove, '9': risk.OutcomeApprove}
	for digit, outcome := range want {
		h := risktest.IDHash("user", digit)
		f := risktest.GoodApplicant()
		b, err1 := p.Blacklist(ctx, h)
		m, err2 := p.MultiLending(ctx, h)
		s, err3 := p.ThirdPartyScore(ctx, h)
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatal(err)
		}
		b.ApplyTo(f)
		m.ApplyTo(f)
		s.ApplyTo(f)
		d, err := risk.Decide(input(f), plan)
		if err != nil {
			t.Fatal(err)
		}
		if d.Outcome != outcome {
			t.Errorf("digit %c: %s (score %.0f, reasons %v)", digit, d.Outcome, d.Score, codes(d.Reasons))
		}
	}
}
