package lending

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

// billTerms: 10,000 CNY from 2026-01-15, 12 × 等额本息 at 18%, a 1% upfront
// fee added to installment 1 and a 5.00 monthly service fee, so every part
// is non-zero somewhere. Installment 1 (due 2026-02-15): principal 766.80,
// interest 150.00, fee 105.00; installment 2 (due 2026-03-15): 778.30,
// 138.50, 5.00.
var billTerms = Terms{AmountFen: 10_000_00, TermMonths: 12, Method: EqualInstallment, AnnualRateBP: 1800,
	StartDate: Date{2026, 1, 15}, UpfrontFee: FeeRule{RateBP: 100}, ServiceFee: FeeRule{FlatFen: 5_00}}

func billState(t *testing.T, asOf Date, paid map[int]Components, penalty map[int]money.Fen) LoanState {
	t.Helper()
	st := LoanState{Schedule: mustSchedule(t, billTerms), AsOf: asOf, Paid: make([]Components, 12), PenaltyAccruedFen: make([]money.Fen, 12)}
	for seq, c := range paid {
		st.Paid[seq-1] = c
	}
	for seq, f := range penalty {
		st.PenaltyAccruedFen[seq-1] = f
	}
	return st
}

func mustBill(t *testing.T, st LoanState, p Product, s Standing) Bill {
	t.Helper()
	b, err := NewBill(st, p, s)
	if err != nil {
		t.Fatal(err)
	}
	checkBill(t, 0, st, b)
	return b
}

var inst1 = Components{FeeFen: 105_00, InterestFen: 150_00, PrincipalFen: 766_80}

func TestBillStatesFollowTheRules(t *testing.T) {
	grace3, grace0 := testProduct(), testProduct()
	grace0.GraceDays = 0
	half := Components{FeeFen: 105_00, InterestFen: 150_00, PrincipalFen: 245_00}
	cases := []struct {
		name     string
		asOf     Date
		paid     map[int]Components
		penalty  map[int]money.Fen
		p        Product
		standing Standing
		want     []InstallmentState // installments 1, 2, 3
		days     []int
		dueNow   money.Fen
	}{
		{"before disbursement every installment is not due", Date{2026, 3, 1}, nil, nil, grace3, StandingPending,
			[]InstallmentState{"not_due", "not_due", "not_due"}, []int{0, 0, 0}, 0},
		{"on the disbursement day the first installment is due", Date{2026, 1, 15}, nil, nil, grace3, StandingRepaying,
			[]InstallmentState{"due", "not_due", "not_due"}, []int{0, 0, 0}, 1021_80},
		{"paid before its due date, the next one is not yet due", Date{2026, 1, 20}, map[int]Components{1: inst1}, nil, grace3, StandingRepaying,
			[]InstallmentState{"paid", "not_due", "not_due"}, []int{0, 0, 0}, 0},
		{"part of the current installment paid", Date{2026, 2, 1}, map[int]Components{1: half}, nil, grace3, StandingRepaying,
			[]InstallmentState{"partly_paid", "not_due", "not_due"}, []int{0, 0, 0}, 521_80},
		{"on the due date it is still due", Date{2026, 2, 15}, nil, nil, grace3, StandingRepaying,
			[]InstallmentState{"due", "not_due", "not_due"}, []int{0, 0, 0}, 1021_80},
		{"within the grace days it is due, days counted", Date{2026, 2, 18}, nil, nil, grace3, StandingRepaying,
			[]InstallmentState{"due", "due", "not_due"}, []int{3, 0, 0}, 1021_80 + 921_80},
		{"the day after the grace days it is overdue", Date{2026, 2, 19}, nil, nil, grace3, StandingRepaying,
			[]InstallmentState{"overdue", "due", "not_due"}, []int{4, 0, 0}, 1021_80 + 921_80},
		{"without grace the day after the due date it is overdue", Date{2026, 2, 16}, nil, nil, grace0, StandingRepaying,
			[]InstallmentState{"overdue", "due", "not_due"}, []int{1, 0, 0}, 1021_80 + 921_80},
		{"overdue wins over partly paid, penalty outstanding", Date{2026, 3, 20}, map[int]Components{1: half}, map[int]money.Fen{1: 12_34},
			grace3, StandingRepaying, []InstallmentState{"overdue", "overdue", "due"}, []int{33, 5, 0}, 521_80 + 12_34 + 921_80 + 921_80},
		{"an overdue installment whose penalty alone is left is not paid", Date{2026, 3, 1}, map[int]Components{1: inst1},
			map[int]money.Fen{1: 3_00}, grace3, StandingRepaying, []InstallmentState{"overdue", "due", "not_due"}, []int{14, 0, 0}, 3_00 + 921_80},
		{"after a settlement everything is paid", Date{2026, 2, 1}, map[int]Components{1: inst1}, nil, grace3, StandingSettled,
			[]InstallmentState{"paid", "paid", "paid"}, []int{0, 0, 0}, 0},
		{"an as-of date before the start counts as the start", Date{2025, 12, 31}, nil, nil, grace3, StandingRepaying,
			[]InstallmentState{"due", "not_due", "not_due"}, []int{0, 0, 0}, 1021_80},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := billState(t, c.asOf, c.paid, c.penalty)
			b := mustBill(t, st, c.p, c.standing)
			for i, want := range c.want {
				if got := b.Installments[i]; got.State != want || got.DaysPastDue != c.days[i] {
					t.Errorf("installment %d: %s, %d days past due; want %s, %d", i+1, got.State, got.DaysPastDue, want, c.days[i])
				}
			}
			if b.DueNowFen != c.dueNow || b.Standing != c.standing || b.GraceDays != c.p.GraceDays {
				t.Errorf("due now %d (want %d), standing %s, grace %d", b.DueNowFen, c.dueNow, b.Standing, b.GraceDays)
			}
		})
	}
}

