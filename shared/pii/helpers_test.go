package pii_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/pii"
)

// today is the business date of the validation tests.
var today = pii.Date{Year: 2026, Month: time.June, Day: 15}

func d(y int, m time.Month, day int) pii.Date { return pii.Date{Year: y, Month: m, Day: day} }

// withCheck appends the check character to 17 digits.
func withCheck(t testing.TB, first17 string) string {
	t.Helper()
	c, ok := pii.IDCheckChar(first17)
	if !ok {
		t.Fatalf("IDCheckChar(%q) not ok", first17)
	}
	return first17 + string(c)
}

// wantReason checks that err is an *apierr.Error with code, field and reason.
func wantReason(t *testing.T, err error, code apierr.Code, field, reason string) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *apierr.Error %s/%s", err, code, reason)
	}
	if e.Code != code || e.Field != field || e.Reason != reason {
		t.Fatalf("err = %s field=%q reason=%q, want %s field=%q reason=%q", e.Code, e.Field, e.Reason, code, field, reason)
	}
}

// huge is a megabyte of digits: validation must refuse it by length, fast.
var huge = strings.Repeat("1", 1<<20)

func b64Decode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
func b64Encode(b []byte) string          { return base64.RawURLEncoding.EncodeToString(b) }
