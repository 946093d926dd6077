package api_test

import (
	"context"
	"testing"

	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/auth"
	"github.com/wxlend/wxlend/shared/scf/scftest"
)

func captchaStack(t *testing.T) *stack {
	env := apptest.New(t, apptest.Options{})
	srv := scftest.Server(t, env.App.Log,
		scftest.Route{Pattern: "POST /v1/auth/login", Handler: api.Login(env.App)},
		scftest.Route{Pattern: "POST /v1/credit/applications", Handler: api.CreditApply(env.App)},
	)
	return &stack{env: env, url: srv.URL}
}

func wantReason(t *testing.T, resp *apitest.Response, err error, status int, code, reason string) {
	t.Helper()
	want(t, resp, err, status, code)
	var e struct{ Field, Reason string }
	_ = resp.Decode(&e)
	if (reason == "") != (e.Reason == "" || e.Field != "captcha.ticket") || reason != "" && e.Reason != reason {
		t.Fatalf("got field %q reason %q, want captcha.ticket %q: %s", e.Field, e.Reason, reason, resp.Body)
	}
}

// A credit application without a good captcha ticket is refused before
// anything is stored; a passing ticket goes on to the next check (here
// the missing consents), and works once.
func TestCreditApplicationNeedsACaptcha(t *testing.T) {
	s := captchaStack(t)
	c := s.client(t, "captcha-applicant")
	ctx := context.Background()
	device := map[string]any{"fingerprint_id": "device-captcha-0123456789"}
	apply := func(captcha any) (*apitest.Response, error) {
		body := map[string]any{"device": device}
		if captcha != nil {
			body["captcha"] = captcha
		}
		return c.Post(ctx, "/v1/credit/applications", body)
	}
	for _, tc := range []struct {
		captcha any
		reason  string
	}{
		{nil, "captcha_required"},
		{map[string]string{"ticket": "", "randstr": "x"}, "captcha_required"},
		{map[string]string{"ticket": "dev-fail-1", "randstr": "x"}, "captcha_failed"},
		{map[string]string{"ticket": "dev-expired-1", "randstr": "x"}, "captcha_failed"},
		{map[string]string{"ticket": "not-a-ticket", "randstr": "x"}, "captcha_failed"},
		{map[string]string{"ticket": "dev-fail-1", "randstr": "x"}, "captcha_replayed"},
	} {
		resp, err := apply(tc.captcha)
		wantReason(t, resp, err, 400, "invalid_argument", tc.reason)
	}
	resp, err := apply(map[string]any{"ticket": 5})
	want(t, resp, err, 400, "invalid_argument")
	resp, err = apply(map[string]string{"ticket": "dev-down-1", "randstr": "x"})
	want(t, resp, err, 503, "unavailable")
	for _, table := range []string{"credit_applications", "risk_events"} {
		if n := s.count(t, table); n != 0 {
			t.Fatalf("refused applications stored %d rows in %s", n, table)
		}
	}
	pass := map[string]string{"ticket": "dev-pass-apply-1", "randstr": "x"}
	resp, err = apply(pass)
	want(t, resp, err, 409, "failed_precondition") // past the captcha: consents are missing
	resp, err = apply(pass)
	wantReason(t, resp, err, 400, "invalid_argument", "captcha_replayed")
}

// Sign-in needs a captcha once an IP has failed LoginFailuresBeforeCaptcha
// times in the window; another IP does not.
func TestSignInNeedsACaptchaAfterRepeatedFailures(t *testing.T) {
	s := captchaStack(t)
	ctx := context.Background()
	c := apitest.New(s.url)
	c.FromIP(apitest.LoopbackIP(7))
	login := func(code string, captcha any) (*apitest.Response, error) {
		body := map[string]any{"code": code}
		if captcha != nil {
			body["captcha"] = captcha
		}
		return c.Send(ctx, "POST", "/v1/auth/login", body, nil)
	}
	for i := 0; i < auth.LoginFailuresBeforeCaptcha; i++ {
		resp, err := login("invalid."+apitest.NewNonce(), nil)
		wantReason(t, resp, err, 400, "invalid_argument", "")
	}
	resp, err := login("dave."+apitest.NewNonce(), nil)
	wantReason(t, resp, err, 400, "invalid_argument", "captcha_required")
	resp, err = login("dave."+apitest.NewNonce(), map[string]string{"ticket": "dev-fail-login", "randstr": "x"})
	wantReason(t, resp, err, 400, "invalid_argument", "captcha_failed")
	if n := s.count(t, "users") + s.count(t, "sessions"); n != 0 {
		t.Fatalf("refused sign-ins stored %d rows", n)
	}
	resp, err = login("dave."+apitest.NewNonce(), map[string]string{"ticket": "dev-pass-login", "randstr": "x"})
	want(t, resp, err, 200, "")
	resp, err = login("dave."+apitest.NewNonce(), map[string]string{"ticket": "dev-pass-login", "randstr": "x"})
	wantReason(t, resp, err, 400, "invalid_argument", "captcha_replayed")

	other := apitest.New(s.url)
	other.FromIP(apitest.LoopbackIP(8))
	resp, err = other.Login(ctx, "erin."+apitest.NewNonce())
	want(t, resp, err, 200, "")
}
