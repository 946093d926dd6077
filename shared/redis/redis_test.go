package redis_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/redis"
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

// TestAHungServerFailsWithinTheTimeout: a Redis that accepts connections
// and never answers (a wedged server, a black-holed route) costs a call
// its timeout, tried twice, and an error; it never hangs a function.
func TestAHungServerFailsWithinTheTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	s := redis.Open(redis.Options{Addr: l.Addr().String(), Prefix: "hung:", PoolSize: 2, Timeout: 100 * time.Millisecond})
	defer s.Close()
	done := make(chan error, 1)
	go func() {
		_, err := s.ClaimNonce(context.Background(), "scope", "nonce-0123456789abcdef", time.Minute)
		done <- err
	}()
	// Two tries of 100 ms: no answer after 50 times that is a hang, not load.
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a server that never answers gave no error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call hung: the timeout is not applied")
	}
}