func TestBillSplitsEveryInstallmentByPart(t *testing.T) {
	half := Components{FeeFen: 105_00, InterestFen: 150_00, PrincipalFen: 245_00}
	st := billState(t, Date{2026, 3, 20}, map[int]Components{1: half}, map[int]money.Fen{1: 12_34})
	b := mustBill(t, st, testProduct(), StandingRepaying)
	got := b.Installments[0]
	want := BillInstallment{Seq: 1, DueDate: Date{2026, 2, 15}, State: InstallmentOverdue, DaysPastDue: 33,
		Scheduled:   BillAmounts{PrincipalFen: 766_80, InterestFen: 150_00, FeeFen: 105_00, PenaltyFen: 12_34, TotalFen: 1034_14},
		Paid:        BillAmounts{PrincipalFen: 245_00, InterestFen: 150_00, FeeFen: 105_00, TotalFen: 500_00},
		Outstanding: BillAmounts{PrincipalFen: 521_80, PenaltyFen: 12_34, TotalFen: 534_14}}
	if got != want {
		t.Fatalf("installment 1:\n got %+v\nwant %+v", got, want)
	}
	if tot := b.Totals; tot.Scheduled.PrincipalFen != 10_000_00 || tot.Scheduled.InterestFen != st.Schedule.TotalInterestFen ||
		tot.Scheduled.FeeFen != st.Schedule.TotalFeeFen || tot.Scheduled.PenaltyFen != 12_34 ||
		tot.Scheduled.TotalFen != st.Schedule.TotalRepayFen+12_34 || tot.Paid.TotalFen != 500_00 || tot.Waived != (BillAmounts{}) {
		t.Fatalf("totals %+v", tot)
	}
}

