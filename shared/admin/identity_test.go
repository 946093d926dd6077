package admin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/staff"
)

func TestSignInNeedsPasswordAndTOTPAndRefusesReplay(t *testing.T) {
	s := newStack(t)
	login := func(user, pw, code string) resp {
		return s.do(t, "POST", "/admin/v1/auth/login", map[string]string{"username": user, "password": pw, "totp": code}, nil)
	}
	s.env.Wall.Advance(staff.TOTPPeriod * time.Second)
	want(t, login("dev-maker", "wrong-password-123", s.code("dev-maker")), 401, "unauthenticated", "bad_credentials")
	want(t, login("dev-maker", password("dev-maker"), "000000"), 401, "unauthenticated", "bad_credentials")
	want(t, login("dev-maker", password("dev-maker"), ""), 401, "unauthenticated", "bad_credentials")
	want(t, login("nobody", "whatever-password", "123456"), 401, "unauthenticated", "bad_credentials")
	ok := login("dev-maker", password("dev-maker"), s.code("dev-maker"))
	want(t, ok, 200, "", "")
	set := ok.Header.Get("Set-Cookie")
	for _, attr := range []string{staff.CookieName + "=", "Path=/", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(set, attr) {
			t.Errorf("session cookie %q lacks %s", set, attr)
		}
	}
	// The same code again, even with the right password, is a replay.
	want(t, login("dev-maker", password("dev-maker"), s.code("dev-maker")), 401, "replayed", "totp_replayed")
	for _, outcome := range []string{"ok", "refused:unauthenticated:bad_credentials", "refused:replayed:totp_replayed"} {
		if !s.audited(t, "dev-maker", "staff.sign_in", outcome) {
			t.Errorf("no audited sign-in with outcome %s", outcome)
		}
	}
}

func TestRepeatedFailuresLockTheAccount(t *testing.T) {
	s := newStack(t)
	for i := 0; i < staff.MaxFailures; i++ {
		r := s.do(t, "POST", "/admin/v1/auth/login", map[string]string{"username": "dev-viewer", "password": "wrong-password-123", "totp": "123456"}, nil)
		want(t, r, 401, "unauthenticated", "bad_credentials")
	}
	s.env.Wall.Advance(staff.TOTPPeriod * time.Second)
	good := map[string]string{"username": "dev-viewer", "password": password("dev-viewer"), "totp": s.code("dev-viewer")}
	r := s.do(t, "POST", "/admin/v1/auth/login", good, nil)
	want(t, r, 403, "forbidden", "locked")
	if r.Header.Get("Retry-After") == "" {
		t.Error("a locked account does not say when to retry")
	}
	s.env.Wall.Advance(staff.LockoutFor)
	good["totp"] = s.code("dev-viewer")
	want(t, s.do(t, "POST", "/admin/v1/auth/login", good, nil), 200, "", "")
}

func TestSessionCSRFIdleTimeoutAndSeparateDoors(t *testing.T) {
	s := newStack(t)
	c := s.login(t, "role-operations")
	ops := `{"kind":"x"}`
	_ = ops
	// A state change without, or with a wrong, CSRF token is refused and audited.
	noCSRF := map[string]string{"Cookie": staff.CookieName + "=" + c.cookie}
	want(t, s.do(t, "POST", "/admin/v1/ops/1/resolve", map[string]string{"state": "resolved", "resolution": "checked"}, noCSRF), 403, "forbidden", "csrf")
	noCSRF["X-CSRF-Token"] = "forged"
	want(t, s.do(t, "POST", "/admin/v1/ops/1/resolve", map[string]string{"state": "resolved", "resolution": "checked"}, noCSRF), 403, "forbidden", "csrf")
	if !s.audited(t, "role-operations", "csrf.refused", "refused:forbidden:csrf") {
		t.Error("CSRF refusal not audited")
	}
	want(t, c.get(t, "/admin/v1/me"), 200, "", "")
	// Activity keeps the session; 15 idle minutes end it.
	s.env.Wall.Advance(staff.IdleTimeout - time.Minute)
	want(t, c.get(t, "/admin/v1/me"), 200, "", "")
	s.env.Wall.Advance(staff.IdleTimeout)
	want(t, c.get(t, "/admin/v1/me"), 401, "unauthenticated", "session_expired")
	want(t, s.do(t, "GET", "/admin/v1/me", nil, nil), 401, "unauthenticated", "no_session")

	// A borrower's bearer token opens nothing here, a staff cookie nothing on /v1.
	b := apitest.New(s.url)
	if r, err := b.Login(context.Background(), "alice"); err != nil || r.Status != 200 {
		t.Fatalf("borrower login: %v %v", r, err)
	}
	want(t, s.do(t, "GET", "/admin/v1/me", nil, map[string]string{"Authorization": "Bearer " + b.Token}), 401, "unauthenticated", "no_session")
	c = s.login(t, "dev-viewer")
	r := s.do(t, "GET", "/v1/me", nil, c.headers())
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("staff cookie on /v1/me: %d %s", r.Status, r.Body)
	}
	// Sign-out ends the session at once.
	want(t, c.post(t, "/admin/v1/auth/logout", map[string]string{}), 200, "", "")
	want(t, c.get(t, "/admin/v1/me"), 401, "unauthenticated", "session_expired")
}
