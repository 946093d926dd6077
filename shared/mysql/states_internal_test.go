package mysql

import (
	"slices"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/disbursement"
)

// parseSQLList reads "('A', 'B')" back into its values.
func parseSQLList(t *testing.T, list string) []string {
	t.Helper()
	if !strings.HasPrefix(list, "('") || !strings.HasSuffix(list, "')") {
		t.Fatalf("not an SQL list of strings: %s", list)
	}
	return strings.Split(strings.TrimSuffix(strings.TrimPrefix(list, "('"), "')"), "', '")
}

// Every part state the code knows, final or not.
var partStates = []string{disbursement.Creating, disbursement.Unknown, disbursement.Rerouted, "ACCEPTED", "PROCESSING",
	"WAIT_USER_CONFIRM", "TRANSFERING", disbursement.Success, disbursement.Fail, "CANCELING", disbursement.Cancelled}

func TestPartFinalStatesInSQLAreDisbursementFinal(t *testing.T) {
	listed := parseSQLList(t, finalStates)
	for _, s := range listed {
		if !disbursement.Final(s) {
			t.Errorf("the SQL treats %s as final, disbursement.Final does not", s)
		}
	}
	for _, s := range partStates {
		if disbursement.Final(s) != slices.Contains(listed, s) {
			t.Errorf("%s: final %v, in the SQL list %v", s, disbursement.Final(s), slices.Contains(listed, s))
		}
	}
}

func TestRefundFinalStatesInSQLAreRefundFinal(t *testing.T) {
	listed := parseSQLList(t, refundFinalSQL)
	for _, s := range []string{RefundCreated, "PROCESSING", "SUCCESS", "CLOSED", "ABNORMAL"} {
		if RefundFinal(s) != slices.Contains(listed, s) {
			t.Errorf("%s: final %v, in the SQL list %v", s, RefundFinal(s), slices.Contains(listed, s))
		}
	}
}

func TestSQLListRefusesWhatWouldNeedQuoting(t *testing.T) {
	if got := sqlList([]string{"A", "B_C"}); got != "('A', 'B_C')" {
		t.Fatal(got)
	}
	for _, bad := range []string{"", "O'BRIEN", `A\`, `"`} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q was put in an SQL list", bad)
				}
			}()
			sqlList([]string{"OK", bad})
		}()
	}
}
