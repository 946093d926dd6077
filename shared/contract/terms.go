package contract

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
)

// Errors of this package; match with errors.Is. They mean a bug or bad data
// upstream, never a borrower's input, so the edge reports them as internal.
var (
	ErrInvalidTerms    = errors.New("contract: invalid terms")
	ErrUnknownTemplate = errors.New("contract: unknown template version")
)

// Terms is everything a contract states. Schedule is the quote the borrower
// accepted (amount, term, method, nominal rate, start date, fees and every
// installment); APRBP is that quote's disclosed IRR-based annual cost.
// Borrower fields must already be masked (pii.MaskName, pii.MaskIDNumber).
type Terms struct {
	ContractNo         string
	LoanID             string
	LenderName         string
	LenderUSCC         string // 统一社会信用代码, 18 characters
	BorrowerNameMasked string // e.g. 张*
	BorrowerIDMasked   string // e.g. 1101**********1234
	Schedule           lending.Schedule
	APRBP              money.BP
	PenaltyRateBP      money.BP // annual overdue rate on overdue principal
	GraceDays          int
	CoolingOffDays     int
	SignDate           lending.Date // the day the borrower signs; not after Schedule.StartDate
}

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidTerms, field, fmt.Sprintf(format, args...))
}

// validate checks every term before anything is rendered, so a contract is
// either complete and consistent or not produced at all.
func (t Terms) validate() error {
	for _, f := range []struct{ name, v string }{
		{"contract_no", t.ContractNo}, {"loan_id", t.LoanID}, {"lender_name", t.LenderName},
		{"lender_uscc", t.LenderUSCC}, {"borrower_name_masked", t.BorrowerNameMasked},
		{"borrower_id_masked", t.BorrowerIDMasked},
	} {
		if err := checkText(f.name, f.v); err != nil {
			return err
		}
	}
	if len(t.LenderUSCC) != 18 {
		return invalid("lender_uscc", "must be 18 characters")
	}
	if !strings.Contains(t.BorrowerNameMasked, "*") || !strings.Contains(t.BorrowerIDMasked, "*") {
		return invalid("borrower", "name and ID number must be masked; the contract text never holds raw PII")
	}
	switch {
	case t.APRBP < 0 || t.APRBP > lending.MaxCapBP:
		return invalid("apr_bp", "out of range: a cost above the legal ceiling is never put in a contract")
	case t.PenaltyRateBP < 0 || t.PenaltyRateBP > lending.MaxCapBP:
		return invalid("penalty_rate_bp", "out of range")
	case t.GraceDays < 0 || t.GraceDays > lending.MaxGraceDays:
		return invalid("grace_days", "out of range")
	case t.CoolingOffDays < 0 || t.CoolingOffDays > lending.MaxCoolingOffDays:
		return invalid("cooling_off_days", "out of range")
	case !t.SignDate.IsValid():
		return invalid("sign_date", "missing or not a calendar day")
	}
	if err := checkSchedule(t.Schedule); err != nil {
		return err
	}
	if t.SignDate.After(t.Schedule.StartDate) {
		return invalid("sign_date", "after the start date: interest would run before signing; quote again")
	}
	return nil
}

// checkText refuses empty, oversized, non-UTF-8 or multi-line values, and
// template syntax, so a value can neither break the layout nor be mistaken
// for a heading.
func checkText(field, v string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return invalid(field, "required")
	case len(v) > 200 || !utf8.ValidString(v):
		return invalid(field, "too long or not UTF-8")
	case strings.ContainsAny(v, "\r\n|`") || strings.Contains(v, "{{"):
		return invalid(field, "contains a line break or markup")
	}
	return nil
}

// checkSchedule verifies the schedule is complete and its sums add up, as
// lending.BuildSchedule guarantees; a schedule edited or truncated on its
// way here is refused rather than printed.
func checkSchedule(s lending.Schedule) error {
	want := s.TermMonths
	if s.Method == lending.Bullet {
		want = 1
	}
	switch {
	case s.AmountFen <= 0:
		return invalid("amount_fen", "required")
	case s.TermMonths < 1 || s.TermMonths > lending.MaxTermMonths:
		return invalid("term_months", "out of range")
	case !s.Method.Valid():
		return invalid("method", "unknown repayment method")
	case s.AnnualRateBP < 0 || s.AnnualRateBP > lending.MaxCapBP:
		return invalid("annual_rate_bp", "out of range")
	case !s.StartDate.IsValid():
		return invalid("start_date", "missing or not a calendar day")
	case len(s.Installments) != want:
		return invalid("installments", "%d installments for a %d-month %s loan", len(s.Installments), s.TermMonths, s.Method)
	case s.UpfrontFeeFen < 0 || s.UpfrontFeeFen >= s.AmountFen:
		return invalid("upfront_fee_fen", "out of range")
	}
	return checkInstallments(s)
}

func checkInstallments(s lending.Schedule) error {
	var principal, interest, fee, total money.Fen
	prev := s.StartDate
	for i, in := range s.Installments {
		switch {
		case in.Seq != i+1:
			return invalid("installments", "seq %d at position %d", in.Seq, i+1)
		case !in.DueDate.After(prev):
			return invalid("installments", "due date of installment %d is not after the previous one", in.Seq)
		case in.PrincipalFen < 0 || in.InterestFen < 0 || in.FeeFen < 0:
			return invalid("installments", "negative amount in installment %d", in.Seq)
		case in.TotalFen != in.PrincipalFen+in.InterestFen+in.FeeFen:
			return invalid("installments", "total of installment %d does not add up", in.Seq)
		}
		principal += in.PrincipalFen
		interest += in.InterestFen
		fee += in.FeeFen
		total += in.TotalFen
		prev = in.DueDate
	}
	deducted := money.Fen(0)
	if s.UpfrontFeeDeducted {
		deducted = s.UpfrontFeeFen
	}
	switch {
	case principal != s.AmountFen:
		return invalid("installments", "principal sums to %s, not the amount %s", principal, s.AmountFen)
	case interest != s.TotalInterestFen:
		return invalid("total_interest_fen", "does not match the installments")
	case fee != s.TotalFeeFen-deducted:
		return invalid("total_fee_fen", "does not match the installments and the upfront fee")
	case total != s.TotalRepayFen:
		return invalid("total_repay_fen", "does not match the installments")
	case s.NetAmountFen != s.AmountFen-deducted:
		return invalid("net_amount_fen", "does not match the amount and the deducted fee")
	}
	return nil
}
