package pii_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/pii"
)

// TestIDCheckCharHandComputed pins the check-digit function to worked
// examples, so the fixtures built with it do not merely agree with
// themselves (every fixture was also checked with an independent Python
// implementation when written).
//
// 11010519491231002X (the GB 11643 sample):
//
//	digits  1  1  0  1  0  5  1  9  4  9  1  2  3  1  0  0  2
//	weights 7  9 10  5  8  4  2  1  6  3  7  9 10  5  8  4  2
//	product 7  9  0  5  0 20  2  9 24 27  7 18 30  5  0  0  4   sum 167
//	167 mod 11 = 2 -> "10X98765432"[2] = 'X'
//
// 440308199901101512:
//
//	digits  4  4  0  3  0  8  1  9  9  9  0  1  1  0  1  5  1
//	product 28 36 0 15  0 32  2  9 54 27  0  9 10  0  8 20  2   sum 252
//	252 mod 11 = 10 -> "10X98765432"[10] = '2'
func TestIDCheckCharHandComputed(t *testing.T) {
	for first17, want := range map[string]byte{"11010519491231002": 'X', "44030819990110151": '2'} {
		if c, ok := pii.IDCheckChar(first17); !ok || c != want {
			t.Errorf("IDCheckChar(%s) = %q %v, want %q", first17, c, ok, want)
		}
	}
	for _, bad := range []string{"", "1101051949123100", "110105194912310021", "1101051949123100a"} {
		if _, ok := pii.IDCheckChar(bad); ok {
			t.Errorf("IDCheckChar(%q) ok, want not ok", bad)
		}
	}
}

func TestParseIDNumberValid(t *testing.T) {
	tests := []struct {
		raw, plain string
		birth      pii.Date
		sex        pii.Sex
	}{
		{"11010519491231002X", "11010519491231002X", d(1949, 12, 31), pii.SexFemale},
		{"11010519491231002x", "11010519491231002X", d(1949, 12, 31), pii.SexFemale},
		{" 440308199901101512\t", "440308199901101512", d(1999, 1, 10), pii.SexMale},
		{"310115200002291235", "310115200002291235", d(2000, 2, 29), pii.SexMale},
		{"650102195006154564", "650102195006154564", d(1950, 6, 15), pii.SexFemale},
		{"15010219700101001X", "15010219700101001X", d(1970, 1, 1), pii.SexMale},
		{"540102190001010037", "540102190001010037", d(1900, 1, 1), pii.SexMale},
		{"710000197001010016", "710000197001010016", d(1970, 1, 1), pii.SexMale},
		{"810000199001010027", "810000199001010027", d(1990, 1, 1), pii.SexFemale},
		{"820000197001010011", "820000197001010011", d(1970, 1, 1), pii.SexMale},
		{"830000198808080017", "830000198808080017", d(1988, 8, 8), pii.SexMale},
		{"110105202606150010", "110105202606150010", today, pii.SexMale}, // born on the business date
	}
	for _, tt := range tests {
		id, err := pii.ParseIDNumber(tt.raw, today)
		if err != nil {
			t.Errorf("ParseIDNumber(%q): %v", tt.raw, err)
			continue
		}
		if id.Plain() != tt.plain || id.Birth() != tt.birth || id.Sex() != tt.sex {
			t.Errorf("ParseIDNumber(%q) = %s %v %v, want %s %v %v", tt.raw, id.Plain(), id.Birth(), id.Sex(), tt.plain, tt.birth, tt.sex)
		}
	}
}

func TestParseIDNumberInvalid(t *testing.T) {
	tests := []struct{ name, raw, reason string }{
		{"empty", "", "length"},
		{"17 chars", "1101051949123100", "length"},
		{"19 chars", "11010519491231002XX", "length"},
		{"15-digit first generation", "110105491231002", "length"},
		{"inner space makes 19", "110105 19491231002X", "length"},
		{"full-width digits", "１１０１０５１９４９１２３１００２Ｘ", "length"},
		{"megabyte", huge, "length"},
		{"letter inside", "1101051949123100A2", "format"},
		{"space inside", "11010519491231 02X", "format"},
		{"X not last", "X10105194912310021", "format"},
		{"bad last char", "11010519491231002Y", "format"},
		{"invalid UTF-8", strings.Repeat("\xff", 18), "format"},
		{"wrong check digit", "110105194912310021", "check_digit"},
		{"X where 1 is due", "11010519491231001X", "check_digit"},
		{"transposed digits", "110105194921310020", "check_digit"},
		{"region 99", "990105194912310023", "region"},
		{"region 00", "000105194912310024", "region"},
		{"region 72", withCheck(t, "72000019700101001"), "region"},
		{"region 84", withCheck(t, "84000019700101001"), "region"},
		{"1900 is not leap", "110105190002290017", "birth_date"},
		{"before 1900", "110105189912310015", "birth_date"},
		{"month 13", "110105194913010010", "birth_date"},
		{"30 February", "110105194902300012", "birth_date"},
		{"day 00", withCheck(t, "11010519490100001"), "birth_date"},
		{"tomorrow", withCheck(t, "11010520260616001"), "future_birth"},
		{"end of year", "110105202612310017", "future_birth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pii.ParseIDNumber(tt.raw, today)
			wantReason(t, err, apierr.InvalidArgument, pii.FieldIDNumber, tt.reason)
			if tt.raw != "" && strings.Contains(err.Error(), tt.raw) {
				t.Errorf("error text quotes the input: %v", err)
			}
		})
	}
}

