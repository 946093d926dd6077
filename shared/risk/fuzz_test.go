package risk_test

import (
	"errors"
	"testing"

	"github.com/wxlend/wxlend/shared/risk"
)

// FuzzParseRuleSetJSON: arbitrary bytes never panic the loader or Compile.
func FuzzParseRuleSetJSON(f *testing.F) {
	f.Add([]byte(`{"strategy":"s","version":1,"status":"draft","rules":[{"id":"a","name":"n","expr":"age > 1","action":"flag","reason_code":"F301"}]}`))
	f.Add([]byte(`{"strategy":"s","version":1,"rules":[{"id":"a","expr":"map(1..9, #)"}]}`))
	f.Add([]byte(`{"rules": null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := risk.ParseRuleSetJSON(b)
		if err != nil {
			if !errors.Is(err, risk.ErrInvalidRuleSet) {
				t.Fatalf("error does not wrap ErrInvalidRuleSet: %v", err)
			}
			return
		}
		if _, err := risk.Compile(rs); err != nil && !errors.Is(err, risk.ErrInvalidRuleSet) {
			t.Fatalf("error does not wrap ErrInvalidRuleSet: %v", err)
		}
	})
}
