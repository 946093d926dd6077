package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/redis/redistest"
	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/scf/scftest"
)

// stack is one test's app served through the SCF event path.
type stack struct {
	env *apptest.Env
	url string
}

func newStack(t *testing.T, opts apptest.Options) *stack {
	t.Helper()
	env := apptest.New(t, opts)
	a := env.App
	srv := scftest.Server(t, a.Log,
		scftest.Route{Pattern: "POST /v1/auth/login", Handler: api.Login(a)},
		scftest.Route{Pattern: "POST /v1/auth/logout", Handler: api.Logout(a)},
		scftest.Route{Pattern: "GET /v1/me", Handler: api.Me(a)},
		// Test-only endpoints: a signed POST that changes nothing, and one
		// whose handler panics.
		scftest.Route{Pattern: "POST /v1/test/echo", Handler: api.Borrower(a, api.Func(echo))},
		scftest.Route{Pattern: "POST /v1/test/panic", Handler: api.Borrower(a, api.Func(func(http.ResponseWriter, *http.Request) error {
			panic("secret detail: id 110101199003074578")
		}))},
	)
	return &stack{env: env, url: srv.URL}
}

// newClient is a client of the stack whose answers are checked against
// openapi.yaml, except the test-only /v1/test/ routes it serves.
func (s *stack) newClient() *apitest.Client {
	c := apitest.New(s.url)
	c.Check = func(req *http.Request, resp *apitest.Response) error {
		if strings.HasPrefix(req.URL.Path, "/v1/test/") {
			return nil
		}
		return apitest.CheckResponse(req, resp)
	}
	return c
}

// client is a borrower signed in as user, whose clock follows the app's.
func (s *stack) client(t *testing.T, user string) *apitest.Client {
	t.Helper()
	c := s.newClient()
	c.Now = s.env.Wall.Now
	c.FromIP(apitest.LoopbackIP(len(user)))
	resp, err := c.Login(context.Background(), user+"."+apitest.NewNonce())
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("login %s: %v %v %s", user, err, resp.Status, resp.Body)
	}
	return c
}

func (s *stack) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := s.env.DB.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func want(t *testing.T, resp *apitest.Response, err error, status int, code string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != status || resp.Code() != code {
		t.Fatalf("got %d %s, want %d %q", resp.Status, resp.Body, status, code)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("no X-Request-Id on %d %s", resp.Status, resp.Body)
	}
}

func TestLoginAndMe(t *testing.T) {
	s := newStack(t, apptest.Options{})
	ctx := context.Background()
	c := s.client(t, "alice")
	resp, err := c.Get(ctx, "/v1/me")
	want(t, resp, err, 200, "")
	var me struct {
		UserID int64 `json:"user_id"`
		KYC    struct{ Identity string }
	}
	if err := resp.Decode(&me); err != nil || me.UserID != c.UserID || me.KYC.Identity != "none" {
		t.Fatalf("me = %+v (%v), want user %d", me, err, c.UserID)
	}
	// Same WeChat user again: same account, not new; another user: new.
	again := s.client(t, "alice")
	other := s.client(t, "bob")
	if again.UserID != c.UserID || other.UserID == c.UserID {
		t.Fatalf("user ids: alice %d, alice again %d, bob %d", c.UserID, again.UserID, other.UserID)
	}
	if strings.Contains(s.env.Logs.String(), c.Token) || strings.Contains(s.env.Logs.String(), c.SignKey) {
		t.Fatal("a token or sign_key reached the log")
	}
}

func TestLoginRejectsBadCodes(t *testing.T) {
	s := newStack(t, apptest.Options{})
	ctx := context.Background()
	c := s.newClient()
	cases := []struct {
		body   any
		status int
		code   string
	}{
		{map[string]string{"code": "invalid.1"}, 400, "invalid_argument"},
		{map[string]string{"code": ""}, 400, "invalid_argument"},
		{map[string]string{"code": "has space"}, 400, "invalid_argument"},
		{map[string]string{"code": "busy.1"}, 503, "unavailable"},
		{map[string]string{"code": "risky.1"}, 403, "forbidden"},
		{[]byte(`{"code":`), 400, "invalid_argument"},
		{[]byte(`{"code":1}`), 400, "invalid_argument"},
		{[]byte(`{"code":"a.1"} trailing`), 400, "invalid_argument"},
		{[]byte(`[]`), 400, "invalid_argument"},
	}
	for _, tc := range cases {
		resp, err := c.Send(ctx, "POST", "/v1/auth/login", tc.body, nil)
		want(t, resp, err, tc.status, tc.code)
	}
	if n := s.count(t, "users") + s.count(t, "sessions"); n != 0 {
		t.Fatalf("bad logins wrote %d rows", n)
	}
	// A code works once, as WeChat's do.
	resp, err := c.Send(ctx, "POST", "/v1/auth/login", map[string]string{"code": "carol.1"}, nil)
	want(t, resp, err, 200, "")
	resp, err = c.Send(ctx, "POST", "/v1/auth/login", map[string]string{"code": "carol.1"}, nil)
	want(t, resp, err, 400, "invalid_argument")
}

