package staff_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/staff"
)

func TestPasswordHashIsArgon2idAndChecks(t *testing.T) {
	h, err := staff.HashPassword("correct horse battery")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("%q %v", h, err)
	}
	if ok, err := staff.CheckPassword(h, "correct horse battery"); !ok || err != nil {
		t.Fatal("the right password fails", err)
	}
	if ok, _ := staff.CheckPassword(h, "correct horse batterz"); ok {
		t.Fatal("a wrong password passes")
	}
	if _, err := staff.HashPassword("short"); err == nil {
		t.Fatal("a short password is hashed")
	}
	for _, bad := range []string{"", "$bcrypt$x", "$argon2id$v=19$m=x$a$b", "$argon2id$v=19$m=1,t=1,p=1$!!$!!"} {
		if ok, err := staff.CheckPassword(bad, "x"); ok || err == nil {
			t.Errorf("%q: %v %v", bad, ok, err)
		}
	}
}

func TestTOTPAcceptsOneStepOfDriftOnceEach(t *testing.T) {
	secret := "O54GYZLOMQQGIZLWEBWWC23FOIQDAMBR"
	now := time.Unix(1_800_000_015, 0) // mid-step
	code, _ := staff.TOTPCode(secret, now)
	step, res := staff.CheckTOTP(secret, code, now, 0)
	if res != staff.TOTPOK || step != staff.Step(now) {
		t.Fatalf("current code: %v %d", res, step)
	}
	if _, res := staff.CheckTOTP(secret, code, now, step); res != staff.TOTPReplayed {
		t.Fatalf("the same code again: %v", res)
	}
	prev, _ := staff.TOTPCode(secret, now.Add(-30*time.Second))
	if _, res := staff.CheckTOTP(secret, prev, now, step); res != staff.TOTPReplayed {
		t.Fatalf("an older step after a newer one: %v", res)
	}
	if _, res := staff.CheckTOTP(secret, prev, now, 0); res != staff.TOTPOK {
		t.Fatalf("one step of drift: %v", res)
	}
	old, _ := staff.TOTPCode(secret, now.Add(-90*time.Second))
	if _, res := staff.CheckTOTP(secret, old, now, 0); res != staff.TOTPWrong {
		t.Fatalf("three steps old: %v", res)
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, res := staff.CheckTOTP(secret, bad, now, 0); res != staff.TOTPWrong {
			t.Errorf("%q: %v", bad, res)
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	now := time.Now()
	s := staff.Session{LastSeenAt: now, ExpiresAt: now.Add(staff.AbsoluteTimeout)}
	if s.Expired(now.Add(staff.IdleTimeout - time.Second)) {
		t.Fatal("expired before the idle timeout")
	}
	if !s.Expired(now.Add(staff.IdleTimeout)) || !s.Expired(now.Add(staff.AbsoluteTimeout)) {
		t.Fatal("alive past a timeout")
	}
	id, h := staff.NewSessionID()
	secret := []byte("0123456789abcdef0123456789abcdef")
	if !staff.CheckCSRF(secret, h, staff.CSRFToken(secret, h)) || staff.CheckCSRF(secret, h, "") || staff.CheckCSRF(secret, staff.HashSessionID(id+"x"), staff.CSRFToken(secret, h)) {
		t.Fatal("CSRF token check")
	}
}

// BenchmarkCheckPassword is the cost of one sign-in's argon2id check
// (t=3, 64 MiB, 2 lanes): go test -run=^$ -bench=CheckPassword ./shared/staff
func BenchmarkCheckPassword(b *testing.B) {
	h, err := staff.HashPassword("correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _ := staff.CheckPassword(h, "correct horse battery"); !ok {
			b.Fatal("mismatch")
		}
	}
}
