package gateway

import (
	"testing"

	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/underwriting"
)

func TestDevIDAnswersTheAskedOutcome(t *testing.T) {
	key := []byte(DevEnv("")["PII_INDEX_KEY"])
	for _, outcome := range []byte{'9', 'e', '0'} {
		id, err := DevID("11010519900307", outcome)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pii.ParseIDNumber(id, pii.Date{Year: 2026, Month: 11, Day: 29}); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if h := underwriting.IDHash(key, id); h[len(h)-1] != outcome {
			t.Fatalf("%s hashes to %s, want last %c", id, h, outcome)
		}
	}
	if _, err := DevID("11010519900307", 'x'); err == nil {
		t.Fatal("a hex hash never ends in x")
	}
}

func TestDevCardIsLuhnValid(t *testing.T) {
	for _, stem := range []string{"621700000012345678", "621700000000000000", "4"} {
		if c := DevCard(stem); len(c) != len(stem)+1 || !pii.LuhnValid(c) {
			t.Fatalf("%s -> %s", stem, c)
		}
	}
}