func TestSignedPostRules(t *testing.T) {
	s := newStack(t, apptest.Options{})
	ctx := context.Background()
	c := s.client(t, "dave")
	now := strconv.FormatInt(s.env.Clock.Now().Unix(), 10)

	resp, err := c.Send(ctx, "POST", "/v1/test/echo", []byte(`{}`), &apitest.Signing{Skip: true})
	want(t, resp, err, 401, "unauthenticated")
	stale := strconv.FormatInt(s.env.Clock.Now().Add(-301*time.Second).Unix(), 10)
	resp, err = c.Send(ctx, "POST", "/v1/test/echo", []byte(`{}`), &apitest.Signing{Timestamp: stale})
	want(t, resp, err, 401, "unauthenticated")
	future := strconv.FormatInt(s.env.Clock.Now().Add(301*time.Second).Unix(), 10)
	resp, err = c.Send(ctx, "POST", "/v1/test/echo", []byte(`{}`), &apitest.Signing{Timestamp: future})
	want(t, resp, err, 401, "unauthenticated")
	resp, err = c.Send(ctx, "POST", "/v1/test/echo", []byte(`{}`), &apitest.Signing{Signature: "AAAA"})
	want(t, resp, err, 401, "unauthenticated")
	resp, err = c.Send(ctx, "POST", "/v1/test/echo", []byte(`{}`), &apitest.Signing{Nonce: "short"})
	want(t, resp, err, 400, "invalid_argument") // malformed, not forged
	// Signed with another session's key.
	other := s.client(t, "erin")
	forged := s.newClient()
	forged.Token, forged.SignKey, forged.Now = c.Token, other.SignKey, c.Now
	resp, err = forged.Send(ctx, "POST", "/v1/test/echo", []byte(`{}`), nil)
	want(t, resp, err, 401, "unauthenticated")
	// Body changed after signing.
	resp, err = c.Send(ctx, "POST", "/v1/test/echo", []byte(`{"x":1}`), &apitest.Signing{Timestamp: now, Nonce: "nonce-for-tamper-test",
		Signature: signFor(c, "POST", "/v1/test/echo", now, "nonce-for-tamper-test", `{}`)})
	want(t, resp, err, 401, "unauthenticated")

	// A good request, then the same nonce again: replayed, and the failed
	// attempts above (same nonce, bad signature) did not burn it.
	sig := &apitest.Signing{Timestamp: now, Nonce: "nonce-for-tamper-test"}
	resp, err = c.Send(ctx, "POST", "/v1/test/echo", []byte(`{}`), sig)
	want(t, resp, err, 200, "")
	resp, err = c.Send(ctx, "POST", "/v1/test/echo", []byte(`{}`), sig)
	want(t, resp, err, 401, "replayed")
}

func echo(w http.ResponseWriter, r *http.Request) error {
	var in map[string]any
	if err := scf.DecodeJSON(r, &in); err != nil {
		return err
	}
	scf.WriteJSON(w, http.StatusOK, in)
	return nil
}

func signFor(c *apitest.Client, method, path, ts, nonce, body string) string {
	return authSignature(c.SignKey, method, path, ts, nonce, []byte(body))
}

func TestSessionsExpireAndRevoke(t *testing.T) {
	s := newStack(t, apptest.Options{})
	ctx := context.Background()
	c := s.client(t, "frank")
	s.env.Wall.Advance(2*time.Hour - time.Second)
	resp, err := c.Get(ctx, "/v1/me")
	want(t, resp, err, 200, "")
	s.env.Wall.Advance(time.Second)
	resp, err = c.Get(ctx, "/v1/me")
	want(t, resp, err, 401, "unauthenticated")

	d := s.client(t, "frank")
	resp, err = d.Post(ctx, "/v1/auth/logout", map[string]string{})
	want(t, resp, err, 200, "")
	resp, err = d.Get(ctx, "/v1/me")
	want(t, resp, err, 401, "unauthenticated")
	c.Token = "not-a-token"
	resp, err = c.Get(ctx, "/v1/me")
	want(t, resp, err, 401, "unauthenticated")
}

