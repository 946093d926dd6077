package lending

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

// row is one expected installment: seq, due date, principal, interest, fee,
// total, remaining principal.
type row struct {
	seq                                           int
	due                                           string
	principal, interest, fee, total, remainingFen money.Fen
}

// goldenSchedules were computed independently of this package by
// testdata/ref.py (Python fractions for the schedule, a 200-step decimal
// bisection for the IRR) and pasted by testdata/gen.py. By hand, for the
// worked example: r = 0.18/12 = 0.015, (1.015)^12 = 1.195618171,
// PMT = 10000 × 0.015 × 1.195618171 / 0.195618171 = 916.7999 → 916.80;
// interest_1 = 10000 × 0.015 = 150.00, principal_1 = 766.80; the last
// installment is 903.26 + 13.55 = 916.81, one fen of residue.
var goldenSchedules = []struct {
	name                               string
	terms                              Terms
	upfront, net, interest, fee, repay money.Fen
	apr                                money.BP
	rows                               []row
}{
	{
		name:  "worked example: 10000.00 CNY, 12 months, 18%, 1% fee deducted; last installment +1 fen residue",
		terms: Terms{AmountFen: 1000000, TermMonths: 12, Method: EqualInstallment, AnnualRateBP: 1800, StartDate: Date{2026, 1, 15}, UpfrontFee: FeeRule{RateBP: 100}, UpfrontFeeDeducted: true},
		// exact IRR 1994.072085 bp
		upfront: 10000, net: 990000, interest: 100161, fee: 10000, repay: 1100161, apr: 1994,
		rows: []row{
			{1, "2026-02-15", 76680, 15000, 0, 91680, 923320},
			{2, "2026-03-15", 77830, 13850, 0, 91680, 845490},
			{3, "2026-04-15", 78998, 12682, 0, 91680, 766492},
			{4, "2026-05-15", 80183, 11497, 0, 91680, 686309},
			{5, "2026-06-15", 81385, 10295, 0, 91680, 604924},
			{6, "2026-07-15", 82606, 9074, 0, 91680, 522318},
			{7, "2026-08-15", 83845, 7835, 0, 91680, 438473},
			{8, "2026-09-15", 85103, 6577, 0, 91680, 353370},
			{9, "2026-10-15", 86379, 5301, 0, 91680, 266991},
			{10, "2026-11-15", 87675, 4005, 0, 91680, 179316},
			{11, "2026-12-15", 88990, 2690, 0, 91680, 90326},
			{12, "2027-01-15", 90326, 1355, 0, 91681, 0},
		},
	},
	{
		name:  "36 months from the 31st, crosses leap February 2028",
		terms: Terms{AmountFen: 5000000, TermMonths: 36, Method: EqualInstallment, AnnualRateBP: 1500, StartDate: Date{2026, 3, 31}},
		// exact IRR 1500.000116 bp
		upfront: 0, net: 5000000, interest: 1239756, fee: 0, repay: 6239756, apr: 1500,
		rows: []row{
			{1, "2026-04-30", 110827, 62500, 0, 173327, 4889173},
			{2, "2026-05-31", 112212, 61115, 0, 173327, 4776961},
			{3, "2026-06-30", 113615, 59712, 0, 173327, 4663346},
			{4, "2026-07-31", 115035, 58292, 0, 173327, 4548311},
			{5, "2026-08-31", 116473, 56854, 0, 173327, 4431838},
			{6, "2026-09-30", 117929, 55398, 0, 173327, 4313909},
			{7, "2026-10-31", 119403, 53924, 0, 173327, 4194506},
			{8, "2026-11-30", 120896, 52431, 0, 173327, 4073610},
			{9, "2026-12-31", 122407, 50920, 0, 173327, 3951203},
			{10, "2027-01-31", 123937, 49390, 0, 173327, 3827266},
			{11, "2027-02-28", 125486, 47841, 0, 173327, 3701780},
			{12, "2027-03-31", 127055, 46272, 0, 173327, 3574725},
			{13, "2027-04-30", 128643, 44684, 0, 173327, 3446082},
			{14, "2027-05-31", 130251, 43076, 0, 173327, 3315831},
			{15, "2027-06-30", 131879, 41448, 0, 173327, 3183952},
			{16, "2027-07-31", 133528, 39799, 0, 173327, 3050424},
			{17, "2027-08-31", 135197, 38130, 0, 173327, 2915227},
			{18, "2027-09-30", 136887, 36440, 0, 173327, 2778340},
			{19, "2027-10-31", 138598, 34729, 0, 173327, 2639742},
			{20, "2027-11-30", 140330, 32997, 0, 173327, 2499412},
			{21, "2027-12-31", 142084, 31243, 0, 173327, 2357328},
			{22, "2028-01-31", 143860, 29467, 0, 173327, 2213468},
			{23, "2028-02-29", 145659, 27668, 0, 173327, 2067809},
			{24, "2028-03-31", 147479, 25848, 0, 173327, 1920330},
			{25, "2028-04-30", 149323, 24004, 0, 173327, 1771007},
			{26, "2028-05-31", 151189, 22138, 0, 173327, 1619818},
			{27, "2028-06-30", 153079, 20248, 0, 173327, 1466739},
			{28, "2028-07-31", 154993, 18334, 0, 173327, 1311746},
			{29, "2028-08-31", 156930, 16397, 0, 173327, 1154816},
			{30, "2028-09-30", 158892, 14435, 0, 173327, 995924},
			{31, "2028-10-31", 160878, 12449, 0, 173327, 835046},
			{32, "2028-11-30", 162889, 10438, 0, 173327, 672157},
			{33, "2028-12-31", 164925, 8402, 0, 173327, 507232},
			{34, "2029-01-31", 166987, 6340, 0, 173327, 340245},
			{35, "2029-02-28", 169074, 4253, 0, 173327, 171171},
			{36, "2029-03-31", 171171, 2140, 0, 173311, 0},
		},
	},
	{
		name:  "1 month equal installment from Jan 31",
		terms: Terms{AmountFen: 1000000, TermMonths: 1, Method: EqualInstallment, AnnualRateBP: 2400, StartDate: Date{2026, 1, 31}},
		// exact IRR 2400.000000 bp
		upfront: 0, net: 1000000, interest: 20000, fee: 0, repay: 1020000, apr: 2400,
		rows: []row{
			{1, "2026-02-28", 1000000, 20000, 0, 1020000, 0},
		},
	},
	{
		name:  "equal principal, 1-fen residue, leap Feb 29 2028",
		terms: Terms{AmountFen: 1000001, TermMonths: 6, Method: EqualPrincipal, AnnualRateBP: 1200, StartDate: Date{2028, 1, 31}},
		// exact IRR 1199.999416 bp
		upfront: 0, net: 1000001, interest: 35000, fee: 0, repay: 1035001, apr: 1200,
		rows: []row{
			{1, "2028-02-29", 166667, 10000, 0, 176667, 833334},
			{2, "2028-03-31", 166667, 8333, 0, 175000, 666667},
			{3, "2028-04-30", 166667, 6667, 0, 173334, 500000},
			{4, "2028-05-31", 166667, 5000, 0, 171667, 333333},
			{5, "2028-06-30", 166667, 3333, 0, 170000, 166666},
			{6, "2028-07-31", 166666, 1667, 0, 168333, 0},
		},
	},
	{
		name:  "interest first from May 31",
		terms: Terms{AmountFen: 2000000, TermMonths: 3, Method: InterestFirst, AnnualRateBP: 1800, StartDate: Date{2026, 5, 31}},
		// exact IRR 1800.000000 bp
		upfront: 0, net: 2000000, interest: 90000, fee: 0, repay: 2090000, apr: 1800,
		rows: []row{
			{1, "2026-06-30", 0, 30000, 0, 30000, 2000000},
			{2, "2026-07-31", 0, 30000, 0, 30000, 2000000},
			{3, "2026-08-31", 2000000, 30000, 0, 2030000, 0},
		},
	},
	{
		name:  "bullet 6 months: simple interest, APR below nominal",
		terms: Terms{AmountFen: 1000000, TermMonths: 6, Method: Bullet, AnnualRateBP: 1800, StartDate: Date{2026, 1, 31}},
		// exact IRR 1735.991057 bp
		upfront: 0, net: 1000000, interest: 90000, fee: 0, repay: 1090000, apr: 1736,
		rows: []row{
			{1, "2026-07-31", 1000000, 90000, 0, 1090000, 0},
		},
	},
	{
		name:  "bullet 1 month equals interest first 1 month",
		terms: Terms{AmountFen: 1000000, TermMonths: 1, Method: Bullet, AnnualRateBP: 1800, StartDate: Date{2026, 1, 31}},
		// exact IRR 1800.000000 bp
		upfront: 0, net: 1000000, interest: 15000, fee: 0, repay: 1015000, apr: 1800,
		rows: []row{
			{1, "2026-02-28", 1000000, 15000, 0, 1015000, 0},
		},
	},
	{
		name:  "interest first 1 month",
		terms: Terms{AmountFen: 1000000, TermMonths: 1, Method: InterestFirst, AnnualRateBP: 1800, StartDate: Date{2026, 1, 31}},
		// exact IRR 1800.000000 bp
		upfront: 0, net: 1000000, interest: 15000, fee: 0, repay: 1015000, apr: 1800,
		rows: []row{
			{1, "2026-02-28", 1000000, 15000, 0, 1015000, 0},
		},
	},
	{
		name:  "flat upfront fee on first installment plus 0.1%/month service fee",
		terms: Terms{AmountFen: 300000, TermMonths: 12, Method: EqualInstallment, AnnualRateBP: 1000, StartDate: Date{2026, 2, 28}, UpfrontFee: FeeRule{FlatFen: 5000}, ServiceFee: FeeRule{RateBP: 10}},
		// exact IRR 1530.728860 bp
		upfront: 5000, net: 300000, interest: 16496, fee: 8600, repay: 325096, apr: 1531,
		rows: []row{
			{1, "2026-03-28", 23875, 2500, 5300, 31675, 276125},
			{2, "2026-04-28", 24074, 2301, 300, 26675, 252051},
			{3, "2026-05-28", 24275, 2100, 300, 26675, 227776},
			{4, "2026-06-28", 24477, 1898, 300, 26675, 203299},
			{5, "2026-07-28", 24681, 1694, 300, 26675, 178618},
			{6, "2026-08-28", 24887, 1488, 300, 26675, 153731},
			{7, "2026-09-28", 25094, 1281, 300, 26675, 128637},
			{8, "2026-10-28", 25303, 1072, 300, 26675, 103334},
			{9, "2026-11-28", 25514, 861, 300, 26675, 77820},
			{10, "2026-12-28", 25726, 649, 300, 26675, 52094},
			{11, "2027-01-28", 25941, 434, 300, 26675, 26153},
			{12, "2027-02-28", 26153, 218, 300, 26671, 0},
		},
	},
	{
		name:  "equal principal 36 months, flat service fee, Nov 30 start",
		terms: Terms{AmountFen: 3600000, TermMonths: 36, Method: EqualPrincipal, AnnualRateBP: 2000, StartDate: Date{2027, 11, 30}, ServiceFee: FeeRule{FlatFen: 500}},
		// exact IRR 2029.557969 bp
		upfront: 0, net: 3600000, interest: 1110000, fee: 18000, repay: 4728000, apr: 2030,
		rows: []row{
			{1, "2027-12-30", 100000, 60000, 500, 160500, 3500000},
			{2, "2028-01-30", 100000, 58333, 500, 158833, 3400000},
			{3, "2028-02-29", 100000, 56667, 500, 157167, 3300000},
			{4, "2028-03-30", 100000, 55000, 500, 155500, 3200000},
			{5, "2028-04-30", 100000, 53333, 500, 153833, 3100000},
			{6, "2028-05-30", 100000, 51667, 500, 152167, 3000000},
			{7, "2028-06-30", 100000, 50000, 500, 150500, 2900000},
			{8, "2028-07-30", 100000, 48333, 500, 148833, 2800000},
			{9, "2028-08-30", 100000, 46667, 500, 147167, 2700000},
			{10, "2028-09-30", 100000, 45000, 500, 145500, 2600000},
			{11, "2028-10-30", 100000, 43333, 500, 143833, 2500000},
			{12, "2028-11-30", 100000, 41667, 500, 142167, 2400000},
			{13, "2028-12-30", 100000, 40000, 500, 140500, 2300000},
			{14, "2029-01-30", 100000, 38333, 500, 138833, 2200000},
			{15, "2029-02-28", 100000, 36667, 500, 137167, 2100000},
			{16, "2029-03-30", 100000, 35000, 500, 135500, 2000000},
			{17, "2029-04-30", 100000, 33333, 500, 133833, 1900000},
			{18, "2029-05-30", 100000, 31667, 500, 132167, 1800000},
			{19, "2029-06-30", 100000, 30000, 500, 130500, 1700000},
			{20, "2029-07-30", 100000, 28333, 500, 128833, 1600000},
			{21, "2029-08-30", 100000, 26667, 500, 127167, 1500000},
			{22, "2029-09-30", 100000, 25000, 500, 125500, 1400000},
			{23, "2029-10-30", 100000, 23333, 500, 123833, 1300000},
			{24, "2029-11-30", 100000, 21667, 500, 122167, 1200000},
			{25, "2029-12-30", 100000, 20000, 500, 120500, 1100000},
			{26, "2030-01-30", 100000, 18333, 500, 118833, 1000000},
			{27, "2030-02-28", 100000, 16667, 500, 117167, 900000},
			{28, "2030-03-30", 100000, 15000, 500, 115500, 800000},
			{29, "2030-04-30", 100000, 13333, 500, 113833, 700000},
			{30, "2030-05-30", 100000, 11667, 500, 112167, 600000},
			{31, "2030-06-30", 100000, 10000, 500, 110500, 500000},
			{32, "2030-07-30", 100000, 8333, 500, 108833, 400000},
			{33, "2030-08-30", 100000, 6667, 500, 107167, 300000},
			{34, "2030-09-30", 100000, 5000, 500, 105500, 200000},
			{35, "2030-10-30", 100000, 3333, 500, 103833, 100000},
			{36, "2030-11-30", 100000, 1667, 500, 102167, 0},
		},
	},
	{
		name:  "zero rate: APR 0, last installment +1 fen",
		terms: Terms{AmountFen: 1000000, TermMonths: 3, Method: EqualInstallment, AnnualRateBP: 0, StartDate: Date{2026, 1, 1}},
		// exact IRR 0.000000 bp
		upfront: 0, net: 1000000, interest: 0, fee: 0, repay: 1000000, apr: 0,
		rows: []row{
			{1, "2026-02-01", 333333, 0, 0, 333333, 666667},
			{2, "2026-03-01", 333333, 0, 0, 333333, 333334},
			{3, "2026-04-01", 333334, 0, 0, 333334, 0},
		},
	},
	{
		name:  "100 CNY for 1 month: fen rounding moves the APR 6 bp",
		terms: Terms{AmountFen: 10000, TermMonths: 1, Method: InterestFirst, AnnualRateBP: 1806, StartDate: Date{2026, 1, 1}},
		// exact IRR 1812.000000 bp
		upfront: 0, net: 10000, interest: 151, fee: 0, repay: 10151, apr: 1812,
		rows: []row{
			{1, "2026-02-01", 10000, 151, 0, 10151, 0},
		},
	},
	{
		name:  "bullet 12 months with deducted fee and service fee",
		terms: Terms{AmountFen: 1000000, TermMonths: 12, Method: Bullet, AnnualRateBP: 1200, StartDate: Date{2026, 1, 31}, UpfrontFee: FeeRule{RateBP: 200}, UpfrontFeeDeducted: true, ServiceFee: FeeRule{RateBP: 5}},
		// exact IRR 1396.809315 bp
		upfront: 20000, net: 980000, interest: 120000, fee: 26000, repay: 1126000, apr: 1397,
		rows: []row{
			{1, "2027-01-31", 1000000, 120000, 6000, 1126000, 0},
		},
	},
}

