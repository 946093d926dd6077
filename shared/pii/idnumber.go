package pii

import (
	"log/slog"
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
)

// Field names used in validation errors; they are the JSON fields of api.md
// so the mini-program can point at the offending input.
const (
	FieldIDNumber   = "id_number"
	FieldName       = "name"
	FieldPhone      = "phone"
	FieldCardNumber = "card_number"
)

// maxRawBytes bounds the work done on any raw input before it is rejected:
// no valid value of any kind here is longer than a few dozen bytes, so a
// megabyte "name" is refused by length before it is scanned.
const maxRawBytes = 256

// Sex is the sex recorded in an ID number (odd 17th digit = male).
type Sex uint8

// The two values of Sex; the zero Sex is unknown (never from a parsed ID).
const (
	SexFemale Sex = 1
	SexMale   Sex = 2
)

// String is "F" or "M".
func (s Sex) String() string {
	switch s {
	case SexFemale:
		return "F"
	case SexMale:
		return "M"
	}
	return "?"
}

// IDNumber is a checked 18-character resident ID number (居民身份证号码,
// GB 11643-1999), also accepting residence permits for Hong Kong, Macau and
// Taiwan residents (codes 81, 82, 83). Its String, GoString and LogValue are
// masked, so printing or logging one never shows the number; Plain is the
// only way to the full value and should appear only next to Vault.Encrypt,
// BlindIndex or a call to the verification provider.
type IDNumber struct {
	plain string
	birth Date
	sex   Sex
}

// idWeights are 2^(17-i) mod 11 for i = 0..16 (ISO 7064 MOD 11-2).
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps (sum of weighted digits) mod 11 to the check character.
const idCheckChars = "10X98765432"

// IDCheckChar computes the GB 11643 check character of the first 17 digits
// of an ID number; ok is false unless first17 is exactly 17 ASCII digits.
// Exported so that test fixtures can be built from real-format numbers.
func IDCheckChar(first17 string) (c byte, ok bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		d := first17[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		sum += int(d-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], true
}

// validProvince reports whether the first two digits name a province-level
// division of GB/T 2260, or the HK/Macau/Taiwan residence permit codes.
func validProvince(p int) bool {
	switch {
	case p >= 11 && p <= 15, p >= 21 && p <= 23, p >= 31 && p <= 37,
		p >= 41 && p <= 46, p >= 50 && p <= 54, p >= 61 && p <= 65:
		return true
	}
	return p == 71 || p == 81 || p == 82 || p == 83
}

// ParseIDNumber checks raw (surrounding spaces trimmed, a lower-case x check
// character upper-cased) and derives birth date and sex. today is the
// business date (DateOf(clock.Now())); a birth date after it is refused.
// Errors are apierr invalid_argument on field "id_number" with reason
// "length", "format", "check_digit", "region", "birth_date" (not a real
// date or before 1900) or "future_birth"; an unset today is internal.
func ParseIDNumber(raw string, today Date) (IDNumber, error) {
	if !today.IsValid() {
		return IDNumber{}, apierr.New(apierr.Internal, "pii: business date not set")
	}
	if len(raw) > maxRawBytes {
		return IDNumber{}, apierr.Invalid(FieldIDNumber, "length", "ID number must be 18 characters")
	}
	s := strings.TrimSpace(raw)
	if len(s) != 18 {
		return IDNumber{}, apierr.Invalid(FieldIDNumber, "length", "ID number must be 18 characters")
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if !allDigits(s[:17]) || !(last == 'X' || last >= '0' && last <= '9') {
		return IDNumber{}, apierr.Invalid(FieldIDNumber, "format", "ID number must be 17 digits and a digit or X")
	}
	if want, _ := IDCheckChar(s[:17]); want != last {
		return IDNumber{}, apierr.Invalid(FieldIDNumber, "check_digit", "ID number check digit is wrong; please check the number")
	}
	if !validProvince(atoi(s[0:2])) {
		return IDNumber{}, apierr.Invalid(FieldIDNumber, "region", "ID number region code is not valid")
	}
	birth := Date{atoi(s[6:10]), time.Month(atoi(s[10:12])), atoi(s[12:14])}
	if !birth.IsValid() {
		return IDNumber{}, apierr.Invalid(FieldIDNumber, "birth_date", "ID number birth date is not valid")
	}
	if today.Before(birth) {
		return IDNumber{}, apierr.Invalid(FieldIDNumber, "future_birth", "ID number birth date is in the future")
	}
	sex := SexFemale
	if (s[16]-'0')%2 == 1 {
		sex = SexMale
	}
	return IDNumber{plain: s[:17] + string(last), birth: birth, sex: sex}, nil
}

// allDigits reports whether s is non-empty ASCII digits only.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi reads a short run of ASCII digits already checked by allDigits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// Plain is the full normalized number (upper-case X). Handle with care: it
// is for encryption, the blind index and the identity provider only.
func (id IDNumber) Plain() string { return id.plain }

// Birth is the birth date encoded in the number.
func (id IDNumber) Birth() Date { return id.birth }

// Sex is the sex encoded in the 17th digit.
func (id IDNumber) Sex() Sex { return id.sex }

// AgeOn is the holder's age in completed years on day on (see AgeOn).
func (id IDNumber) AgeOn(on Date) int { return AgeOn(id.birth, on) }

// IsZero reports whether id is the zero IDNumber (not parsed).
func (id IDNumber) IsZero() bool { return id.plain == "" }

// Masked is the number as shown to people: 1101**********1234.
func (id IDNumber) Masked() string { return MaskIDNumber(id.plain) }

// String is masked so that fmt and loggers never print the number.
func (id IDNumber) String() string { return id.Masked() }

// GoString is masked too: %#v must not leak either.
func (id IDNumber) GoString() string { return "pii.IDNumber(" + id.Masked() + ")" }

// LogValue keeps slog output masked.
func (id IDNumber) LogValue() slog.Value { return slog.StringValue(id.Masked()) }
