package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/app/apptest"
)

// Business time may run 40 days ahead of the wall (the local stack's
// settable clock, a catch-up): signed requests and sessions follow the
// wall clock and keep working, business rules follow the business clock.
func TestMovingTheBusinessClockFortyDaysKeepsSecurityOnWallTime(t *testing.T) {
	s := loanStackWith(t, apptest.Options{WallApart: true})
	ctx := context.Background()
	c := s.client(t, "clockwork")
	grantCredit(t, s.env, c.UserID, 500_000)
	old := quote(t, c, 100_000)

	s.env.Clock.Advance(40 * 24 * time.Hour)
	resp, err := c.Get(ctx, "/v1/me")
	want(t, resp, err, 200, "") // X-Timestamp, nonce and session on the wall clock
	resp, err = createLoan(c, "key-stale-quote", old)
	want(t, resp, err, 409, "failed_precondition") // the quote expired in business time

	resp, err = c.Post(ctx, "/v1/loans/quote", map[string]any{"amount_fen": 100_000, "term_months": 6, "method": "equal_installment"})
	want(t, resp, err, 200, "")
	var q struct {
		QuoteID   string    `json:"quote_id"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	_ = resp.Decode(&q)
	if wantAt := s.env.Clock.Now().Add(s.env.App.Cfg.QuoteTTL).Truncate(time.Second); !q.ExpiresAt.Equal(wantAt) {
		t.Fatalf("quote expires_at %v, want business now + TTL %v", q.ExpiresAt, wantAt)
	}
	resp, err = createLoan(c, "key-fresh-quote", q.QuoteID)
	want(t, resp, err, 201, "")

	s.env.Wall.Advance(3 * time.Hour) // past the session TTL in wall time
	resp, err = c.Get(ctx, "/v1/me")
	want(t, resp, err, 401, "unauthenticated")
}