func TestScheduleGolden(t *testing.T) {
	for _, g := range goldenSchedules {
		t.Run(g.name, func(t *testing.T) {
			s, err := BuildSchedule(g.terms)
			if err != nil {
				t.Fatal(err)
			}
			if s.UpfrontFeeFen != g.upfront || s.NetAmountFen != g.net || s.TotalInterestFen != g.interest ||
				s.TotalFeeFen != g.fee || s.TotalRepayFen != g.repay {
				t.Errorf("totals: upfront %d net %d interest %d fee %d repay %d; want %d %d %d %d %d",
					s.UpfrontFeeFen, s.NetAmountFen, s.TotalInterestFen, s.TotalFeeFen, s.TotalRepayFen,
					g.upfront, g.net, g.interest, g.fee, g.repay)
			}
			if len(s.Installments) != len(g.rows) {
				t.Fatalf("%d installments, want %d", len(s.Installments), len(g.rows))
			}
			for i, w := range g.rows {
				in := s.Installments[i]
				got := row{in.Seq, in.DueDate.String(), in.PrincipalFen, in.InterestFen, in.FeeFen, in.TotalFen, in.RemainingPrincipalFen}
				if got != w {
					t.Errorf("installment %d = %v, want %v", i+1, got, w)
				}
			}
			apr, err := APR(s)
			if err != nil || apr != g.apr {
				t.Errorf("APR = %d, %v; want %d", apr, err, g.apr)
			}
		})
	}
}