func TestRateLimits(t *testing.T) {
	s := newStack(t, apptest.Options{IPPerMinute: 1000, UserPerMinute: 5})
	ctx := context.Background()
	c := s.client(t, "gina")
	for i := 0; i < 5; i++ {
		resp, err := c.Get(ctx, "/v1/me")
		want(t, resp, err, 200, "")
	}
	s.env.Wall.Advance(20 * time.Second)
	resp, err := c.Get(ctx, "/v1/me")
	want(t, resp, err, 429, "rate_limited")
	if got := resp.Header.Get("Retry-After"); got != "40" {
		t.Fatalf("Retry-After %q, want 40 (the window's first request leaves it in 40 s): %s", got, resp.Body)
	}
	// Another user is not affected; the window slides.
	other := s.client(t, "hank")
	resp, err = other.Get(ctx, "/v1/me")
	want(t, resp, err, 200, "")
	s.env.Wall.Advance(61 * time.Second)
	resp, err = c.Get(ctx, "/v1/me")
	want(t, resp, err, 200, "")
}

func TestRateLimitPerIP(t *testing.T) {
	s := newStack(t, apptest.Options{IPPerMinute: 3, UserPerMinute: 100})
	ctx := context.Background()
	c := s.newClient()
	c.FromIP("127.0.2.7")
	for i := 0; i < 3; i++ {
		resp, err := c.Send(ctx, "POST", "/v1/auth/login", map[string]string{"code": "invalid.x"}, nil)
		want(t, resp, err, 400, "invalid_argument")
	}
	resp, err := c.Send(ctx, "POST", "/v1/auth/login", map[string]string{"code": "ivan.1"}, nil)
	want(t, resp, err, 429, "rate_limited")
	c.FromIP("127.0.2.8")
	resp, err = c.Send(ctx, "POST", "/v1/auth/login", map[string]string{"code": "ivan.2"}, nil)
	want(t, resp, err, 200, "")
}

// TestRedisDownFailsClosed stops a private Redis under a running app: every
// guarded request answers unavailable (never passes unchecked, never
// crashes) and all is well again once Redis is back.
func TestRedisDownFailsClosed(t *testing.T) {
	srv := redistest.StartServer(t)
	s := newStack(t, apptest.Options{RedisAddr: srv.Addr})
	ctx := context.Background()
	c := s.client(t, "judy")
	srv.Stop()
	resp, err := c.Post(ctx, "/v1/auth/logout", map[string]string{})
	want(t, resp, err, 503, "unavailable")
	resp, err = c.Get(ctx, "/v1/me")
	want(t, resp, err, 503, "unavailable")
	resp, err = s.newClient().Send(ctx, "POST", "/v1/auth/login", map[string]string{"code": "kim.1"}, nil)
	want(t, resp, err, 503, "unavailable")
	srv.Start()
	resp, err = c.Get(ctx, "/v1/me")
	want(t, resp, err, 200, "")
	resp, err = c.Post(ctx, "/v1/auth/logout", map[string]string{})
	want(t, resp, err, 200, "")
}

// TestMisroutedAndMalformedRequestsAnswerInTheEnvelope: a wrong method on a
// known path, an unknown path and malformed headers are all answered in
// api.md's envelope with a request id, both by the server in front of the
// functions and by a function reached directly (a function URL passes
// every method and path to it).
func TestMisroutedAndMalformedRequestsAnswerInTheEnvelope(t *testing.T) {
	s := newStack(t, apptest.Options{})
	ctx := context.Background()
	anon := s.newClient()
	resp, err := anon.Send(ctx, "GET", "/v1/auth/login", nil, nil)
	want(t, resp, err, 405, "method_not_allowed")
	if resp.Header.Get("Allow") != "POST" {
		t.Fatalf("Allow %q", resp.Header.Get("Allow"))
	}
	resp, err = anon.Send(ctx, "DELETE", "/v1/me", nil, nil)
	want(t, resp, err, 405, "method_not_allowed")
	if resp.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("Allow %q", resp.Header.Get("Allow"))
	}
	resp, err = anon.Send(ctx, "GET", "/v1/nope", nil, nil)
	want(t, resp, err, 404, "not_found")

	login := scf.APIGateway(api.Login(s.env.App), s.env.App.Log)
	for path, code := range map[string]int{"/v1/auth/login": 405, "/v1/auth/login/x": 404, "/": 404} {
		req, _ := http.NewRequest("GET", path, nil)
		ev := scftest.Invoke(req, login)
		var body struct {
			RequestID string `json:"request_id"`
		}
		_ = json.Unmarshal([]byte(ev.Body), &body)
		if ev.StatusCode != code || body.RequestID == "" || ev.Headers["X-Request-Id"] != body.RequestID ||
			(code == 405) != (ev.Headers["Allow"] == "POST") {
			t.Errorf("login function, GET %s: %+v", path, ev)
		}
	}

	c := s.client(t, "headers")
	for _, tc := range []struct {
		sig     apitest.Signing
		headers map[string]string
		field   string
	}{
		{apitest.Signing{Timestamp: "yesterday"}, nil, "X-Timestamp"},
		{apitest.Signing{Timestamp: "1e9"}, nil, "X-Timestamp"},
		{apitest.Signing{Nonce: "has spaces in it, sixteen+"}, nil, "X-Nonce"},
		{apitest.Signing{}, map[string]string{"Content-Type": "text/plain"}, "Content-Type"},
		{apitest.Signing{}, map[string]string{"Content-Type": "application/json; charset=gbk"}, "Content-Type"},
		{apitest.Signing{}, map[string]string{"Content-Type": "application/json;;"}, "Content-Type"},
	} {
		var resp *apitest.Response
		var err error
		if tc.headers != nil {
			resp, err = c.SendWith(ctx, "POST", "/v1/test/echo", []byte(`{}`), tc.headers)
		} else {
			resp, err = c.Send(ctx, "POST", "/v1/test/echo", []byte(`{}`), &tc.sig)
		}
		want(t, resp, err, 400, "invalid_argument")
		var body struct{ Field string }
		if _ = resp.Decode(&body); body.Field != tc.field {
			t.Errorf("field %q, want %q: %s", body.Field, tc.field, resp.Body)
		}
	}
}

