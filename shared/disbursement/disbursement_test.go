package disbursement

import (
	"testing"
	"time"
)

func TestFinalStates(t *testing.T) {
	for _, s := range []string{Success, Fail, Cancelled, Rerouted} {
		if !Final(s) {
			t.Errorf("%s is final", s)
		}
	}
	for _, s := range []string{Creating, Unknown, "ACCEPTED", "PROCESSING", "WAIT_USER_CONFIRM", "TRANSFERING", "CANCELING", "", "success"} {
		if Final(s) {
			t.Errorf("%q is not final", s)
		}
	}
	list := FinalStates()
	list[0] = "changed"
	if !Final(Success) {
		t.Fatal("FinalStates handed out the list itself")
	}
}

func TestCurrentKeepsTheLastAttemptOfEachPart(t *testing.T) {
	rows := []Part{
		{PartNo: 1, AttemptNo: 1, State: Rerouted}, {PartNo: 1, AttemptNo: 2, State: Success},
		{PartNo: 2, AttemptNo: 1, State: Unknown},
		{PartNo: 3, AttemptNo: 1, State: Fail}, {PartNo: 3, AttemptNo: 2, State: Fail}, {PartNo: 3, AttemptNo: 3, State: Creating},
	}
	got := Current(rows)
	want := [][2]int{{1, 2}, {2, 1}, {3, 3}}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for i, w := range want {
		if got[i].PartNo != w[0] || got[i].AttemptNo != w[1] {
			t.Errorf("part %d: %d/%d, want %v", i, got[i].PartNo, got[i].AttemptNo, w)
		}
	}
	if Current(nil) != nil {
		t.Fatal("no rows, no parts")
	}
}

func TestHeld(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if (Part{}).Held(now) {
		t.Fatal("a part without not_before is held")
	}
	if !(Part{NotBefore: now.Add(time.Second)}).Held(now) || (Part{NotBefore: now}).Held(now) {
		t.Fatal("held until not_before, not after")
	}
}