func TestScheduleJSONShape(t *testing.T) {
	s, err := BuildSchedule(goldenSchedules[0].terms)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s.Installments[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"seq":1,"due_date":"2026-02-15","principal_fen":76680,"interest_fen":15000,"fee_fen":0,"total_fen":91680,"remaining_principal_fen":923320}`
	if string(b) != want {
		t.Fatalf("installment JSON\n got %s\nwant %s", b, want)
	}
	var back Schedule
	all, _ := json.Marshal(s)
	if err := json.Unmarshal(all, &back); err != nil {
		t.Fatal(err)
	}
	if back.Installments[11] != s.Installments[11] || back.TotalRepayFen != s.TotalRepayFen {
		t.Fatalf("JSON round trip changed the schedule")
	}
	for _, f := range []string{`"amount_fen"`, `"term_months"`, `"method":"equal_installment"`, `"annual_rate_bp"`, `"total_interest_fen"`, `"total_fee_fen"`, `"total_repay_fen"`, `"installments"`} {
		if !strings.Contains(string(all), f) {
			t.Errorf("schedule JSON lacks %s", f)
		}
	}
}

func TestBuildScheduleInvalid(t *testing.T) {
	ok := Terms{AmountFen: 1000000, TermMonths: 12, Method: EqualInstallment, AnnualRateBP: 1800, StartDate: Date{2026, 1, 15}}
	cases := []struct {
		name  string
		edit  func(*Terms)
		field string
	}{
		{"zero amount", func(t *Terms) { t.AmountFen = 0 }, "amount_fen"},
		{"negative amount", func(t *Terms) { t.AmountFen = -100 }, "amount_fen"},
		{"below 100 CNY", func(t *Terms) { t.AmountFen = MinLoanFen - 1 }, "amount_fen"},
		{"huge amount", func(t *Terms) { t.AmountFen = 1 << 62 }, "amount_fen"},
		{"above max", func(t *Terms) { t.AmountFen = MaxLoanFen + 1 }, "amount_fen"},
		{"zero term", func(t *Terms) { t.TermMonths = 0 }, "term_months"},
		{"negative term", func(t *Terms) { t.TermMonths = -3 }, "term_months"},
		{"term too long", func(t *Terms) { t.TermMonths = MaxTermMonths + 1 }, "term_months"},
		{"unknown method", func(t *Terms) { t.Method = "balloon" }, "method"},
		{"empty method", func(t *Terms) { t.Method = "" }, "method"},
		{"negative rate", func(t *Terms) { t.AnnualRateBP = -1 }, "annual_rate_bp"},
		{"rate above 36%", func(t *Terms) { t.AnnualRateBP = 3601 }, "annual_rate_bp"},
		{"zero date", func(t *Terms) { t.StartDate = Date{} }, "start_date"},
		{"Feb 30", func(t *Terms) { t.StartDate = Date{2026, 2, 30} }, "start_date"},
		{"year 9999", func(t *Terms) { t.StartDate = Date{9999, 1, 1} }, "start_date"},
		{"fee both rate and flat", func(t *Terms) { t.UpfrontFee = FeeRule{RateBP: 100, FlatFen: 100} }, "upfront_fee"},
		{"negative fee", func(t *Terms) { t.ServiceFee = FeeRule{FlatFen: -1} }, "service_fee"},
		{"fee rate above limit", func(t *Terms) { t.UpfrontFee = FeeRule{RateBP: MaxUpfrontFeeBP + 1} }, "upfront_fee"},
		{"flat fee above half", func(t *Terms) { t.UpfrontFee = FeeRule{FlatFen: 500001} }, "upfront_fee"},
		{"service fee rate above limit", func(t *Terms) { t.ServiceFee = FeeRule{RateBP: MaxServiceFeeBP + 1} }, "service_fee"},
	}
	if _, err := BuildSchedule(ok); err != nil {
		t.Fatalf("baseline terms rejected: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			terms := ok
			c.edit(&terms)
			_, err := BuildSchedule(terms)
			assertInvalid(t, err, c.field)
		})
	}
}

// assertInvalid checks err is an invalid_argument *Error naming field.
func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalidArgument || e.Field != field || e.Message == "" {
		t.Fatalf("err = %#v, want invalid_argument on %q", err, field)
	}
}
