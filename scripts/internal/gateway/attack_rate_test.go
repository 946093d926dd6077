package gateway_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/redis"
)

// The stack's rate limits: app.Config's defaults (README, configuration:
// RATE_LIMIT_IP_PER_MIN, RATE_LIMIT_USER_PER_MIN), which the test stack
// does not override.
const (
	ipPerMinute   = 300
	userPerMinute = 120
	kycPerDay     = 5 // KYC_DAILY_CHECKS: paid checks per step, borrower and day
)

// ageRateWindows makes a minute pass for every rate window of the stack
// (the sign-in failure count too): each recorded request moves a window
// and a second into the past. The windows run on wall time, which no
// local control moves (auth.Service.Wall: security checks never follow
// the business clock), so the test moves the requests instead of sleeping
// a minute.
func ageRateWindows(t *testing.T, rs *redis.Store) {
	t.Helper()
	ctx := context.Background()
	shift := float64((time.Minute + time.Second).Milliseconds())
	iter := rs.C.Scan(ctx, 0, rs.Key("rl", "*"), 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		seen, err := rs.C.ZRangeWithScores(ctx, key, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		moved := make([]goredis.Z, len(seen))
		for i, z := range seen {
			moved[i] = goredis.Z{Score: z.Score - shift, Member: z.Member}
		}
		if len(moved) > 0 {
			if err := rs.C.ZAdd(ctx, key, moved...).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
}

// untilRefused sends GET path until it is refused with 429, at most
// limit+1 times, and answers how many were let through (with want each)
// and the refusal.
func untilRefused(t *testing.T, c *apitest.Client, path string, limit, want int) (int, *apitest.Response) {
	t.Helper()
	ctx := context.Background()
	for n := 0; n <= limit; n++ {
		resp, err := c.Get(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status == 429 {
			return n, resp
		}
		if resp.Status != want {
			t.Fatalf("request %d to %s: %d %s, want %d", n+1, path, resp.Status, resp.Body, want)
		}
	}
	t.Fatalf("%s was never refused in %d requests", path, limit+1)
	return 0, nil
}

// refusedFor checks a rate_limited answer: 429, the window's kind as the
// reason, and a Retry-After within the window.
func refusedFor(t *testing.T, resp *apitest.Response, err error, kind string) {
	t.Helper()
	refusedWithin(t, resp, err, kind, time.Minute)
}

func refusedWithin(t *testing.T, resp *apitest.Response, err error, kind string, window time.Duration) {
	t.Helper()
	expect(t, resp, err, 429, "rate_limited")
	if !strings.Contains(string(resp.Body), `"reason":"`+kind+`"`) {
		t.Fatalf("refused %s, want reason %q", resp.Body, kind)
	}
	ra, perr := strconv.Atoi(resp.Header.Get("Retry-After"))
	if perr != nil || ra < 1 || ra > int(window/time.Second) {
		t.Fatalf("Retry-After %q, want 1..%d s (the window)", resp.Header.Get("Retry-After"), int(window/time.Second))
	}
}

// attackRateWindows: a borrower, then a client IP, runs its window dry;
// the refusal is exact, refuses everything behind the guard (sign-in
// too), changes nothing, binds only that borrower or that IP, and lifts
// once the window has passed. The same for the day's budget of paid KYC
// checks.
func attackRateWindows(t *testing.T, base string, db *mysqltest.DB, rs *redis.Store) {
	ctx := context.Background()
	ageRateWindows(t, rs) // what the matrix sent before does not count
	login := func(ip int) *apitest.Client {
		c := apitest.New(base)
		c.FromIP(apitest.LoopbackIP(ip))
		if resp, err := c.Login(ctx, freshCode("rate")); err != nil || resp.Status != 200 {
			t.Fatal(resp, err)
		}
		return c
	}

	t.Run("per borrower", func(t *testing.T) {
		u := login(701)
		n, resp := untilRefused(t, u, "/v1/me", userPerMinute, 200)
		if n != userPerMinute {
			t.Fatalf("%d requests let through, want %d", n, userPerMinute)
		}
		refusedFor(t, resp, nil, "user")
		v := login(701) // another borrower on the same IP: its own window
		resp, err := v.Get(ctx, "/v1/me")
		expect(t, resp, err, 200, "")

		before := snapshot(t, db)
		moved := *u
		moved.FromIP(apitest.LoopbackIP(702)) // the window follows the borrower
		resp, err = moved.Get(ctx, "/v1/me")
		refusedFor(t, resp, err, "user")
		resp, err = u.Post(ctx, "/v1/consents", map[string]any{"agreement": "privacy_policy", "version": 1})
		refusedFor(t, resp, err, "user")
		unchanged(t, db, before, "requests of a borrower over the limit")

		ageRateWindows(t, rs)
		resp, err = u.Get(ctx, "/v1/me")
		expect(t, resp, err, 200, "")
	})

	t.Run("per IP", func(t *testing.T) {
		u := login(711) // before the IP runs dry
		anon := apitest.New(base)
		anon.FromIP(apitest.LoopbackIP(712))
		// The IP window comes before authentication: requests without a
		// session count (and are 401) until it is dry.
		n, resp := untilRefused(t, anon, "/v1/me", ipPerMinute, 401)
		if n != ipPerMinute {
			t.Fatalf("%d requests let through, want %d", n, ipPerMinute)
		}
		refusedFor(t, resp, nil, "ip")

		before := snapshot(t, db)
		resp, err := anon.Login(ctx, freshCode("rate")) // sign-in too: no user made
		refusedFor(t, resp, err, "ip")
		there := *u
		there.FromIP(apitest.LoopbackIP(712)) // any borrower on that IP
		resp, err = there.Get(ctx, "/v1/me")
		refusedFor(t, resp, err, "ip")
		unchanged(t, db, before, "requests from an IP over the limit")
		resp, err = u.Get(ctx, "/v1/me") // the same borrower elsewhere
		expect(t, resp, err, 200, "")

		ageRateWindows(t, rs)
		resp, err = there.Get(ctx, "/v1/me")
		expect(t, resp, err, 200, "")
		resp, err = anon.Login(ctx, freshCode("rate"))
		expect(t, resp, err, 200, "")
	})

	// Paid provider checks have their own window: a day, per borrower and
	// step, kept in MySQL (kyc_checks) on wall time.
	t.Run("paid checks per day", func(t *testing.T) {
		c := login(721)
		for _, code := range []string{"privacy_policy", "identity_verification"} {
			resp, err := c.Post(ctx, "/v1/consents", map[string]any{"agreement": code, "version": 1})
			expect(t, resp, err, 200, "")
		}
		resp, err := c.Post(ctx, "/v1/auth/phone", map[string]string{"code": "phone:13912340721.1"})
		expect(t, resp, err, 200, "")
		id, err := gateway.DevID("11010519850101", '9')
		if err != nil {
			t.Fatal(err)
		}
		check := map[string]string{"name": "王不符", "id_number": id} // the FaceID fake: a mismatch
		for i := 0; i < kycPerDay; i++ {
			resp, err := c.Post(ctx, "/v1/kyc/identity", check)
			expect(t, resp, err, 200, "")
			if !strings.Contains(string(resp.Body), `"status":"mismatch"`) {
				t.Fatalf("check %d: %s", i+1, resp.Body)
			}
		}
		before := snapshot(t, db)
		resp, err = c.Post(ctx, "/v1/kyc/identity", check)
		refusedWithin(t, resp, err, "kyc_attempts", 24*time.Hour)
		unchanged(t, db, before, "a paid check over the day's budget")

		// A day passes for this borrower's checks (no clock moves wall time).
		if _, err := db.Exec("UPDATE kyc_checks SET created_at = created_at - INTERVAL 1 DAY - INTERVAL 1 SECOND WHERE user_id = ?", c.UserID); err != nil {
			t.Fatal(err)
		}
		resp, err = c.Post(ctx, "/v1/kyc/identity", check)
		expect(t, resp, err, 200, "")
	})
}
