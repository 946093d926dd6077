package pii_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/wxlend/wxlend/shared/pii"
)

var (
	indexKey  = bytes.Repeat([]byte{0x42}, 32)
	indexKey2 = bytes.Repeat([]byte{0x43}, 32)
)

func TestBlindIndex(t *testing.T) {
	a := pii.BlindIndex(indexKey, fieldID, "11010519491231002X")
	if len(a) != pii.BlindIndexBytes {
		t.Fatalf("len = %d", len(a))
	}
	if !bytes.Equal(a, pii.BlindIndex(indexKey, fieldID, "11010519491231002X")) {
		t.Fatal("not deterministic")
	}
	others := map[string][]byte{
		"other field":       pii.BlindIndex(indexKey, fieldPh, "11010519491231002X"),
		"other key":         pii.BlindIndex(indexKey2, fieldID, "11010519491231002X"),
		"other value":       pii.BlindIndex(indexKey, fieldID, "11010519491231003X"),
		"lower-case x":      pii.BlindIndex(indexKey, fieldID, "11010519491231002x"),
		"field/value split": pii.BlindIndex(indexKey, fieldID+"1", "1010519491231002X"),
	}
	for name, b := range others {
		if bytes.Equal(a, b) {
			t.Errorf("%s: same index", name)
		}
	}
	// Normalizing through the parsers makes equal values index equally.
	x, _ := pii.ParseIDNumber("11010519491231002x", today)
	p1, _ := pii.ParsePhone("+86 138-1234-5678")
	p2, _ := pii.ParsePhone("13812345678")
	if !bytes.Equal(a, pii.BlindIndex(indexKey, fieldID, x.Plain())) ||
		!bytes.Equal(pii.BlindIndex(indexKey, fieldPh, p1.Plain()), pii.BlindIndex(indexKey, fieldPh, p2.Plain())) {
		t.Fatal("normalized values index differently")
	}
}

// TestBlindIndexConstruction pins the exact construction (a stored index
// must never silently change): HMAC-SHA256(key, label ‖ be32(len field) ‖
// field ‖ value), computed here independently.
func TestBlindIndexConstruction(t *testing.T) {
	m := hmac.New(sha256.New, indexKey)
	m.Write([]byte("wxlend-pii/blind-index/v1"))
	m.Write([]byte{0, 0, 0, byte(len(fieldPh))})
	m.Write([]byte(fieldPh + "13812345678"))
	want := hex.EncodeToString(m.Sum(nil))
	if got := hex.EncodeToString(pii.BlindIndex(indexKey, fieldPh, "13812345678")); got != want {
		t.Fatalf("index = %s, want %s", got, want)
	}
}
