package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/redis/redistest"
)

func TestSlidingWindow(t *testing.T) {
	s := redistest.New(t)
	ctx := context.Background()
	t0 := time.Unix(1_800_000_000, 0)
	for i := 0; i < 3; i++ {
		l, err := s.Allow(ctx, "k", 3, time.Minute, t0.Add(time.Duration(i)*10*time.Second), string(rune('a'+i)))
		if err != nil || !l.Allowed {
			t.Fatalf("event %d: %+v %v", i, l, err)
		}
	}
	l, err := s.Allow(ctx, "k", 3, time.Minute, t0.Add(30*time.Second), "d")
	if err != nil || l.Allowed || l.RetryAfter != 30*time.Second {
		t.Fatalf("4th: %+v %v", l, err)
	}
	// A refused event is not counted: once the first ages out, one fits.
	l, _ = s.Allow(ctx, "k", 3, time.Minute, t0.Add(60*time.Second+time.Millisecond), "e")
	if !l.Allowed {
		t.Fatalf("after the first aged out: %+v", l)
	}
	l, _ = s.Allow(ctx, "k", 3, time.Minute, t0.Add(61*time.Second), "f")
	if l.Allowed {
		t.Fatalf("window holds b, c, e: %+v", l)
	}
}

func TestNonceIsSingleUse(t *testing.T) {
	s := redistest.New(t)
	ctx := context.Background()
	ok, err := s.ClaimNonce(ctx, "7", "n-0123456789abcdef", time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	ok, _ = s.ClaimNonce(ctx, "7", "n-0123456789abcdef", time.Minute)
	if ok {
		t.Fatal("nonce claimed twice")
	}
	ok, _ = s.ClaimNonce(ctx, "8", "n-0123456789abcdef", time.Minute)
	if !ok {
		t.Fatal("scopes must not share nonces")
	}
}