func TestParseIDNumberNeedsBusinessDate(t *testing.T) {
	_, err := pii.ParseIDNumber("11010519491231002X", pii.Date{})
	if apierr.CodeOf(err) != apierr.Internal {
		t.Fatalf("err = %v, want internal", err)
	}
}

func TestIDNumberPrintsMasked(t *testing.T) {
	id, err := pii.ParseIDNumber("11010519491231002X", today)
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	slog.New(slog.NewTextHandler(&log, nil)).Info("kyc", "id", id)
	for _, s := range []string{fmt.Sprint(id), fmt.Sprintf("%v %+v %s", id, id, id), fmt.Sprintf("%#v", id), log.String()} {
		if strings.Contains(s, "19491231") || !strings.Contains(s, "1101**********002X") {
			t.Errorf("printed %q, want masked", s)
		}
	}
}

func TestAgeOn(t *testing.T) {
	tests := []struct {
		birth, on pii.Date
		want      int
	}{
		{d(2000, 1, 1), d(2017, 12, 31), 17},
		{d(2000, 1, 1), d(2018, 1, 1), 18},
		{d(2000, 6, 15), d(2018, 6, 14), 17},
		{d(2000, 6, 15), d(2018, 6, 15), 18},
		{d(2000, 2, 29), d(2018, 2, 28), 17}, // non-leap year: birthday is 1 March
		{d(2000, 2, 29), d(2018, 3, 1), 18},
		{d(2000, 2, 29), d(2020, 2, 28), 19}, // leap year: birthday is 29 February
		{d(2000, 2, 29), d(2020, 2, 29), 20},
		{d(2000, 2, 29), d(2100, 2, 28), 99}, // 2100 is not leap
		{d(2000, 2, 29), d(2100, 3, 1), 100},
		{d(2004, 2, 29), d(2026, 2, 28), 21},
		{d(2004, 2, 29), d(2026, 3, 1), 22},
		{d(2000, 3, 1), d(2018, 2, 28), 17},
		{d(2000, 12, 31), d(2000, 12, 31), 0},
		{d(2000, 12, 31), d(2000, 12, 30), -1}, // before birth: negative, refused by every check
	}
	for _, tt := range tests {
		if got := pii.AgeOn(tt.birth, tt.on); got != tt.want {
			t.Errorf("AgeOn(%v, %v) = %d, want %d", tt.birth, tt.on, got, tt.want)
		}
	}
	id, _ := pii.ParseIDNumber("310115200002291235", today)
	if got := id.AgeOn(d(2018, 2, 28)); got != 17 {
		t.Errorf("IDNumber.AgeOn = %d, want 17", got)
	}
}

func TestAgePolicy(t *testing.T) {
	tests := []struct {
		age, min, max int
		reason        string
	}{
		{22, pii.DefaultMinAge, pii.DefaultMaxAge, ""},
		{75, pii.DefaultMinAge, pii.DefaultMaxAge, ""},
		{40, pii.DefaultMinAge, pii.DefaultMaxAge, ""},
		{18, 18, 60, ""},
		{21, pii.DefaultMinAge, pii.DefaultMaxAge, "age_out_of_range"},
		{76, pii.DefaultMinAge, pii.DefaultMaxAge, "age_out_of_range"},
		{17, pii.DefaultMinAge, pii.DefaultMaxAge, "under_18"},
		{17, 16, 60, "under_18"}, // a misconfigured window cannot admit a minor
		{0, 0, 99, "under_18"},
		{-1, pii.DefaultMinAge, pii.DefaultMaxAge, "under_18"},
		{30, 40, 30, "age_out_of_range"}, // min > max admits nobody
	}
	for _, tt := range tests {
		err := pii.CheckAgeWindow(tt.age, tt.min, tt.max)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("CheckAgeWindow(%d, %d, %d) = %v, want nil", tt.age, tt.min, tt.max, err)
			}
			continue
		}
		wantReason(t, err, apierr.FailedPrecondition, pii.FieldIDNumber, tt.reason)
	}
	if err := pii.CheckAdult(18); err != nil {
		t.Errorf("CheckAdult(18) = %v", err)
	}
	wantReason(t, pii.CheckAdult(17), apierr.FailedPrecondition, pii.FieldIDNumber, "under_18")
}

// TestAgeWindowBoundaryDates walks the 22nd and 76th birthdays of real IDs.
func TestAgeWindowBoundaryDates(t *testing.T) {
	young, _ := pii.ParseIDNumber(withCheck(t, "11010520040229001"), today)
	old, _ := pii.ParseIDNumber("650102195006154564", today)
	tests := []struct {
		id   pii.IDNumber
		on   pii.Date
		okay bool
	}{
		{young, d(2026, 2, 28), false}, // 21: the 22nd birthday of a 29 Feb birth is 1 March in 2026
		{young, d(2026, 3, 1), true},
		{old, d(2026, 6, 14), true}, // still 75
		{old, d(2026, 6, 15), false},
	}
	for _, tt := range tests {
		err := pii.CheckAgeWindow(tt.id.AgeOn(tt.on), pii.DefaultMinAge, pii.DefaultMaxAge)
		if (err == nil) != tt.okay {
			t.Errorf("%v on %v: err = %v, want ok=%v", tt.id, tt.on, err, tt.okay)
		}
	}
}

func TestDateOf(t *testing.T) {
	// 16:30 UTC on 14 June is 00:30 on 15 June in Shanghai.
	if got := pii.DateOf(time.Date(2026, 6, 14, 16, 30, 0, 0, time.UTC)); got != today {
		t.Errorf("DateOf = %v, want %v", got, today)
	}
	if today.String() != "2026-06-15" {
		t.Errorf("String = %s", today)
	}
}
