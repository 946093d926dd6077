package pii

import (
	"fmt"

	"github.com/wxlend/wxlend/shared/apierr"
)

// Age admission defaults (spec §3.1): products may narrow or widen the
// window, but never below AdultAge.
const (
	AdultAge      = 18
	DefaultMinAge = 22
	DefaultMaxAge = 75
)

// CheckAdult refuses anyone under 18, whatever a product's settings say:
// lending to minors is not a business choice. The error is apierr
// failed_precondition on field "id_number" with reason "under_18" — the
// input is well-formed, the policy refuses it.
func CheckAdult(age int) error {
	if age < AdultAge {
		return &apierr.Error{Code: apierr.FailedPrecondition, Field: FieldIDNumber, Reason: "under_18",
			Message: "applicants must be at least 18 years old"}
	}
	return nil
}

// CheckAgeWindow admits ages in [min, max] inclusive (DefaultMinAge,
// DefaultMaxAge by default: 22 on the 22nd birthday, still 75 until the day
// before the 76th). Under 18 is refused by CheckAdult first, so a
// misconfigured min below 18 cannot admit a minor; a window with min > max
// admits nobody. Errors are failed_precondition with reason "under_18" or
// "age_out_of_range".
func CheckAgeWindow(age, min, max int) error {
	if err := CheckAdult(age); err != nil {
		return err
	}
	if age < min || age > max {
		return &apierr.Error{Code: apierr.FailedPrecondition, Field: FieldIDNumber, Reason: "age_out_of_range",
			Message: fmt.Sprintf("applicants must be %d to %d years old", min, max)}
	}
	return nil
}
