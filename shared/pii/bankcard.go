package pii

import (
	"log/slog"
	"strings"

	"github.com/wxlend/wxlend/shared/apierr"
)

// Card number length: UnionPay debit cards are 16–19 digits; 15 admits the
// few older domestic and Amex-style numbers.
const (
	minCardDigits = 15
	maxCardDigits = 19
)

// BankCard is a checked bank card number (digits only). It prints masked;
// Plain is the full value.
type BankCard struct{ plain string }

// ParseBankCard drops spaces (cards are printed and pasted in groups of
// four), then requires 15–19 digits passing the Luhn check, which catches
// every single-digit typo and most transpositions before the four-factor
// verification is paid for. Errors are apierr invalid_argument on field
// "card_number" with reason "length", "format" or "luhn".
func ParseBankCard(raw string) (BankCard, error) {
	if len(raw) > maxRawBytes {
		return BankCard{}, apierr.Invalid(FieldCardNumber, "length", "card number must be 15 to 19 digits")
	}
	s := strings.ReplaceAll(strings.TrimSpace(raw), " ", "")
	if s == "" {
		return BankCard{}, apierr.Invalid(FieldCardNumber, "length", "card number must be 15 to 19 digits")
	}
	if !allDigits(s) {
		return BankCard{}, apierr.Invalid(FieldCardNumber, "format", "card number must be digits only")
	}
	if len(s) < minCardDigits || len(s) > maxCardDigits {
		return BankCard{}, apierr.Invalid(FieldCardNumber, "length", "card number must be 15 to 19 digits")
	}
	if !LuhnValid(s) {
		return BankCard{}, apierr.Invalid(FieldCardNumber, "luhn", "card number is not valid; please check it")
	}
	return BankCard{plain: s}, nil
}

// LuhnValid reports whether digits (ASCII digits only) passes the Luhn
// mod-10 check; anything containing a non-digit is invalid.
func LuhnValid(digits string) bool {
	if !allDigits(digits) {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// Plain is the card's digits.
func (c BankCard) Plain() string { return c.plain }

// IsZero reports whether c is the zero BankCard (not parsed).
func (c BankCard) IsZero() bool { return c.plain == "" }

// Last4 is the last four digits, which may be shown and stored in clear
// (the card is otherwise identified by its blind index).
func (c BankCard) Last4() string {
	if len(c.plain) < 4 {
		return ""
	}
	return c.plain[len(c.plain)-4:]
}

// Masked is the card as shown to people: ****1234.
func (c BankCard) Masked() string { return MaskBankCard(c.plain) }

// String is masked so that fmt and loggers never print the number.
func (c BankCard) String() string { return c.Masked() }

// GoString is masked too.
func (c BankCard) GoString() string { return "pii.BankCard(" + c.Masked() + ")" }

// LogValue keeps slog output masked.
func (c BankCard) LogValue() slog.Value { return slog.StringValue(c.Masked()) }
