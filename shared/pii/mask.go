package pii

import (
	"strings"
	"unicode/utf8"
)

// Masking is what every API response, log line and admin screen shows
// instead of a value (spec §3.1). The functions take raw strings as well as
// parsed values' Plain, because logs also see input that failed validation;
// they never panic and, when the input is too short or not of the expected
// shape for the partial pattern to hide enough, they mask everything. Output
// is capped at maxMaskRunes so a huge input cannot bloat a log line.
const maxMaskRunes = 32

// maskAll replaces every rune with '*', up to maxMaskRunes.
func maskAll(s string) string {
	n := utf8.RuneCountInString(s)
	return strings.Repeat("*", min(n, maxMaskRunes))
}

// MaskPhone shows the first 3 and last 4 digits of a mainland mobile
// (138****1234) in whatever form it was typed; anything else is all stars.
func MaskPhone(s string) string {
	if len(s) > maxRawBytes {
		return maskAll(s)
	}
	n, reason := normalizePhone(s)
	if reason != "" {
		return maskAll(strings.TrimSpace(s))
	}
	return n[:3] + "****" + n[7:]
}

// MaskIDNumber keeps the first 4 (province and city) and last 4 characters
// and stars the middle, keeping the length: 1101**********1234. Inputs of
// fewer than 15 or more than 32 characters are all stars: with fewer, eight
// shown characters would reveal most of the value.
func MaskIDNumber(s string) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n < 15 || n > maxMaskRunes || !utf8.ValidString(s) {
		return maskAll(s)
	}
	r := []rune(s)
	return string(r[:4]) + strings.Repeat("*", n-8) + string(r[n-4:])
}

// MaskName keeps the first character and stars each other one: 张*, 欧阳**,
// 阿*******. A one-character input is a single star.
func MaskName(s string) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n < 2 || !utf8.ValidString(s) {
		return maskAll(s)
	}
	first, _ := utf8.DecodeRuneInString(s)
	return string(first) + strings.Repeat("*", min(n, maxMaskRunes)-1)
}

// MaskBankCard shows only the last 4 digits behind a fixed four stars
// (****1234), so the mask does not even reveal the card's length; inputs
// of fewer than 12 characters (spaces ignored) are just "****".
func MaskBankCard(s string) string {
	if len(s) > maxRawBytes {
		return "****"
	}
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	n := utf8.RuneCountInString(s)
	if n < 12 || !utf8.ValidString(s) {
		return "****"
	}
	r := []rune(s)
	return "****" + string(r[n-4:])
}