// TestBillAfterPartialPaymentFullInstallmentAndPayoff drives the worked
// loan through what the notification handler does (Allocate, add to Paid,
// Reamortize after a prepayment) and checks the bill after each payment.
func TestBillAfterPartialPaymentFullInstallmentAndPayoff(t *testing.T) {
	p := testProduct()
	st := billState(t, Date{2026, 2, 1}, nil, nil)
	pay := func(amount money.Fen, mode AllocationMode, standing Standing) (Bill, Allocation) {
		t.Helper()
		before := mustBill(t, st, p, StandingRepaying)
		a, err := Allocate(st, p, amount, mode)
		if err != nil {
			t.Fatal(err)
		}
		st = applyForTest(t, st, a)
		if a.Settled {
			standing = StandingSettled
		}
		after := mustBill(t, st, p, standing)
		if d := after.Totals.Paid.TotalFen - before.Totals.Paid.TotalFen; d != a.AllocatedFen {
			t.Fatalf("paid grew by %d, allocated %d", d, a.AllocatedFen)
		}
		return after, a
	}

	// 300.00 on 2026-02-01: fee 105.00, interest 150.00, principal 45.00 of installment 1.
	b, _ := pay(300_00, AllocateRegular, StandingRepaying)
	if in := b.Installments[0]; in.State != InstallmentPartlyPaid ||
		in.Paid != (BillAmounts{FeeFen: 105_00, InterestFen: 150_00, PrincipalFen: 45_00, TotalFen: 300_00}) ||
		in.Outstanding != (BillAmounts{PrincipalFen: 721_80, TotalFen: 721_80}) || b.DueNowFen != 721_80 {
		t.Fatalf("after 300.00: %+v, due now %d", in, b.DueNowFen)
	}

	// The rest of installment 1 on its due date: paid; installment 2 is not
	// due before tomorrow, when it becomes the current one.
	st.AsOf = Date{2026, 2, 15}
	b, _ = pay(721_80, AllocateRegular, StandingRepaying)
	if in := b.Installments[0]; in.State != InstallmentPaid || in.Paid != billAmounts(inst1) || in.Outstanding != (BillAmounts{}) ||
		b.Installments[1].State != InstallmentNotDue || b.DueNowFen != 0 {
		t.Fatalf("after installment 1: %+v, next %s, due now %d", in, b.Installments[1].State, b.DueNowFen)
	}

	// Pay off on 2026-03-01: installment 2's interest accrued for 14 days,
	// the rest of its interest and every later interest and fee waived.
	st.AsOf = Date{2026, 3, 1}
	q, err := Payoff(st, p)
	if err != nil {
		t.Fatal(err)
	}
	b, a := pay(q.PayoffFen, AllocatePayoff, StandingRepaying)
	if !a.Settled || b.Totals.Outstanding != (BillAmounts{}) || b.DueNowFen != 0 {
		t.Fatalf("after payoff: settled %v, outstanding %+v", a.Settled, b.Totals.Outstanding)
	}
	var waived Components
	for _, ia := range a.Installments {
		waived = waived.plus(ia.Waived)
	}
	if b.Totals.Waived != billAmounts(waived) || b.Totals.Paid.PrincipalFen != 10_000_00 || b.Totals.Waived.PrincipalFen != 0 {
		t.Fatalf("waived %+v, allocation waived %+v, paid %+v", b.Totals.Waived, waived, b.Totals.Paid)
	}
	for _, in := range b.Installments {
		if in.State != InstallmentPaid {
			t.Fatalf("installment %d is %s after the payoff", in.Seq, in.State)
		}
	}
}

