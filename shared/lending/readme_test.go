package lending

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite README_example.md from the computed worked example")

// TestReadmeExample keeps README_example.md equal to what the code computes
// for the worked example, so the published table cannot drift from the
// math. Regenerate with: go test ./shared/lending/ -run ReadmeExample -update
func TestReadmeExample(t *testing.T) {
	q, err := Quote(workedProduct(), workedRequest, Date{2026, 1, 15}, DefaultCapBP)
	if err != nil {
		t.Fatal(err)
	}
	got := renderExample(q)
	if *update {
		if err := os.WriteFile("README_example.md", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("README_example.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != got {
		t.Fatalf("README_example.md is stale; run with -update. Computed:\n%s", got)
	}
}

func renderExample(q QuoteResult) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("### Worked example: 10,000.00 CNY, 12 months, 等额本息 at 18%%, 1%% fee deducted\n\n")
	w("Loan of %s CNY disbursed on %s, %d months, `%s`, nominal rate %s a year (%d bp; monthly rate 1.5%%). ",
		q.AmountFen, q.StartDate, q.TermMonths, q.Method, q.AnnualRateBP, q.AnnualRateBP)
	w("A 1%% upfront fee of %s CNY is deducted at disbursement, so the borrower receives %s CNY.\n\n", q.UpfrontFeeFen, q.NetAmountFen)
	w("| seq | due_date | principal | interest | fee | total | remaining principal |\n")
	w("|---:|---|---:|---:|---:|---:|---:|\n")
	for _, in := range q.Installments {
		w("| %d | %s | %s | %s | %s | %s | %s |\n", in.Seq, in.DueDate, in.PrincipalFen, in.InterestFen, in.FeeFen, in.TotalFen, in.RemainingPrincipalFen)
	}
	w("| **sum** | | **%s** | **%s** | **%s** | **%s** | |\n\n", q.AmountFen, q.TotalInterestFen, q.TotalFeeFen-q.UpfrontFeeFen, q.TotalRepayFen)
	w("| | CNY |\n|---|---:|\n")
	w("| amount (principal) | %s |\n| upfront fee, deducted | %s |\n| net amount received | %s |\n", q.AmountFen, q.UpfrontFeeFen, q.NetAmountFen)
	w("| total interest | %s |\n| total fees | %s |\n| total repaid | %s |\n", q.TotalInterestFen, q.TotalFeeFen, q.TotalRepayFen)
	w("| cost of credit (total repaid − net received) | %s |\n\n", q.TotalRepayFen-q.NetAmountFen)
	w("**APR (综合年化成本): %s (`apr_bp` = %d)** against a nominal %s.\n\n", q.APRBP, q.APRBP, q.AnnualRateBP)
	w("How the figures arise:\n\n")
	w("- Installment: PMT = 10000 × 0.015 × 1.015^12 / (1.015^12 − 1) = 916.7999… → **916.80** (exact rational, rounded half-up once).\n")
	w("- Interest of each month: remaining principal × 1.5%%, rounded half-up to the fen (month 1: 10000.00 × 0.015 = 150.00); principal = 916.80 − interest.\n")
	w("- The last installment takes all remaining principal (903.26) plus its interest (13.55) = 916.81: it absorbs the 1-fen rounding residue, so the principal column sums to exactly 10000.00.\n")
	w("- APR: the monthly IRR i of the borrower's cash flows, +9900.00 at month 0 and −916.80 (months 1–11), −916.81 (month 12), is 1.66173%%; 12 × i = 19.9407%% → **1994 bp** (rounded half-up). The 1%% fee deducted up front costs the borrower about 1.94 points a year on a 12-month loan.\n")
	w("\n> Deducting a fee from the disbursement (砍头息) is restricted for cash loans (整治办函〔2017〕141号; Civil Code Art. 670 for interest). ")
	w("wxlend products add the upfront fee to the first installment unless `upfront_fee_deducted` is set; the example deducts it to show that the APR discloses the true cost either way.\n")
	return b.String()
}
