package pii

import (
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wxlend/wxlend/shared/apierr"
)

// Name length in runes, dots included: two characters is the shortest Han
// name; 30 leaves room for long transliterated minority names.
const (
	minNameRunes = 2
	maxNameRunes = 30
)

// nameDot is the one separator kept in a stored name. Input methods produce
// several look-alikes for the 间隔号 of minority names; they are folded into
// U+00B7 so that the same person always gets the same ciphertext plaintext
// and, above all, the same blind index.
const nameDot = '·'

func isNameDot(r rune) bool {
	switch r {
	case '·', '•', '・', '‧':
		return true
	}
	return false
}

// isNameHan accepts Han-script characters except the radicals blocks and the
// CJK symbol marks (々, 〆, ...), which look like ideographs but never appear
// on an ID card; 〇 is kept because a few registered names use it.
func isNameHan(r rune) bool {
	if r >= 0x2E80 && r <= 0x2FDF {
		return false
	}
	if r >= 0x3000 && r <= 0x303F && r != '〇' {
		return false
	}
	return unicode.Is(unicode.Han, r)
}

// Name is a checked Chinese legal name as printed on an ID card: Han
// characters, optionally in parts joined by '·' (阿卜杜拉·买买提). Like
// IDNumber it prints masked; Plain is the full value.
type Name struct{ plain string }

// ParseName trims raw and checks it: 2–30 characters, Han only, with single
// middle dots between parts (look-alike dots are normalized to U+00B7). No
// latin letters, digits or inner spaces: the name must match the identity
// provider's record exactly. Errors are apierr invalid_argument on field
// "name" with reason "encoding", "length", "character" or "separator".
func ParseName(raw string) (Name, error) {
	if len(raw) > maxRawBytes {
		return Name{}, apierr.Invalid(FieldName, "length", "name must be 2 to 30 characters")
	}
	if !utf8.ValidString(raw) {
		return Name{}, apierr.Invalid(FieldName, "encoding", "name is not valid text")
	}
	s := strings.TrimSpace(raw)
	n := utf8.RuneCountInString(s)
	if n < minNameRunes || n > maxNameRunes {
		return Name{}, apierr.Invalid(FieldName, "length", "name must be 2 to 30 characters")
	}
	var b strings.Builder
	b.Grow(len(s))
	prevDot := true // a leading dot is misplaced, like a doubled one
	for _, r := range s {
		switch {
		case isNameDot(r):
			if prevDot {
				return Name{}, apierr.Invalid(FieldName, "separator", "a name separator must stand between two parts")
			}
			prevDot = true
			b.WriteRune(nameDot)
		case isNameHan(r):
			prevDot = false
			b.WriteRune(r)
		default:
			return Name{}, apierr.Invalid(FieldName, "character", "name must be Chinese characters as on the ID card")
		}
	}
	if prevDot {
		return Name{}, apierr.Invalid(FieldName, "separator", "a name separator must stand between two parts")
	}
	return Name{plain: b.String()}, nil
}

// Plain is the full normalized name.
func (n Name) Plain() string { return n.plain }

// IsZero reports whether n is the zero Name (not parsed).
func (n Name) IsZero() bool { return n.plain == "" }

// Masked is the name as shown to people: 张*, 欧阳**.
func (n Name) Masked() string { return MaskName(n.plain) }

// String is masked so that fmt and loggers never print the name.
func (n Name) String() string { return n.Masked() }

// GoString is masked too.
func (n Name) GoString() string { return "pii.Name(" + n.Masked() + ")" }

// LogValue keeps slog output masked.
func (n Name) LogValue() slog.Value { return slog.StringValue(n.Masked()) }