// TestBillAfterAPrepaymentFollowsTheReamortizedSchedule: 3,000.00 paid on
// 2026-02-01 clears installment 1 and prepays principal; the prepaid
// principal moves onto installment 1 and the later installments shrink, so
// the bill's scheduled amounts are the re-amortized ones, still adding up.
func TestBillAfterAPrepaymentFollowsTheReamortizedSchedule(t *testing.T) {
	p := testProduct()
	st := billState(t, Date{2026, 2, 1}, nil, nil)
	signed := st.Schedule
	a, err := Allocate(st, p, 3000_00, AllocateRegular)
	if err != nil {
		t.Fatal(err)
	}
	st = applyForTest(t, st, a)
	b := mustBill(t, st, p, StandingRepaying)
	prepaid := 3000_00 - inst1.TotalFen()
	if in := b.Installments[0]; in.State != InstallmentPaid || in.Scheduled.PrincipalFen != 766_80+prepaid || in.Paid != in.Scheduled {
		t.Fatalf("installment 1 after the prepayment: %+v", in)
	}
	if in := b.Installments[1]; in.State != InstallmentNotDue || in.Scheduled.TotalFen >= signed.Installments[1].TotalFen || in.Paid.TotalFen != 0 {
		t.Fatalf("installment 2 after the prepayment: %+v (signed %+v)", in, signed.Installments[1])
	}
	if tot := b.Totals; tot.Scheduled.PrincipalFen != 10_000_00 || tot.Scheduled.InterestFen >= signed.TotalInterestFen ||
		tot.Paid.TotalFen != 3000_00 || b.DueNowFen != 0 {
		t.Fatalf("totals after the prepayment: %+v, due now %d", tot, b.DueNowFen)
	}
}

// applyForTest is what the notification handler stores after a payment.
func applyForTest(t *testing.T, st LoanState, a Allocation) LoanState {
	t.Helper()
	next := st.clone()
	prepaid := false
	for i, ia := range a.Installments {
		next.Paid[i] = next.Paid[i].plus(ia.Paid)
		prepaid = prepaid || (ia.Timing == NotYetDue && ia.Paid.PrincipalFen > 0)
	}
	if !prepaid || a.Settled {
		return next
	}
	next, err := Reamortize(next)
	if err != nil {
		t.Fatal(err)
	}
	return next
}

func TestBillRefusals(t *testing.T) {
	ok := func(t *testing.T) (LoanState, Product, Standing) {
		return billState(t, Date{2026, 2, 1}, nil, nil), testProduct(), StandingRepaying
	}
	cases := []struct {
		name  string
		edit  func(*LoanState, *Product, *Standing)
		field string
	}{
		{"unknown standing", func(_ *LoanState, _ *Product, s *Standing) { *s = "active" }, "standing"},
		{"empty standing", func(_ *LoanState, _ *Product, s *Standing) { *s = "" }, "standing"},
		{"negative grace days", func(_ *LoanState, p *Product, _ *Standing) { p.GraceDays = -1 }, "grace_days"},
		{"too many grace days", func(_ *LoanState, p *Product, _ *Standing) { p.GraceDays = MaxGraceDays + 1 }, "grace_days"},
		{"more paid than scheduled", func(st *LoanState, _ *Product, _ *Standing) { st.Paid[0].PrincipalFen = 766_81 }, "paid"},
		{"negative paid", func(st *LoanState, _ *Product, _ *Standing) { st.Paid[2].FeeFen = -1 }, "paid"},
		{"penalty paid beyond accrued", func(st *LoanState, _ *Product, _ *Standing) { st.Paid[0].PenaltyFen = 1 }, "paid"},
		{"one paid entry short", func(st *LoanState, _ *Product, _ *Standing) { st.Paid = st.Paid[:11] }, "paid"},
		{"negative penalty", func(st *LoanState, _ *Product, _ *Standing) { st.PenaltyAccruedFen[0] = -1 }, "penalty_accrued_fen"},
		{"no installments", func(st *LoanState, _ *Product, _ *Standing) { st.Schedule.Installments = nil }, "schedule"},
		{"not a calendar day", func(st *LoanState, _ *Product, _ *Standing) { st.AsOf = Date{2026, 2, 30} }, "as_of"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, p, s := ok(t)
			c.edit(&st, &p, &s)
			_, err := NewBill(st, p, s)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalidArgument) || e.Field != c.field || e.Message == "" {
				t.Fatalf("err = %v, want invalid_argument on %s", err, c.field)
			}
		})
	}
}

func TestBillProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(propertySeed, 9))
	count := propertyCount(50_000)
	for i := 0; i < count; i++ {
		st, p := randomState(r), randomServicingProduct(r)
		standing := []Standing{StandingPending, StandingRepaying, StandingSettled}[r.IntN(3)]
		if standing == StandingPending {
			st.Paid, st.PenaltyAccruedFen = nil, nil
		}
		b, err := NewBill(st, p, standing)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkBill(t, i, st, b)
		if standing != StandingRepaying {
			continue
		}
		if due := dueForTest(t, st, p); b.DueNowFen != due {
			t.Fatalf("case %d: due now %d, a repayment of kind due would take %d", i, b.DueNowFen, due)
		}
		for k, in := range b.Installments {
			checkStateRule(t, i, st, p, k, in)
		}
	}
}

// dueForTest is what a repayment of kind due charges: the regular
// allocation of an unbounded payment, less what reaches later installments.
func dueForTest(t *testing.T, st LoanState, p Product) money.Fen {
	a, err := Allocate(st, p, 10*MaxLoanFen, AllocateRegular)
	if err != nil {
		t.Fatal(err)
	}
	var due money.Fen
	for _, ia := range a.Installments {
		if ia.Timing != NotYetDue {
			due += ia.Paid.TotalFen()
		}
	}
	return due
}

// checkStateRule restates InstallmentState's rules for a loan being repaid.
func checkStateRule(t *testing.T, i int, st LoanState, p Product, k int, in BillInstallment) {
	t.Helper()
	asOf := st.AsOf
	if asOf.Before(st.Schedule.StartDate) {
		asOf = st.Schedule.StartDate
	}
	days := asOf.DaysSince(in.DueDate)
	var want InstallmentState
	switch {
	case in.Outstanding.TotalFen == 0:
		want = InstallmentPaid
	case days > p.GraceDays:
		want = InstallmentOverdue
	case st.timings()[k] == NotYetDue:
		want = InstallmentNotDue
	case in.Paid.TotalFen > 0:
		want = InstallmentPartlyPaid
	default:
		want = InstallmentDue
	}
	if in.State != want || (want != InstallmentPaid && in.DaysPastDue != max(days, 0)) || (want == InstallmentPaid && in.DaysPastDue != 0) {
		t.Fatalf("case %d: installment %d is %s, %d days (want %s, %d days since due)", i, k+1, in.State, in.DaysPastDue, want, days)
	}
}