func TestPanicIsInternalWithoutDetail(t *testing.T) {
	s := newStack(t, apptest.Options{})
	c := s.client(t, "leo")
	resp, err := c.Post(context.Background(), "/v1/test/panic", map[string]string{})
	want(t, resp, err, 500, "internal")
	if strings.Contains(string(resp.Body), "secret") || strings.Contains(string(resp.Body), "goroutine") {
		t.Fatalf("panic detail leaked: %s", resp.Body)
	}
	// The app keeps serving.
	resp, err = c.Get(context.Background(), "/v1/me")
	want(t, resp, err, 200, "")
}

func TestMalformedJSONChangesNothing(t *testing.T) {
	s := newStack(t, apptest.Options{})
	c := s.client(t, "mia")
	before := s.count(t, "sessions")
	for _, body := range []string{`{`, `{"a":}`, `nul`, `{"a":1}{"b":2}`} {
		resp, err := c.Send(context.Background(), "POST", "/v1/test/echo", []byte(body), nil)
		want(t, resp, err, 400, "invalid_argument")
	}
	resp, err := c.Send(context.Background(), "POST", "/v1/auth/logout", []byte(`{"x":`), nil)
	want(t, resp, err, 400, "invalid_argument")
	if n := s.count(t, "sessions"); n != before {
		t.Fatalf("sessions %d -> %d", before, n)
	}
	resp, err = c.Get(context.Background(), "/v1/me")
	want(t, resp, err, 200, "") // the malformed logout did not sign out
}

// TestPaidCheckBudgetAnswersRetryAfter: like the request windows' 429s
// (TestRateLimits), the paid KYC checks' daily budget says when to come
// back: when its oldest check leaves the 24 h window.
func TestPaidCheckBudgetAnswersRetryAfter(t *testing.T) {
	ctx := context.Background()
	k := kycStack(t)
	b := k.client(t, "budget")
	accept(t, b, consent.PrivacyPolicy, consent.IdentityVerification)
	resp, err := b.Post(ctx, "/v1/auth/phone", map[string]string{"code": "phone:13700004321"})
	want(t, resp, err, 200, "")
	id := idNumber(t, "19880808", "321")
	for i := 0; i < 5; i++ {
		resp, err = b.Post(ctx, "/v1/kyc/identity", map[string]string{"name": "王不符", "id_number": id})
		status(t, resp, err, "mismatch")
		k.env.Wall.Advance(10 * time.Minute)
	}
	resp, err = b.Post(ctx, "/v1/kyc/identity", map[string]string{"name": "王不符", "id_number": id})
	want(t, resp, err, 429, "rate_limited")
	if got := resp.Header.Get("Retry-After"); got != "83400" {
		t.Fatalf("Retry-After %q, want 83400 (the first check leaves the day in 23 h 10 min): %s", got, resp.Body)
	}
}

// TestSignedNonUTF8BodyIsInvalidArgument: the signature is checked over the
// bytes the client sent (the event carries them base64), so a correctly
// signed body that is not UTF-8 is refused by the JSON decode as the
// caller's input, not as a signature mismatch.
func TestSignedNonUTF8BodyIsInvalidArgument(t *testing.T) {
	s := newStack(t, apptest.Options{})
	c := s.client(t, "bytes")
	for _, body := range [][]byte{[]byte("{\"x\":\"\xff\xfe\"}"), {0x00, 0xc3, 0x28}} {
		resp, err := c.Send(context.Background(), "POST", "/v1/test/echo", body, nil)
		want(t, resp, err, 400, "invalid_argument")
	}
}
