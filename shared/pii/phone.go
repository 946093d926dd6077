package pii

import (
	"log/slog"
	"strings"

	"github.com/wxlend/wxlend/shared/apierr"
)

// Phone is a checked mainland China mobile number, normalized to its 11
// digits (^1[3-9]\d{9}$). It prints masked; Plain is the full value.
type Phone struct{ plain string }

// ParsePhone accepts the forms people type or paste — "13812345678",
// "+8613812345678", "86 138 1234 5678", "0086-138-1234-5678" — and
// normalizes to 11 digits: spaces and hyphens are dropped and a leading
// +86, 86 or 0086 country code removed. Only mainland mobiles are accepted
// because the operator three-factor check covers nothing else. Errors are
// apierr invalid_argument on field "phone" with reason "length", "format",
// "country_code" or "prefix".
func ParsePhone(raw string) (Phone, error) {
	if len(raw) > maxRawBytes {
		return Phone{}, apierr.Invalid(FieldPhone, "length", "phone must be an 11-digit mainland mobile number")
	}
	s, reason := normalizePhone(raw)
	if reason != "" {
		msg := "phone must be an 11-digit mainland mobile number"
		if reason == "country_code" {
			msg = "only mainland China (+86) mobile numbers are accepted"
		}
		return Phone{}, apierr.Invalid(FieldPhone, reason, msg)
	}
	if s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return Phone{}, apierr.Invalid(FieldPhone, "prefix", "phone must be a mainland mobile number starting 13-19")
	}
	return Phone{plain: s}, nil
}

// normalizePhone strips separators and the country code; it returns the 11
// digits, or a reason code. Shared with MaskPhone so that a phone is masked
// the same way however it was typed.
func normalizePhone(raw string) (string, string) {
	s := strings.TrimSpace(raw)
	if strings.ContainsAny(s, " -") {
		s = strings.NewReplacer(" ", "", "-", "").Replace(s)
	}
	if s == "" {
		return "", "length"
	}
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		if !strings.HasPrefix(rest, "86") {
			return "", "country_code"
		}
		s = rest[2:]
		if len(s) != 11 {
			return "", "length"
		}
	}
	if !allDigits(s) {
		return "", "format"
	}
	switch {
	case len(s) == 13 && strings.HasPrefix(s, "86"):
		s = s[2:]
	case len(s) == 15 && strings.HasPrefix(s, "0086"):
		s = s[4:]
	}
	if len(s) != 11 {
		return "", "length"
	}
	return s, ""
}

// Plain is the 11 digits.
func (p Phone) Plain() string { return p.plain }

// IsZero reports whether p is the zero Phone (not parsed).
func (p Phone) IsZero() bool { return p.plain == "" }

// Masked is the number as shown to people: 138****1234.
func (p Phone) Masked() string { return MaskPhone(p.plain) }

// String is masked so that fmt and loggers never print the number.
func (p Phone) String() string { return p.Masked() }

// GoString is masked too.
func (p Phone) GoString() string { return "pii.Phone(" + p.Masked() + ")" }

// LogValue keeps slog output masked.
func (p Phone) LogValue() slog.Value { return slog.StringValue(p.Masked()) }