// checkBill: per installment and part scheduled = paid + waived +
// outstanding, nothing negative, totals are the sums and match the
// schedule's; pending owes nothing yet, settled owes nothing any more.
func checkBill(t *testing.T, i int, st LoanState, b Bill) {
	t.Helper()
	s := st.Schedule
	if len(b.Installments) != len(s.Installments) {
		t.Fatalf("case %d: %d installments of %d", i, len(b.Installments), len(s.Installments))
	}
	var sum BillTotals
	for k, in := range b.Installments {
		sc := s.Installments[k]
		want := billAmounts(Components{st.penaltyAccrued(k), sc.FeeFen, sc.InterestFen, sc.PrincipalFen})
		if in.Seq != sc.Seq || in.DueDate != sc.DueDate || in.Scheduled != want || in.Paid != billAmounts(st.paid(k)) {
			t.Fatalf("case %d: installment %d %+v is not the schedule's %+v", i, k+1, in, sc)
		}
		for _, a := range []BillAmounts{in.Scheduled, in.Paid, in.Waived, in.Outstanding} {
			if a.PrincipalFen < 0 || a.InterestFen < 0 || a.FeeFen < 0 || a.PenaltyFen < 0 ||
				a.TotalFen != a.PrincipalFen+a.InterestFen+a.FeeFen+a.PenaltyFen {
				t.Fatalf("case %d: installment %d has a bad amount %+v", i, k+1, a)
			}
		}
		if in.Scheduled != addAmounts(in.Paid, in.Waived, in.Outstanding) {
			t.Fatalf("case %d: installment %d: %+v != %+v + %+v + %+v", i, k+1, in.Scheduled, in.Paid, in.Waived, in.Outstanding)
		}
		switch b.Standing {
		case StandingPending:
			if in.State != InstallmentNotDue || in.Paid.TotalFen != 0 || in.Waived.TotalFen != 0 {
				t.Fatalf("case %d: pending installment %d: %+v", i, k+1, in)
			}
		case StandingSettled:
			if in.State != InstallmentPaid || in.Outstanding.TotalFen != 0 {
				t.Fatalf("case %d: settled installment %d: %+v", i, k+1, in)
			}
		default:
			if in.Waived.TotalFen != 0 {
				t.Fatalf("case %d: waiver before settlement on installment %d", i, k+1)
			}
		}
		sum = BillTotals{addAmounts(sum.Scheduled, in.Scheduled), addAmounts(sum.Paid, in.Paid),
			addAmounts(sum.Waived, in.Waived), addAmounts(sum.Outstanding, in.Outstanding)}
	}
	fees := s.TotalFeeFen
	if s.UpfrontFeeDeducted {
		fees -= s.UpfrontFeeFen
	}
	if sum != b.Totals || b.Totals.Scheduled.PrincipalFen != s.AmountFen || b.Totals.Scheduled.InterestFen != s.TotalInterestFen ||
		b.Totals.Scheduled.FeeFen != fees || b.Totals.Scheduled.TotalFen-b.Totals.Scheduled.PenaltyFen != s.TotalRepayFen {
		t.Fatalf("case %d: totals %+v, sums %+v, schedule %d/%d/%d/%d", i, b.Totals, sum, s.AmountFen, s.TotalInterestFen, fees, s.TotalRepayFen)
	}
}

func addAmounts(as ...BillAmounts) BillAmounts {
	var c Components
	for _, a := range as {
		c = c.plus(Components{a.PenaltyFen, a.FeeFen, a.InterestFen, a.PrincipalFen})
	}
	return billAmounts(c)
}

// TestBillReadmeExample keeps the bill example in the repository README
// equal to what NewBill computes for the loan it describes.
func TestBillReadmeExample(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(raw), "### The bill in `GET /v1/loans/detail/{id}`")
	_, after, _ = strings.Cut(after, "```json\n")
	block, _, ok := strings.Cut(after, "```")
	var doc struct {
		Bill json.RawMessage `json:"bill"`
	}
	if !ok || json.Unmarshal([]byte(block), &doc) != nil {
		t.Fatalf("no JSON example in the README's bill section")
	}
	p := testProduct()
	s := mustSchedule(t, Terms{AmountFen: 6000_00, TermMonths: 6, Method: EqualInstallment, AnnualRateBP: 1800, StartDate: Date{2026, 1, 15}})
	st := LoanState{Schedule: s, AsOf: Date{2026, 1, 20}}
	for _, step := range []struct {
		on     Date
		amount money.Fen
	}{{Date{2026, 1, 20}, s.Installments[0].TotalFen}, {Date{2026, 3, 10}, 300_00}} {
		st.AsOf = step.on
		a, err := Allocate(st, p, step.amount, AllocateRegular)
		if err != nil {
			t.Fatal(err)
		}
		st = applyForTest(t, st, a)
	}
	st.AsOf = Date{2026, 3, 19}
	if st.PenaltyAccruedFen, err = AccruePenalties(st, p, DefaultCapBP); err != nil {
		t.Fatal(err)
	}
	b := mustBill(t, st, p, StandingRepaying)
	var want, got any
	computed, _ := json.Marshal(b)
	_ = json.Unmarshal(computed, &got)
	_ = json.Unmarshal(doc.Bill, &want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the README's bill example is stale; NewBill computes:\n%s", computed)
	}
}
