package gateway

import (
	"fmt"

	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/underwriting"
)

// DevID is a valid ID number beginning with stem (14 digits: region and
// birth date) whose provider hash under the local PII_INDEX_KEY ends in
// outcome, the digit risktest's fake provider answers by: '9' is a clean
// record with a good score (approved), 'e' a provider that always fails.
func DevID(stem string, outcome byte) (string, error) {
	key := []byte(DevEnv("")["PII_INDEX_KEY"])
	for seq := 0; seq < 1000; seq++ {
		first := fmt.Sprintf("%s%03d", stem, seq)
		c, ok := pii.IDCheckChar(first)
		if !ok {
			continue
		}
		if h := underwriting.IDHash(key, first+string(c)); h[len(h)-1] == outcome {
			return first + string(c), nil
		}
	}
	return "", fmt.Errorf("no ID number under %s answers %q", stem, outcome)
}

// DevCard is stem with the check digit that makes it a Luhn-valid bank
// card number.
func DevCard(stem string) string {
	for d := byte('0'); d <= '9'; d++ {
		if s := stem + string(d); pii.LuhnValid(s) {
			return s
		}
	}
	return stem + "0" // unreachable: one digit in ten always fits
}
