package loan

import "testing"

func TestTransitions(t *testing.T) {
	allowed := map[[2]Status]bool{
		{Applied, Signed}: true, {Applied, Cancelled}: true, {Signed, Disbursing}: true, {Signed, Cancelled}: true,
		{Disbursing, Active}: true, {Disbursing, Cancelled}: true, {Active, Overdue}: true, {Active, Settled}: true,
		{Overdue, Active}: true, {Overdue, Settled}: true, {Overdue, WrittenOff}: true,
	}
	for _, from := range Statuses() {
		for _, to := range Statuses() {
			if got := CanTransition(from, to); got != allowed[[2]Status{from, to}] {
				t.Errorf("%s -> %s: %v", from, to, got)
			}
		}
	}
	if CanTransition("bogus", Signed) || CanTransition(Applied, "bogus") || Status("bogus").Valid() {
		t.Fatal("unknown statuses must not transition")
	}
	for _, s := range []Status{Settled, Cancelled, WrittenOff} {
		if !s.Final() {
			t.Errorf("%s should be final", s)
		}
	}
}
