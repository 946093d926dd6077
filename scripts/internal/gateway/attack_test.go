package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/scripts/internal/journey"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// The attack matrix (issue 16), as an attacker tries it against the local
// stack. Every route comes from serverless.yml (g.Manifest.Routes()), so a
// route added there is attacked too; each attempt asserts the exact code
// and that no table changed (a checksum of every table but the ones a
// refused request may legitimately touch).

// snapshot is CHECKSUM TABLE over every table of the database, but
// sessions (last use), the migration record and callback_refusals (a
// refused callback is counted there for job-monitor: the one write a
// refusal makes, tested in shared/payments and shared/api).
func snapshot(t *testing.T, db *mysqltest.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'
		AND table_name NOT IN ('sessions', 'schema_migrations', 'callback_refusals') ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	var b strings.Builder
	for _, n := range names {
		var name string
		var sum *int64
		if err := db.QueryRow("CHECKSUM TABLE `"+n+"`").Scan(&name, &sum); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s=%v ", n, *sum)
	}
	return b.String()
}

// refusalsCounted is every callback refusal counted so far (job-monitor's
// callback_refusals).
func refusalsCounted(t *testing.T, db *mysqltest.DB) (n int64) {
	t.Helper()
	if err := db.QueryRow("SELECT COALESCE(SUM(refusals), 0) FROM callback_refusals").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func unchanged(t *testing.T, db *mysqltest.DB, before, what string) {
	t.Helper()
	if after := snapshot(t, db); after != before {
		t.Fatalf("%s changed the database:\nbefore %s\nafter  %s", what, before, after)
	}
}

var param = regexp.MustCompile(`\{[a-z_]+\}`)

// borrowerRoutes are the declared /v1 routes but login (every one needs a
// session; POSTs are signed).
func borrowerRoutes(g *gateway.Gateway) (routes []struct{ Method, Path string }) {
	for _, r := range g.Manifest.Routes() {
		if strings.HasPrefix(r.Path, "/v1/") && r.Path != "/v1/auth/login" {
			routes = append(routes, struct{ Method, Path string }{r.Method, r.Path})
		}
	}
	return routes
}

// victim onboards borrower A with an active loan; it answers A's client
// and the ids A owns, by path parameter name.
func victim(t *testing.T, base string) (*apitest.Client, []string) {
	t.Helper()
	ctx := context.Background()
	a := apitest.New(base)
	a.FromIP(apitest.LoopbackIP(177))
	id, err := gateway.DevID("11010519880512", '9')
	if err != nil {
		t.Fatal(err)
	}
	if _, err := journey.Approve(ctx, a, "victim", "钱七", id, gateway.DevCard("621700123456789"), "13912345671"); err != nil {
		t.Fatal(err)
	}
	// Half the line (the product's smallest loan): the money class draws
	// the rest.
	loanID, err := journey.Borrow(ctx, a, base, io.Discard, 50000, 3)
	if err != nil {
		t.Fatal(err)
	}
	var apps struct {
		ApplicationID int64 `json:"application_id"`
	}
	resp, _ := a.Post(ctx, "/v1/credit/applications", map[string]any{"device": map[string]any{"fingerprint_id": "device-victim-0123456789"}})
	_ = resp.Decode(&apps)
	return a, []string{strconv.FormatInt(loanID, 10), strconv.FormatInt(apps.ApplicationID, 10)}
}

func TestAttackMatrix(t *testing.T) {
	g, base, db, rs := startStackStores(t)
	ctx := context.Background()
	a, owned := victim(t, base)
	b := apitest.New(base)
	b.FromIP(apitest.LoopbackIP(178))
	if resp, err := b.Login(ctx, "attacker."+apitest.NewNonce()); err != nil || resp.Status != 200 {
		t.Fatal(resp, err)
	}
	time.Sleep(200 * time.Millisecond) // let A's last application's chain settle before snapshots
	_ = g.WaitAsync(ctx)

	// IDOR: B tries every route with an id on each of A's ids.
	t.Run("idor", func(t *testing.T) {
		for _, r := range borrowerRoutes(g) {
			if !param.MatchString(r.Path) {
				continue
			}
			for _, id := range owned {
				path := param.ReplaceAllString(r.Path, id)
				before := snapshot(t, db)
				// A well-formed body, so only ownership can refuse it.
				resp, err := b.SendWith(ctx, r.Method, path, map[string]any{"kind": "payoff"}, map[string]string{"Idempotency-Key": "idor-" + apitest.NewNonce()[:16]})
				expect(t, resp, err, 404, "not_found")
				unchanged(t, db, before, r.Method+" "+path+" by another borrower")
			}
		}
	})

	// Signatures on every signed route: stale, foreign (A's key on B's
	// session), missing; then a replay of a good request.
	t.Run("signatures", func(t *testing.T) {
		foreign := *b
		foreign.SignKey = a.SignKey
		for _, r := range borrowerRoutes(g) {
			if r.Method != http.MethodPost {
				continue
			}
			path := param.ReplaceAllString(r.Path, owned[0])
			before := snapshot(t, db)
			stale := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
			resp, err := b.Send(ctx, r.Method, path, map[string]any{}, &apitest.Signing{Timestamp: stale})
			expect(t, resp, err, 401, "unauthenticated")
			resp, err = foreign.Send(ctx, r.Method, path, map[string]any{}, nil)
			expect(t, resp, err, 401, "unauthenticated")
			resp, err = b.Send(ctx, r.Method, path, map[string]any{}, &apitest.Signing{Skip: true})
			expect(t, resp, err, 401, "unauthenticated")
			unchanged(t, db, before, "badly signed "+r.Method+" "+path)
		}
		sig := &apitest.Signing{Nonce: apitest.NewNonce()}
		body := map[string]any{"agreement": "privacy_policy", "version": 1}
		resp, err := b.Send(ctx, "POST", "/v1/consents", body, sig)
		expect(t, resp, err, 200, "")
		before := snapshot(t, db)
		resp, err = b.Send(ctx, "POST", "/v1/consents", body, sig)
		expect(t, resp, err, 401, "replayed")
		unchanged(t, db, before, "a replayed POST")
	})

	// Callbacks: a forged signature and a stale timestamp on every WeChat
	// Pay notification route are refused, and the book does not move.
	t.Run("callbacks", func(t *testing.T) {
		for _, r := range g.Manifest.Routes() {
			if !strings.HasPrefix(r.Path, "/notify/wxpay/") {
				continue
			}
			for _, c := range []struct {
				forge  string
				status int
				msg    string
			}{
				{wxpaytest.ForgeSignature, 401, "signature invalid"},
				{wxpaytest.ForgeStaleTimestamp, 400, "timestamp stale"},
				{"", 400, ""}, // genuine, but of a payment the book does not hold
			} {
				before, counted := snapshot(t, db), refusalsCounted(t, db)
				req, err := wxpaytest.NewNotificationRequest(base+r.Path, "TRANSACTION.SUCCESS", "支付成功", "transaction",
					map[string]any{"out_trade_no": "P0000000000000000", "out_bill_no": "D0000000000000000", "trade_state": "SUCCESS",
						"state": "SUCCESS", "mchid": wxpaytest.DevMchID, "amount": map[string]any{"total": 100}}, c.forge)
				if err != nil {
					t.Fatal(err)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != c.status || !strings.Contains(string(body), `"code":"FAIL"`) || !strings.Contains(string(body), c.msg) {
					t.Fatalf("%s %s forged %q: %d %s, want %d %q", r.Method, r.Path, c.forge, res.StatusCode, body, c.status, c.msg)
				}
				unchanged(t, db, before, "a refused notification on "+r.Path)
				if now := refusalsCounted(t, db); now != counted+1 {
					t.Fatalf("a refused notification on %s counted %d refusals, want 1", r.Path, now-counted)
				}
			}
		}
	})

	// Oversized bodies on every POST route: refused before any handler.
	t.Run("oversized", func(t *testing.T) {
		huge := bytes.Repeat([]byte("a"), 7<<20)
		for _, r := range g.Manifest.Routes() {
			if r.Method != http.MethodPost || r.SelfRouted() {
				continue // admin's own table: shared/admin's tests (the gateway's 6 MB limit is the same for it)
			}
			before := snapshot(t, db)
			path := param.ReplaceAllString(r.Path, owned[0])
			resp, err := b.Send(ctx, r.Method, path, append(append([]byte(`{"x":"`), huge...), '"', '}'), nil)
			expect(t, resp, err, 400, "invalid_argument")
			if !strings.Contains(string(resp.Body), `"reason":"too_large"`) {
				t.Fatalf("oversized %s: %s", path, resp.Body)
			}
			unchanged(t, db, before, "an oversized body on "+path)
		}
	})

	// Money edge cases on the quote and loan routes.
	t.Run("money", func(t *testing.T) {
		for _, amount := range []any{0, -1, int64(1) << 62, "100", 1.5, 99999999999} {
			before := snapshot(t, db)
			resp, err := a.Post(ctx, "/v1/loans/quote", map[string]any{"amount_fen": amount, "term_months": 3, "method": "equal_installment"})
			if err != nil || resp.Status < 400 {
				t.Fatalf("quote of %v: %v %v", amount, resp, err)
			}
			if code := resp.Code(); code != "invalid_argument" && code != "failed_precondition" {
				t.Fatalf("quote of %v: %s", amount, resp.Body)
			}
			unchanged(t, db, before, fmt.Sprintf("a quote of %v", amount))
		}
	})

	// The classes below send more than a minute's worth for one borrower:
	// each starts on fresh rate windows (see ageRateWindows).
	t.Run("strings", func(t *testing.T) {
		ageRateWindows(t, rs)
		attackStrings(t, g, base, db, a, owned[0])
	})

	var signing int64 // a loan whose contract is out for signature
	t.Run("loan-create", func(t *testing.T) {
		ageRateWindows(t, rs)
		signing = attackLoanCreate(t, db, a, b)
		resp, err := a.Get(ctx, apitest.LoanPath("contract", signing))
		expect(t, resp, err, 200, "")
		resp, err = a.Post(ctx, apitest.LoanPath("contract-sign", signing), map[string]any{})
		expect(t, resp, err, 200, "")
	})

	t.Run("repay amounts", func(t *testing.T) {
		loanID, _ := strconv.ParseInt(owned[0], 10, 64)
		attackRepayAmounts(t, db, a, loanID)
	})

	t.Run("ess callbacks", func(t *testing.T) {
		if signing == 0 {
			t.Skip("needs the loan the loan-create class makes")
		}
		loanID, _ := strconv.ParseInt(owned[0], 10, 64)
		attackESS(t, base, db, signing, loanID)
	})

	t.Run("rate windows", func(t *testing.T) {
		attackRateWindows(t, base, db, rs)
	})
}
